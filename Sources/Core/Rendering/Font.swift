// Text for plots: FreeType rasterises DejaVu Sans (Debian's fonts-dejavu-core) into coverage masks.
// Glyphs are cached per size; without a font file, text is skipped and one warning is printed.
import CFreeType
import Foundation

/// A rasterised glyph: coverage 0...255, placed relative to the pen on the baseline.
struct Glyph {
    let width, rows, left, top, advance: Int
    let coverage: [UInt8]
}

public final class Font: @unchecked Sendable {
    /// Where the font is looked for: `LESSON_FONT`, then the usual Debian paths.
    public static let searchPaths: [String] = [
        ProcessInfo.processInfo.environment["LESSON_FONT"],
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
    ].compactMap { $0 }

    public static let shared = Font(paths: searchPaths)

    private var library: FT_Library?
    private var face: FT_Face?
    private var cache: [Int: [Character: Glyph]] = [:]
    private let lock = NSLock()
    public let path: String?

    init(paths: [String]) {
        var found: String?
        if FT_Init_FreeType(&library) == 0 {
            for p in paths where FileManager.default.fileExists(atPath: p) {
                if FT_New_Face(library, p, 0, &face) == 0 { found = p; break }
            }
        }
        path = found
        if found == nil {
            FileHandle.standardError.write(Data("lesson: warning: no DejaVu Sans font found (install fonts-dejavu-core or set LESSON_FONT); pictures will have no text.\n".utf8))
        }
    }

    deinit {
        if let face { FT_Done_Face(face) }
        if let library { FT_Done_FreeType(library) }
    }

    public var isAvailable: Bool { face != nil }

    func glyph(_ ch: Character, size: Int) -> Glyph? {
        lock.lock(); defer { lock.unlock() }
        if let g = cache[size]?[ch] { return g }
        guard let face, let scalar = ch.unicodeScalars.first else { return nil }
        FT_Set_Pixel_Sizes(face, 0, FT_UInt(size))
        let renderFlag: Int32 = 1 << 2  // FT_LOAD_RENDER
        guard FT_Load_Char(face, FT_ULong(scalar.value), renderFlag) == 0, let slot = face.pointee.glyph else { return nil }
        let bm = slot.pointee.bitmap
        let w = Int(bm.width), h = Int(bm.rows), pitch = Int(bm.pitch)
        var cov = [UInt8](repeating: 0, count: w * h)
        if let buf = bm.buffer {
            for y in 0..<h { for x in 0..<w { cov[y * w + x] = buf[y * pitch + x] } }
        }
        let g = Glyph(width: w, rows: h, left: Int(slot.pointee.bitmap_left), top: Int(slot.pointee.bitmap_top),
                      advance: Int(slot.pointee.advance.x) >> 6, coverage: cov)
        cache[size, default: [:]][ch] = g
        return g
    }

    /// Width in pixels of `text` at `size`.
    public func measure(_ text: String, size: Int) -> Int {
        text.reduce(0) { $0 + (glyph($1, size: size)?.advance ?? size / 2) }
    }
}

public enum TextAnchor: Sendable { case left, center, right }

extension Canvas {
    /// Draws `text` with its baseline at y; x is the left edge, centre or right edge per `anchor`.
    public mutating func text(_ text: String, x: Int, y: Int, size: Int, color: RGBA = .ink,
                              anchor: TextAnchor = .left, font: Font = .shared) {
        guard font.isAvailable else { return }
        if !text.isEmpty { smallestText = min(smallestText ?? size, size) }
        // In pixels: a zoomed canvas sets its text at the zoomed size, as crisp as at zoom 1.
        let (x, y, size) = (x * zoom, y * zoom, size * zoom)
        let w = font.measure(text, size: size)
        var pen = anchor == .left ? x : (anchor == .center ? x - w / 2 : x - w)
        for ch in text {
            guard let g = font.glyph(ch, size: size) else { pen += size / 2; continue }
            for gy in 0..<g.rows {
                for gx in 0..<g.width {
                    let c = g.coverage[gy * g.width + gx]
                    if c > 0 { blend(pen + g.left + gx, y - g.top + gy, color, Double(c) / 255) }
                }
            }
            pen += g.advance
        }
    }

    /// Text turned 90° anticlockwise (a y-axis label), centred on (x, y); x is the baseline.
    public mutating func verticalText(_ text: String, x: Int, y: Int, size: Int, color: RGBA = .ink, font: Font = .shared) {
        guard font.isAvailable else { return }
        if !text.isEmpty { smallestText = min(smallestText ?? size, size) }
        let (x, y, size) = (x * zoom, y * zoom, size * zoom)
        let w = font.measure(text, size: size)
        var strip = Canvas(width: max(1, w), height: size * 2, background: RGBA(0, 0, 0, 0))
        strip.text(text, x: 0, y: Int(Double(size) * 1.4), size: size, color: color, font: font)
        // Rotate: strip (sx, sy) lands at (x - baselineOffset + sy, y + w/2 - sx).
        let base = Int(Double(size) * 1.4)
        for sy in 0..<strip.height {
            for sx in 0..<strip.width {
                let p = strip.pixel(sx, sy)
                if p.a > 0 { blend(x - base + sy, y + w / 2 - sx, RGBA(p.r, p.g, p.b), Double(p.a) / 255) }
            }
        }
    }
}
