// Pictures in the terminal: two pixel rows per character cell with the upper-half block and
// 24-bit colour, or plain shading characters when colour is off (NO_COLOR, --no-color, not a TTY).

public enum TerminalPicture {
    /// Plain pictures up to this width use two characters per pixel.
    static let plainDoubleWidthLimit = 12

    /// Renders a height × width grid of values in [lo, hi].
    public static func render(_ values: [Double], width: Int, height: Int, lo: Double = 0, hi: Double = 1,
                              colormap: Colormap = .gray, color: Bool, indent: String = "  ") -> String {
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
            func shade(_ v: Double) -> Character { shades[min(4, max(0, Int((v * 4).rounded())))] }
            if width <= plainDoubleWidthLimit {
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
        let blocks = pictures.map {
            render($0, width: width, height: height, lo: lo, hi: hi, colormap: colormap, color: color, indent: "")
                .split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        }
        let cellWidth = color || width > plainDoubleWidthLimit ? width : 2 * width
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
