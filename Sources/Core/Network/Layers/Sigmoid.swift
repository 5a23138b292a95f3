// sigmoid: squashes into (0, 1), as lesson 2's letter network does; its slope is at most 1/4, so
// every sigmoid an error passes back through shrinks it at least fourfold.
import Numerics

public struct Sigmoid: ElementwiseActivation, Equatable {
    public static let keyword = "sigmoid"
    public init() {}
    // a = 1 / (1 + e^(−z))
    @inlinable public static func activate(_ z: Double) -> Double { 1 / (1 + cExp(-z)) }
    // δ_z = δ_a · a (1 − a)
    @inlinable public static func gate(_ delta: Double, z: Double, a: Double) -> Double { delta * (a * (1 - a)) }
    public static func activate(_ z: Float) -> Float { 1 / (1 + cExpf(-z)) }
    public static func gate(_ delta: Float, z: Float, a: Float) -> Float { delta * (a * (1 - a)) }
    /// Beyond 0.02 and 0.98 the slope a(1 − a) is under a tenth of its peak (0.25)
    public static var unsaturated: ClosedRange<Double>? { 0.02...0.98 }
}

extension LayerKind where Self == Sigmoid {
    public static var sigmoid: Sigmoid { Sigmoid() }
}
