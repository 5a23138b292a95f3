// Flatten: an image's (H, W, C) values as one row, in NHWC order, so dense layers can take them; the
// error goes back in the image's shape. Nothing is computed.
import Numerics

public struct Flatten: LayerKind, NetworkLayer, Equatable {
    public static let keyword = "flatten"
    public init() {}
    public init(values: [Int]) {}

    // (H, W, C) → (H·W·C)
    public func outputShape(_ input: [Int]) -> Result<[Int], ShapeMismatch> {
        guard let n = CheckedInt.product(input).value else {
            return .failure(ShapeMismatch("its \(input) input has more values than a number can count"))
        }
        return .success([n])
    }

    public func makeLayer(input: [Int], seed: UInt32, filterDraw: Conv2D.FilterDraw, rng: inout RandomState) -> any NetworkLayer { self }

    public func forward(_ x: Tensor<Double>, naive: Bool) -> (output: Tensor<Double>, cache: any Sendable) {
        (x.reshaped(x.shape[0], x.count / x.shape[0]), x.shape)
    }

    public func backward(_ delta: Tensor<Double>, cache: any Sendable, naive: Bool, perImageClip: Double?) -> LayerBackward {
        LayerBackward(dx: delta.reshaped(cache as! [Int]))
    }
}

extension LayerKind where Self == Flatten {
    public static var flatten: Flatten { Flatten() }
}
