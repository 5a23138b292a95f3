// What every element-wise activation layer (relu, tanh, sigmoid) shares: the same shape out as in, no
// parameters, a = g(z) element by element, and δ_z = δ_a · g'(z) on the way back. A kind says only
// its g and g'.
import Numerics

public protocol ElementwiseActivation: LayerKind, NetworkLayer {
    init()
    /// a = g(z)
    static func activate(_ z: Double) -> Double
    /// δ_z from δ_a, with g' written from z or from a = g(z), whichever the tutorials use.
    static func gate(_ delta: Double, z: Double, a: Double) -> Double
    /// The same in float32, for the training path: by default the Double functions, rounded; a kind with
    /// a float32 C function (tanhf) gives its own.
    static func activate(_ z: Float) -> Float
    static func gate(_ delta: Float, z: Float, a: Float) -> Float
    /// The outputs off its flat tails, where its slope still passes an error back: a unit whose output
    /// lies outside for every image of a set is saturated on it. nil: it has no flat tails (ReLU's
    /// flat side is "dead" instead).
    static var unsaturated: ClosedRange<Double>? { get }
}

/// An activation layer's input and output, for its backward pass.
public struct ActivationCache: Sendable {
    public let z: Tensor<Double>
    public let a: Tensor<Double>
}

extension ElementwiseActivation {
    public init(values: [Int]) { self.init() }
    public static var unsaturated: ClosedRange<Double>? { nil }

    public static func activate(_ z: Float) -> Float { Float(activate(Double(z))) }
    public static func gate(_ delta: Float, z: Float, a: Float) -> Float { Float(gate(Double(delta), z: Double(z), a: Double(a))) }

    public func outputShape(_ input: [Int]) -> Result<[Int], ShapeMismatch> { .success(input) }

    public func makeLayer(input: [Int], seed: UInt32, filterDraw: Conv2D.FilterDraw, rng: inout RandomState) -> any NetworkLayer { self }

    public func forward(_ x: Tensor<Double>, naive: Bool) -> (output: Tensor<Double>, cache: any Sendable) {
        let a = x.map(Self.activate)
        return (a, ActivationCache(z: x, a: a))
    }

    public func backward(_ delta: Tensor<Double>, cache: any Sendable, naive: Bool, perImageClip: Double?) -> LayerBackward {
        let c = cache as! ActivationCache
        return LayerBackward(dx: Tensor(shape: delta.shape) { k in Self.gate(delta.storage[k], z: c.z.storage[k], a: c.a.storage[k]) })
    }
}
