// Line plots in the terminal with braille characters: each character cell is a 2 × 4 grid of dots,
// so a 30 × 6 cell chart has 60 × 24 points. Series are joined point to point; where series share a
// cell, the later one's colour wins.

public struct BrailleChart {
    public struct Series {
        public var x: [Double], y: [Double]
        /// Joined point to point (a line) or only marked (dots, e.g. one per epoch).
        public var joined: Bool
        /// An SGR colour code ("36", "1;33"), used when the chart is drawn in colour.
        public var color: String
        public init(x: [Double], y: [Double], joined: Bool = true, color: String = "0") {
            self.x = x; self.y = y; self.joined = joined; self.color = color
        }
    }

    public let columns: Int, rows: Int
    public var xRange: ClosedRange<Double>, yRange: ClosedRange<Double>
    public var series: [Series] = []

    public init(columns: Int, rows: Int, x: ClosedRange<Double>, y: ClosedRange<Double>) {
        self.columns = max(1, columns); self.rows = max(1, rows); xRange = x; yRange = y
    }

    /// `rows` strings of `columns` characters (plus colour codes when `color`).
    public func lines(color: Bool) -> [String] {
        let w = columns * 2, h = rows * 4
        var dots = [UInt8](repeating: 0, count: w * h)         // which series (index + 1) set each dot
        func px(_ x: Double) -> Int { Int(((x - xRange.lowerBound) / max(1e-300, xRange.upperBound - xRange.lowerBound) * Double(w - 1)).rounded()) }
        func py(_ y: Double) -> Int { h - 1 - Int(((y - yRange.lowerBound) / max(1e-300, yRange.upperBound - yRange.lowerBound) * Double(h - 1)).rounded()) }
        func set(_ x: Int, _ y: Int, _ s: Int) { if (0..<w).contains(x) && (0..<h).contains(y) { dots[y * w + x] = UInt8(s + 1) } }
        for (s, series) in series.enumerated() {
            var previous: (Int, Int)?
            for (x, y) in zip(series.x, series.y) where x.isFinite && y.isFinite {
                let p = (px(x), py(min(max(y, yRange.lowerBound), yRange.upperBound)))
                if series.joined, let (x0, y0) = previous {
                    // Bresenham from the previous point
                    var (cx, cy) = (x0, y0)
                    let dx = abs(p.0 - x0), dy = -abs(p.1 - y0), sx = x0 < p.0 ? 1 : -1, sy = y0 < p.1 ? 1 : -1
                    var err = dx + dy
                    while true {
                        set(cx, cy, s)
                        if cx == p.0 && cy == p.1 { break }
                        let e2 = 2 * err
                        if e2 >= dy { err += dy; cx += sx }
                        if e2 <= dx { err += dx; cy += sy }
                    }
                } else { set(p.0, p.1, s) }
                previous = p
            }
        }
        // Braille dot bits: column 0 rows 0-3 → 1, 2, 4, 64; column 1 → 8, 16, 32, 128.
        let bits: [[UInt32]] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]]
        var out = [String]()
        for r in 0..<rows {
            var line = "", currentColor: String?
            for c in 0..<columns {
                var code: UInt32 = 0, owner = 0
                for dx in 0..<2 { for dy in 0..<4 {
                    let s = Int(dots[(r * 4 + dy) * w + c * 2 + dx])
                    if s > 0 { code |= bits[dx][dy]; owner = max(owner, s) }
                } }
                let ch = code == 0 ? " " : String(Character(Unicode.Scalar(0x2800 + code)!))
                if color, owner > 0, currentColor != series[owner - 1].color {
                    line += "\u{1B}[\(series[owner - 1].color)m"; currentColor = series[owner - 1].color
                }
                line += ch
            }
            if color && currentColor != nil { line += "\u{1B}[0m" }
            out.append(line)
        }
        return out
    }
}
