// Colour scales: a diverging blue-white-red map for signed values (weights, deltas) and
// a sequential map for magnitudes (activations, counts), both by linear interpolation of stops.

public struct Colormap: Sendable {
    let stops: [(Double, Double, Double)]
    public let name: String

    /// Colour for t in [0, 1] (clamped).
    public func color(_ t: Double) -> RGBA {
        let u = t.isFinite ? min(1, max(0, t)) : 0.5
        let x = u * Double(stops.count - 1)
        let i = min(stops.count - 2, Int(x))
        let f = x - Double(i)
        let a = stops[i], b = stops[i + 1]
        func ch(_ p: Double, _ q: Double) -> UInt8 { UInt8((255 * (p + (q - p) * f)).rounded()) }
        return RGBA(ch(a.0, b.0), ch(a.1, b.1), ch(a.2, b.2))
    }

    /// Blue for negative, white at zero, red for positive (ColorBrewer RdBu, reversed).
    public static let diverging = Colormap(stops: [
        (0.020, 0.188, 0.380), (0.129, 0.400, 0.675), (0.263, 0.576, 0.765), (0.573, 0.773, 0.871),
        (0.820, 0.898, 0.941), (0.969, 0.969, 0.969), (0.992, 0.859, 0.780), (0.957, 0.647, 0.510),
        (0.839, 0.376, 0.302), (0.698, 0.094, 0.169), (0.404, 0.0, 0.122),
    ], name: "diverging (blue − / white 0 / red +)")

    /// Dark to bright (viridis, sampled).
    public static let sequential = Colormap(stops: [
        (0.267, 0.005, 0.329), (0.283, 0.141, 0.458), (0.254, 0.265, 0.530), (0.207, 0.372, 0.553),
        (0.164, 0.471, 0.558), (0.128, 0.567, 0.551), (0.135, 0.659, 0.518), (0.267, 0.749, 0.441),
        (0.478, 0.821, 0.318), (0.741, 0.873, 0.150), (0.993, 0.906, 0.144),
    ], name: "sequential (viridis)")

    /// White to dark blue, for counts where zero should vanish (confusion matrices).
    public static let blues = Colormap(stops: [
        (0.969, 0.984, 1.0), (0.871, 0.922, 0.969), (0.776, 0.859, 0.937), (0.620, 0.792, 0.882),
        (0.420, 0.682, 0.839), (0.259, 0.573, 0.776), (0.129, 0.443, 0.710), (0.031, 0.318, 0.612),
        (0.031, 0.188, 0.420),
    ], name: "blues")

    /// White paper, dark ink: binary pictures (letters) read best this way round.
    public static let ink = Colormap(stops: [(1, 1, 1), (0.13, 0.13, 0.13)], name: "ink on paper")

    /// Black to white, for images.
    public static let gray = Colormap(stops: [(0, 0, 0), (1, 1, 1)], name: "gray")
}
