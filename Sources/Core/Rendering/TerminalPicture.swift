// Pictures in the terminal: two pixel rows per character cell with the upper-half block and
// 24-bit colour, or plain shading characters when colour is off (NO_COLOR, --no-color, not a TTY).

public enum TerminalPicture {
    /// Plain pictures up to this width use two characters per pixel.
    public static let plainDoubleWidthLimit = 12

    /// Renders a height × width grid of values in [lo, hi].
    /// `signed`: values around a zero in the middle of [lo, hi] (errors, gradients); without colour
    /// they are drawn by sign, `-` `=` below zero and `+` `#` above, blank near zero, so the sign
    /// reads without colour.
    public static func render(_ values: [Double], width: Int, height: Int, lo: Double = 0, hi: Double = 1,
                              colormap: Colormap = .gray, color: Bool, signed: Bool = false, indent: String = "  ",
                              plainDouble: Bool? = nil) -> String {
        precondition(values.count == width * height)
        let span = hi > lo ? hi - lo : 1
        func t(_ x: Int, _ y: Int) -> Double { (values[y * width + x] - lo) / span }
        var out = ""
        if color {
            for y in stride(from: 0, to: height, by: 2) {
                out += indent
                for x in 0..<width {
                    let top = colormap.color(t(x, y))
                    if y + 1 < height {
                        let bottom = colormap.color(t(x, y + 1))
                        out += "\u{1B}[38;2;\(top.r);\(top.g);\(top.b)m\u{1B}[48;2;\(bottom.r);\(bottom.g);\(bottom.b)m▀"
                    } else {
                        out += "\u{1B}[38;2;\(top.r);\(top.g);\(top.b)m\u{1B}[49m▀"
                    }
                }
                out += "\u{1B}[0m\n"
            }
        } else {
            // A character cell is about twice as tall as wide: small pictures get two characters per
            // pixel, larger ones one character per pixel and two pixel rows averaged per line.
            let shades: [Character] = [" ", "░", "▒", "▓", "█"]
            func shade(_ v: Double) -> Character {
                guard signed else { return shades[min(4, max(0, Int((v * 4).rounded())))] }
                let d = 2 * v - 1  // -1 … 1, zero in the middle
                return abs(d) < 0.125 ? " " : d < 0 ? (d > -0.5 ? "-" : "=") : (d < 0.5 ? "+" : "#")
            }
            if plainDouble ?? (width <= plainDoubleWidthLimit) {
                for y in 0..<height {
                    out += indent + String((0..<width).flatMap { x in [shade(t(x, y)), shade(t(x, y))] }) + "\n"
                }
            } else {
                for y in stride(from: 0, to: height, by: 2) {
                    out += indent + String((0..<width).map { x in shade(y + 1 < height ? (t(x, y) + t(x, y + 1)) / 2 : t(x, y)) }) + "\n"
                }
            }
        }
        return out
    }

    /// Several pictures of the same size side by side, each with a caption underneath.
    public static func row(_ pictures: [[Double]], width: Int, height: Int, captions: [String],
                           lo: Double = 0, hi: Double = 1, colormap: Colormap = .gray, color: Bool) -> String {
        row(pictures, width: width, height: height, captions: captions,
            scales: Array(repeating: Scale(lo: lo, hi: hi, colormap: colormap), count: pictures.count), color: color)
    }

    /// How one picture's values map to colours (or shades).
    public struct Scale: Sendable {
        public var lo: Double, hi: Double, colormap: Colormap, signed: Bool
        public init(lo: Double, hi: Double, colormap: Colormap, signed: Bool = false) {
            self.lo = lo; self.hi = hi; self.colormap = colormap; self.signed = signed
        }
    }

    /// Pictures side by side, each on its own scale (a digit in grey beside its signed gradient).
    /// `plainDouble`: without colour, two characters per pixel (default: for pictures up to 12 wide); a
    /// zoomed picture keeps the choice its unzoomed size made.
    public static func row(_ pictures: [[Double]], width: Int, height: Int, captions: [String], scales: [Scale], color: Bool,
                           plainDouble: Bool? = nil) -> String {
        let double = !color && (plainDouble ?? (width <= plainDoubleWidthLimit))
        let blocks = zip(pictures, scales).map { values, s in
            render(values, width: width, height: height, lo: s.lo, hi: s.hi, colormap: s.colormap, color: color, signed: s.signed, indent: "",
                   plainDouble: double)
                .split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        }
        let cellWidth = double ? 2 * width : width
        var out = ""
        for line in 0..<(blocks.first?.count ?? 0) {
            out += "  " + blocks.map { $0[line] }.joined(separator: "   ") + "\n"
        }
        out += "  " + captions.map { cap in
            let c = String(cap.prefix(cellWidth))
            let padL = (cellWidth - c.count) / 2
            return String(repeating: " ", count: padL) + c + String(repeating: " ", count: cellWidth - c.count - padL)
        }.joined(separator: "   ") + "\n"
        return out
    }
}
