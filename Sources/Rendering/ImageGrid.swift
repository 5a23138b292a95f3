// Small images (letters, digits, filters, feature maps) tiled in a grid, scaled up with crisp
// nearest-neighbour pixels, each with a caption, on one shared colour scale with a legend.

public struct Tile: Sendable {
    public var width: Int
    public var height: Int
    /// Row-major values, height × width.
    public var values: [Double]
    public var caption: String
    public init(width: Int, height: Int, values: [Double], caption: String = "") {
        precondition(values.count == width * height, "a \(width)×\(height) tile needs \(width * height) values")
        self.width = width; self.height = height; self.values = values; self.caption = caption
    }
}

public struct ImageGrid: Sendable {
    public var title: String
    public var tiles: [Tile]
    public var columns: Int
    public var scale: Int
    public var colormap: Colormap
    /// Value range mapped onto the colormap; nil: [min, max], or symmetric when `centredOnZero`.
    public var range: ClosedRange<Double>?
    public var centredOnZero = false
    public var showColorBar = false
    public var legendCaption: String? = nil
    public var captionSize = 16

    public init(title: String, tiles: [Tile], columns: Int, scale: Int, colormap: Colormap = .gray,
                range: ClosedRange<Double>? = nil) {
        precondition(!tiles.isEmpty, "an image grid needs at least one tile")
        self.title = title; self.tiles = tiles; self.columns = max(1, min(columns, tiles.count))
        self.scale = max(1, scale); self.colormap = colormap; self.range = range
    }

    /// The value range actually used (what the legend shows).
    public var resolvedRange: ClosedRange<Double> {
        if let range { return range }
        let all = tiles.flatMap(\.values).filter(\.isFinite)
        if centredOnZero {
            let m = max(all.map { abs($0) }.max() ?? 1, 1e-12)
            return -m...m
        }
        let lo = all.min() ?? 0, hi = all.max() ?? 1
        return lo...(hi > lo ? hi : lo + 1)
    }

    static let gap = 14
    var titleHeight: Int { title.isEmpty ? 12 : 56 }
    var captionHeight: Int { tiles.contains { !$0.caption.isEmpty } ? captionSize + 10 : 0 }

    /// Where tile `i`'s top-left pixel lands; each value is a `scale` × `scale` square from there.
    public func tileOrigin(_ i: Int) -> (x: Int, y: Int) {
        let tw = (tiles.map(\.width).max() ?? 1) * scale, th = (tiles.map(\.height).max() ?? 1) * scale
        return (Self.gap + (i % columns) * (tw + Self.gap), titleHeight + (i / columns) * (th + captionHeight + Self.gap))
    }

    public func render() -> Canvas {
        let th = (tiles.map(\.height).max() ?? 1) * scale, tw = (tiles.map(\.width).max() ?? 1) * scale
        let gap = Self.gap, captionH = captionHeight
        let rows = (tiles.count + columns - 1) / columns
        let titleH = titleHeight
        let legendW = showColorBar ? 110 : 0
        let titleW = title.isEmpty ? 0 : Font.shared.measure(title, size: 22) + 40
        let width = max(gap + columns * (tw + gap) + legendW, showColorBar ? 320 : 1, titleW + legendW)
        let height = titleH + rows * (th + captionH + gap) + gap
        var c = Canvas(width: width, height: height)
        if !title.isEmpty { c.text(title, x: (width - legendW) / 2, y: 36, size: 22, anchor: .center) }
        let r = resolvedRange
        let span = r.upperBound - r.lowerBound
        for (i, t) in tiles.enumerated() {
            let (ox, oy) = tileOrigin(i)
            for y in 0..<t.height {
                for x in 0..<t.width {
                    let color = colormap.color((t.values[y * t.width + x] - r.lowerBound) / span)
                    c.fill(x: ox + x * scale, y: oy + y * scale, width: scale, height: scale, color)
                }
            }
            c.stroke(x: ox - 1, y: oy - 1, width: t.width * scale + 2, height: t.height * scale + 2, .grid)
            if !t.caption.isEmpty {
                c.text(t.caption, x: ox + t.width * scale / 2, y: oy + t.height * scale + captionSize + 4,
                       size: captionSize, anchor: .center)
            }
        }
        if showColorBar {
            c.colorBar(colormap, lo: r.lowerBound, hi: r.upperBound, x: width - legendW + 20, y: titleH + 20,
                       height: max(100, min(height - titleH - 50, 300)), caption: legendCaption)
        }
        return c
    }
}
