// Shared pieces of every chart: "nice" tick values, tick label text, and the colour-bar legend.
import Foundation

public enum Ticks {
    /// About `target` round-numbered ticks covering [lo, hi] (steps of 1, 2 or 5 × 10^k).
    public static func nice(_ lo: Double, _ hi: Double, target: Int = 6) -> [Double] {
        guard lo.isFinite, hi.isFinite else { return [] }
        if hi <= lo { return [lo] }
        let raw = (hi - lo) / Double(max(1, target - 1))
        let mag = pow(10, (log10(raw)).rounded(.down))
        let step = [1.0, 2.0, 2.5, 5.0, 10.0].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
        var ticks = [Double]()
        var t = (lo / step).rounded(.up) * step
        while t <= hi + step * 1e-9 {
            ticks.append(abs(t) < step * 1e-9 ? 0 : t)
            t += step
        }
        return ticks
    }

    /// Labels for a set of ticks: the fewest decimals (or, for very large and very small values, the
    /// fewest significant digits in e-notation) with which every label reads back as its tick's value,
    /// so 91.75, 92.0, 92.25 print as "91.75", "92.00", "92.25", never "91.8", "92.0", "92.2".
    public static func labels(_ ticks: [Double]) -> [String] {
        guard ticks.count > 0 else { return [] }
        let span = ticks.count > 1 ? abs(ticks[1] - ticks[0]) : max(abs(ticks[0]), 1)
        let largest = ticks.map { abs($0) }.max() ?? 0
        // Within a millionth of the step: the same value, as far as the eye (or a reader) can tell.
        func exact(_ format: String) -> Bool {
            ticks.allSatisfy { t in Double(String(format: format, t)).map { abs($0 - t) <= span * 1e-6 } ?? false }
        }
        if largest >= 1e5 || (largest > 0 && largest < 1e-3) {
            let digits = (1...8).first { exact("%.\($0)e") } ?? 8
            return ticks.map { $0 == 0 ? "0" : String(format: "%.\(digits)e", $0) }
        }
        let decimals = (0...9).first { exact("%.\($0)f") } ?? 9
        return ticks.map { v in
            let s = String(format: "%.\(decimals)f", v)
            return s.hasPrefix("-") && Double(s) == 0 ? String(s.dropFirst()) : s  // no "-0.0"
        }
    }
}

extension Canvas {
    /// A vertical colour bar for values lo...hi at (x, y), with ticks and an optional caption above.
    public mutating func colorBar(_ map: Colormap, lo: Double, hi: Double, x: Int, y: Int, height h: Int,
                                  barWidth: Int = 18, caption: String? = nil, size: Int = 14, marks: [(value: Double, at: Double)]? = nil) {
        for yy in 0..<h {
            let t = 1 - Double(yy) / Double(max(1, h - 1))
            fill(x: x, y: y + yy, width: barWidth, height: 1, map.color(t))
        }
        stroke(x: x - 1, y: y - 1, width: barWidth + 2, height: h + 2, .axis)
        // Ticks: given positions (a log scale), else round values spaced linearly.
        let ticks = marks?.map(\.value) ?? Ticks.nice(lo, hi, target: 5)
        let at = marks?.map(\.at) ?? ticks.map { (lo...hi).contains($0) && hi > lo ? ($0 - lo) / (hi - lo) : -1 }
        let labels = marks != nil ? ticks.map { String(Int($0)) } : Ticks.labels(ticks)
        for ((t, label), p) in zip(zip(ticks, labels), at) where hi > lo && p >= 0 && p <= 1 {
            _ = t
            let ty = y + Int((1 - p) * Double(h - 1))
            fill(x: x + barWidth, y: ty, width: 5, height: 1, .axis)
            text(label, x: x + barWidth + 8, y: ty + size / 2 - 1, size: size, color: .ink)
        }
        if let caption { text(caption, x: x + barWidth / 2, y: y - 12, size: size, color: .ink, anchor: .center) }
    }
}
