// tanh: squashes into (−1, 1), centred on 0; its slope is largest at 0 and fades for large |z|, so
// errors pass back weakened where the unit is saturated.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public struct Tanh: ElementwiseActivation, Equatable {
    public static let keyword = "tanh"
    public init() {}
    // a = tanh(z)
    @inlinable public static func activate(_ z: Double) -> Double { cTanh(z) }
    // δ_z = δ_a · (1 − a²)
    @inlinable public static func gate(_ delta: Double, z: Double, a: Double) -> Double { delta * (1 - a * a) }
    public static func activate(_ z: Float) -> Float { cTanhf(z) }
    public static func gate(_ delta: Float, z: Float, a: Float) -> Float { delta * (1 - a * a) }
    /// The sigmoid's tails moved to tanh (tanh z = 2σ(2z) − 1): beyond ±0.96 the slope 1 − a² is under 0.08
    public static var unsaturated: ClosedRange<Double>? { -0.96...0.96 }
}

/// The C library's tanh (numpy's) and tanhf, under names the kind's own `tanh` member does not hide.
@usableFromInline func cTanh(_ z: Double) -> Double { tanh(z) }
@usableFromInline func cTanhf(_ z: Float) -> Float { tanhf(z) }

extension LayerKind where Self == Tanh {
    public static var tanh: Tanh { Tanh() }
}
