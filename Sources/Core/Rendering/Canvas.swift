// An RGBA8 raster that the plots, heatmaps and grids draw on: filled rectangles,
// anti-aliased lines and scaled pixel blocks, composited with straight alpha.

/// An sRGB colour with alpha, 8 bits per channel.
public struct RGBA: Equatable, Sendable {
    public var r, g, b, a: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8, _ a: UInt8 = 255) {
        self.r = r; self.g = g; self.b = b; self.a = a
    }
    public init(hex: UInt32) {
        self.init(UInt8((hex >> 16) & 0xff), UInt8((hex >> 8) & 0xff), UInt8(hex & 0xff))
    }
    public static let white = RGBA(255, 255, 255)
    public static let black = RGBA(0, 0, 0)
    public static let ink = RGBA(hex: 0x222222)
    public static let grid = RGBA(hex: 0xE3E3E3)
    public static let axis = RGBA(hex: 0x555555)
    /// A colour-blind-friendly series palette (Okabe–Ito).
    public static let series: [RGBA] = [RGBA(hex: 0x0072B2), RGBA(hex: 0xD55E00), RGBA(hex: 0x009E73),
                                        RGBA(hex: 0xCC79A7), RGBA(hex: 0xE69F00), RGBA(hex: 0x56B4E9)]
}

/// A width × height RGBA image, rows top to bottom.
/// `zoom` (projector mode): a picture laid out in units of `zoom` pixels. The drawing calls (fill,
/// stroke, line, disc, text) take those units, so a renderer lays out once and a zoomed canvas is the
/// same picture at two or three times the pixels, its text drawn at that size (not scaled up). `width`,
/// `height`, `pixel`, `set` and `blend` are in pixels.
public struct Canvas: Sendable {
    public let width: Int
    public let height: Int
    public let zoom: Int
    public var pixels: [UInt8]
    /// The smallest text drawn so far, in units (14 at least everywhere: a projector's back row reads it).
    public internal(set) var smallestText: Int?

    public init(width: Int, height: Int, background: RGBA = .white, zoom: Int = 1) {
        precondition(width > 0 && height > 0 && zoom >= 1, "a canvas needs a positive size")
        self.zoom = zoom
        let width = width * zoom, height = height * zoom
        self.width = width
        self.height = height
        var p = [UInt8](repeating: 0, count: width * height * 4)
        for i in 0..<(width * height) {
            p[4 * i] = background.r; p[4 * i + 1] = background.g; p[4 * i + 2] = background.b; p[4 * i + 3] = background.a
        }
        self.pixels = p
    }

    public func pixel(_ x: Int, _ y: Int) -> RGBA {
        let i = 4 * (y * width + x)
        return RGBA(pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3])
    }

    public mutating func set(_ x: Int, _ y: Int, _ c: RGBA) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let i = 4 * (y * width + x)
        pixels[i] = c.r; pixels[i + 1] = c.g; pixels[i + 2] = c.b; pixels[i + 3] = c.a
    }

    /// Paints `c` over the pixel with coverage `alpha` in [0, 1].
    public mutating func blend(_ x: Int, _ y: Int, _ c: RGBA, _ alpha: Double) {
        guard x >= 0, y >= 0, x < width, y < height, alpha > 0 else { return }
        let a = min(1, alpha) * Double(c.a) / 255
        let i = 4 * (y * width + x)
        pixels[i] = UInt8((Double(pixels[i]) * (1 - a) + Double(c.r) * a).rounded())
        pixels[i + 1] = UInt8((Double(pixels[i + 1]) * (1 - a) + Double(c.g) * a).rounded())
        pixels[i + 2] = UInt8((Double(pixels[i + 2]) * (1 - a) + Double(c.b) * a).rounded())
        pixels[i + 3] = max(pixels[i + 3], UInt8((a * 255).rounded()))
    }

    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, _ c: RGBA) {
        let (x, y, w, h) = (x * zoom, y * zoom, w * zoom, h * zoom)
        // Clipped to the canvas; a rectangle wholly outside it draws nothing.
        let (y0, y1, x0, x1) = (max(0, y), min(height, y + h), max(0, x), min(width, x + w))
        guard y0 < y1, x0 < x1 else { return }
        for yy in y0..<y1 {
            for xx in x0..<x1 { set(xx, yy, c) }
        }
    }

    /// A one-pixel rectangle outline.
    public mutating func stroke(x: Int, y: Int, width w: Int, height h: Int, _ c: RGBA) {
        fill(x: x, y: y, width: w, height: 1, c)
        fill(x: x, y: y + h - 1, width: w, height: 1, c)
        fill(x: x, y: y, width: 1, height: h, c)
        fill(x: x + w - 1, y: y, width: 1, height: h, c)
    }

    /// An anti-aliased line of the given width: coverage falls off with distance from the segment.
    public mutating func line(from p0: (Double, Double), to p1: (Double, Double), width lw: Double, _ c: RGBA) {
        let z = Double(zoom)
        let (p0, p1, lw) = ((p0.0 * z, p0.1 * z), (p1.0 * z, p1.1 * z), lw * z)
        guard lw.isFinite, p0.0.isFinite, p0.1.isFinite, p1.0.isFinite, p1.1.isFinite else { return }
        let half = lw / 2
        // Pixel bounds, clamped before they become integers (a point far off the canvas would overflow).
        func pixel(_ v: Double) -> Int { Int(min(1e9, max(-1e9, v))) }
        let minX = pixel((min(p0.0, p1.0) - half - 1).rounded(.down)), maxX = pixel((max(p0.0, p1.0) + half + 1).rounded(.up))
        let minY = pixel((min(p0.1, p1.1) - half - 1).rounded(.down)), maxY = pixel((max(p0.1, p1.1) + half + 1).rounded(.up))
        let dx = p1.0 - p0.0, dy = p1.1 - p0.1
        let len2 = dx * dx + dy * dy
        // A line wholly off the canvas (a point beyond a plot's axis) draws nothing.
        let (y0, y1, x0, x1) = (max(0, minY), min(height - 1, maxY), max(0, minX), min(width - 1, maxX))
        guard y0 <= y1, x0 <= x1 else { return }
        for y in y0...y1 {
            for x in x0...x1 {
                let px = Double(x) + 0.5, py = Double(y) + 0.5
                var t = len2 == 0 ? 0 : ((px - p0.0) * dx + (py - p0.1) * dy) / len2
                t = min(1, max(0, t))
                let qx = p0.0 + t * dx - px, qy = p0.1 + t * dy - py
                let d = (qx * qx + qy * qy).squareRoot()
                let coverage = min(1, max(0, half + 0.5 - d))
                if coverage > 0 { blend(x, y, c, coverage) }
            }
        }
    }

    /// A filled anti-aliased disc (plot markers).
    public mutating func disc(center: (Double, Double), radius: Double, _ c: RGBA) {
        line(from: center, to: center, width: 2 * radius, c)
    }

    /// Copies another canvas in at pixel (x, y).
    public mutating func draw(_ other: Canvas, x: Int, y: Int) {
        for yy in 0..<other.height {
            for xx in 0..<other.width { set(x + xx, y + yy, other.pixel(xx, yy)) }
        }
    }
}

extension Canvas {
    /// Pictures side by side on white, top-aligned, `gap` pixels apart (a canvas of pixels: zoom 1).
    public static func side(by canvases: [Canvas], gap: Int = 0) -> Canvas {
        let width = canvases.reduce(0) { $0 + $1.width } + gap * max(0, canvases.count - 1)
        var out = Canvas(width: max(1, width), height: max(1, canvases.map(\.height).max() ?? 1))
        var x = 0
        for c in canvases { out.draw(c, x: x, y: 0); x += c.width + gap }
        out.smallestText = canvases.compactMap(\.smallestText).min()
        return out
    }
}
