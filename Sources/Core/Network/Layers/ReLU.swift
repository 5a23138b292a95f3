// ReLU: passes what is positive, stops the rest, and on the way back lets an error through only
// where it let the value through.
public struct ReLU: ElementwiseActivation, Equatable {
    public static let keyword = "relu"
    public init() {}
    // a = max(z, 0)
    @inlinable public static func activate(_ z: Double) -> Double { z > 0 ? z : 0 }
    // δ_z = δ_a where z > 0, else 0 (a gate, not a product: a stopped error is +0, never −0)
    @inlinable public static func gate(_ delta: Double, z: Double, a: Double) -> Double { z > 0 ? delta : 0 }
}

extension LayerKind where Self == ReLU {
    public static var relu: ReLU { ReLU() }
}
