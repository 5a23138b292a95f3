// Element-wise activation functions and their derivatives, as the tutorials write them.
import Numerics

public enum Activation {
    // sigmoid(z) = 1 / (1 + e^(-z))
    @inlinable public static func sigmoid<T: BLASScalar>(_ z: Tensor<T>) -> Tensor<T> { z.map { 1 / (1 + T.exp(-$0)) } }
    // sigmoid'(z) = a (1 - a), written with the activation a = sigmoid(z)
    @inlinable public static func sigmoidDerivative<T: BLASScalar>(fromActivation a: Tensor<T>) -> Tensor<T> { a.map { $0 * (1 - $0) } }
    // ReLU(z) = max(z, 0)
    @inlinable public static func relu<T: BLASScalar>(_ z: Tensor<T>) -> Tensor<T> { z.map { $0 > 0 ? $0 : 0 } }
    // ReLU'(z) = 1 where z > 0, else 0
    @inlinable public static func reluDerivative<T: BLASScalar>(_ z: Tensor<T>) -> Tensor<T> { z.map { $0 > 0 ? 1 : 0 } }
}
