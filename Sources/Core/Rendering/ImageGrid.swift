// Small images (letters, digits, filters, feature maps) tiled in a grid, scaled up with crisp
// nearest-neighbour pixels, each with a caption, on one shared colour scale with a legend.

public struct Tile: Sendable {
    public var width: Int
    public var height: Int
    /// Row-major values, height × width.
    public var values: [Double]
    public var caption: String
    /// Pixels drawn hatched instead of in their colour (weights that never received a gradient).
    public var hatched: [Bool]? = nil
    public init(width: Int, height: Int, values: [Double], caption: String = "") {
        precondition(values.count == width * height, "a \(width)×\(height) tile needs \(width * height) values")
        self.width = width; self.height = height; self.values = values; self.caption = caption
    }

    /// An empty cell: nothing drawn, so a row of the grid can end early (rows of unequal length).
    public static let blank = Tile(width: 0, height: 0, values: [])
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
    /// Labels left of each row and above each column (conv2: output filter, input channel).
    public var rowLabels: [String] = []
    public var columnLabels: [String] = []
    public var rowAxisTitle = ""
    public var columnAxisTitle = ""
    /// Room kept for this title too, so pictures that are compared (before, after) come out the same size.
    public var reserveTitle: String? = nil
    /// What a hatched pixel means, written under the colour bar.
    public var hatchCaption: String? = nil

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
    var titleHeight: Int { (title.isEmpty ? 12 : 56) + (columnLabels.isEmpty ? 0 : 24) + (columnAxisTitle.isEmpty ? 0 : 24) }
    var leftMargin: Int {
        rowLabels.isEmpty ? 0 : (rowLabels.map { Font.shared.measure($0, size: 14) }.max() ?? 0) + 14 + (rowAxisTitle.isEmpty ? 0 : 26)
    }
    var captionHeight: Int { tiles.contains { !$0.caption.isEmpty } ? captionSize + 10 : 0 }

    /// Where tile `i`'s top-left pixel lands; each value is a `scale` × `scale` square from there.
    public func tileOrigin(_ i: Int) -> (x: Int, y: Int) {
        let tw = (tiles.map(\.width).max() ?? 1) * scale, th = (tiles.map(\.height).max() ?? 1) * scale
        return (leftMargin + Self.gap + (i % columns) * (tw + Self.gap), titleHeight + (i / columns) * (th + captionHeight + Self.gap))
    }

    public func render(zoom: Int = 1) -> Canvas {
        let th = (tiles.map(\.height).max() ?? 1) * scale, tw = (tiles.map(\.width).max() ?? 1) * scale
        let gap = Self.gap, captionH = captionHeight
        let rows = (tiles.count + columns - 1) / columns
        let titleH = titleHeight
        let hatchLegend = showColorBar && hatchCaption != nil && tiles.contains(where: { $0.hatched?.contains(true) == true })
        let legendW = showColorBar ? (hatchLegend ? 150 : 110) : 0
        let titleW = ([title] + (reserveTitle.map { [$0] } ?? [])).filter { !$0.isEmpty }.map { Font.shared.measure($0, size: 22) + 40 }.max() ?? 0
        // The colour bar stands just right of the tiles, whatever the title's width: a title wider than
        // the tiles widens the picture, it does not push the bar away and leave a hole.
        let gridRight = leftMargin + gap + columns * (tw + gap)
        let width = max(gridRight + legendW, showColorBar ? 320 : 1, titleW)
        let gridHeight = titleH + rows * (th + captionH + gap) + gap
        let barH = max(100, min(gridHeight - titleH - 50, 300))
        var height = gridHeight
        if hatchLegend {
            // Room under the colour bar for the hatch legend and its lines.
            height = max(height, titleH + 20 + barH + 30 + 40 + 18 * (hatchCaption?.split(separator: "\n").count ?? 0))
        }
        var c = Canvas(width: width, height: height, zoom: zoom)
        if !title.isEmpty { c.text(title, x: max(gridRight, titleW) / 2, y: 36, size: 22, anchor: .center) }
        let r = resolvedRange
        let span = r.upperBound - r.lowerBound
        for (i, t) in tiles.enumerated() where t.width > 0 && t.height > 0 {
            let (ox, oy) = tileOrigin(i)
            for y in 0..<t.height {
                for x in 0..<t.width {
                    if t.hatched?[y * t.width + x] == true {
                        // Grey with diagonal strokes: not a weight value, a weight that never moved.
                        c.fill(x: ox + x * scale, y: oy + y * scale, width: scale, height: scale, RGBA(200, 200, 200, 255))
                        for d in 0..<scale {  // a "/" stroke in every cell: diagonal hatching across the area
                            c.fill(x: ox + x * scale + d, y: oy + y * scale + (scale - 1 - d), width: 1, height: 1, RGBA(110, 110, 110, 255))
                        }
                        continue
                    }
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
        let labelSize = 14
        for (k, l) in columnLabels.prefix(columns).enumerated() {
            let (ox, oy) = tileOrigin(k)
            c.text(l, x: ox + tw / 2, y: oy - 8, size: labelSize, anchor: .center)
        }
        for (row, l) in rowLabels.enumerated() where row * columns < tiles.count {
            let (ox, oy) = tileOrigin(row * columns)
            c.text(l, x: ox - 8, y: oy + th / 2 + labelSize / 3, size: labelSize, anchor: .right)
        }
        if !columnAxisTitle.isEmpty {
            let (x0, _) = tileOrigin(0), (x1, _) = tileOrigin(min(columns, tiles.count) - 1)
            c.text(columnAxisTitle, x: (x0 + x1 + tw) / 2, y: titleH - 34, size: 16, anchor: .center)
        }
        if !rowAxisTitle.isEmpty { c.verticalText(rowAxisTitle, x: 18, y: titleH + (height - titleH) / 2, size: 16) }
        if showColorBar {
            c.colorBar(colormap, lo: r.lowerBound, hi: r.upperBound, x: gridRight + 20, y: titleH + 20,
                       height: barH, caption: legendCaption)
            if hatchLegend, let hatchCaption {
                let y = titleH + 20 + barH + 30
                c.fill(x: gridRight + 20, y: y, width: 18, height: 18, RGBA(200, 200, 200, 255))
                for d in 0..<18 where d % 6 < 6 { c.fill(x: gridRight + 20 + d, y: y + 17 - d, width: 1, height: 1, RGBA(110, 110, 110, 255)) }
                for (k, line) in hatchCaption.split(separator: "\n").enumerated() {
                    c.text(String(line), x: gridRight + 20, y: y + 36 + 18 * k, size: 14, color: .ink)
                }
            }
        }
        return c
    }
}
