// Reading a picture back: whether a pixel is the colour a value has on a colour scale, and checks
// that a decoded PNG shows given tiles, cells or curve points. The picture tests use these with
// values they compute on their own (from the data, a weights file or run.json).
import Foundation
import Testing
import Rendering

/// Whether `pixel` is the colour the scale gives position t, within one colour step: each channel at
/// most 2 levels off, which allows for values that sit on a rounding edge of a channel.
func drawn(_ pixel: RGBA, as t: Double, on map: Colormap) -> Bool {
    let c = map.color(t)
    return abs(Int(c.r) - Int(pixel.r)) <= 2 && abs(Int(c.g) - Int(pixel.g)) <= 2 && abs(Int(c.b) - Int(pixel.b)) <= 2
}

/// Checks that every value of every tile is drawn in the colour the grid's scale gives it (within
/// one colour step), reading the centre of each value's square. Returns how many values were wrong.
@discardableResult
func expectTiles(_ picture: Canvas, _ grid: ImageGrid, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) -> Int {
    let r = grid.resolvedRange, span = r.upperBound - r.lowerBound
    var wrong = 0, first = ""
    for (i, tile) in grid.tiles.enumerated() {
        let (ox, oy) = grid.tileOrigin(i)
        for y in 0..<tile.height {
            for x in 0..<tile.width {
                let px = ox + x * grid.scale + grid.scale / 2, py = oy + y * grid.scale + grid.scale / 2
                guard px < picture.width, py < picture.height else { wrong += 1; continue }
                if tile.hatched?[y * tile.width + x] == true {
                    // A weight that never received a gradient: grey, whatever its value.
                    let p = picture.pixel(ox + x * grid.scale, oy + y * grid.scale + grid.scale / 2)
                    if !(p.r == p.g && p.g == p.b && p.r >= 110 && p.r <= 210) { if wrong == 0 { first = "tile \(i) hatched (\(y), \(x)) drawn as \(p)" }; wrong += 1 }
                    continue
                }
                let v = tile.values[y * tile.width + x]
                let t = min(1, max(0, (v - r.lowerBound) / span))
                guard drawn(picture.pixel(px, py), as: t, on: grid.colormap) else {
                    if wrong == 0 { first = "tile \(i) (\(tile.caption)) value (\(y), \(x)) = \(v) drawn as \(picture.pixel(px, py))" }
                    wrong += 1
                    continue
                }
            }
        }
    }
    #expect(wrong == 0, "\(what): \(wrong) values not drawn in their colour; first: \(first)", sourceLocation: sourceLocation)
    #expect(picture.width >= grid.tileOrigin(grid.tiles.count - 1).x, "\(what): narrower than its grid", sourceLocation: sourceLocation)
    return wrong
}

/// Checks each heatmap cell's colour (read near its top-left corner, clear of the count written in
/// the middle) against the value the cell should hold.
func expectCells(_ picture: Canvas, _ map: Heatmap, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let r = map.resolvedRange, span = r.upperBound - r.lowerBound
    var wrong = [String]()
    for (row, values) in map.values.enumerated() {
        for (column, v) in values.enumerated() {
            let (x, y) = map.cellOrigin(row: row, column: column)
            if map.hatchedRows.contains(row) {
                let p = picture.pixel(x + map.cellSize / 2, y + 3)  // grey, clear of the diagonal stroke
                if !(p.r == p.g && p.g == p.b && p.r >= 110 && p.r <= 210) { wrong.append("(\(row), \(column)) hatched drawn as \(p)") }
                continue
            }
            let t = map.position(v)
            _ = span
            if drawn(picture.pixel(x + 3, y + 3), as: t, on: map.colormap) { continue }
            wrong.append("(\(row), \(column)) = \(v)")
        }
    }
    #expect(wrong.isEmpty, "\(what): cells not in their colour: \(wrong.prefix(5))", sourceLocation: sourceLocation)
}

/// Checks that series `k` of `plot` passes through each of its data points: a pixel of the series
/// colour within 2 pixels of where the point falls.
func expectCurve(_ picture: Canvas, _ plot: LinePlot, series k: Int, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let frame = plot.frame, color = RGBA.series[k % RGBA.series.count]
    var missing = [String]()
    for (x, y) in zip(plot.series[k].x, plot.series[k].y) {
        let p = frame.point(x, y)
        let cx = Int(p.x.rounded()), cy = Int(p.y.rounded())
        var found = false
        for dy in -2...2 { for dx in -2...2 {
            let c = picture.pixel(min(max(cx + dx, 0), picture.width - 1), min(max(cy + dy, 0), picture.height - 1))
            if abs(Int(c.r) - Int(color.r)) + abs(Int(c.g) - Int(color.g)) + abs(Int(c.b) - Int(color.b)) < 40 { found = true }
        } }
        if !found { missing.append("(\(x), \(y))") }
    }
    #expect(missing.isEmpty, "\(what): no curve at \(missing.count) of \(plot.series[k].x.count) points, e.g. \(missing.prefix(3))",
            sourceLocation: sourceLocation)
}

/// The per-epoch (or per-logged-iteration) figures of a run folder's run.json.
func runFigures(_ folder: URL) throws -> [[String: Double]] {
    try RunRecordFile.read(folder.appendingPathComponent("run.json")).summary.epochs
}

/// A minimal reader of run.json for the tests (the program's own RunRecord decoding is internal).
enum RunRecordFile {
    struct Record: Decodable {
        let summary: Summary; let settings: [String: String]
        let status: String?; let files: [String]; let inputs: [String]?
    }
    struct Summary: Decodable { let epochs: [[String: Double]]; let final: [String: Double]; let batches: [[String: Double]]?; let misread: [[String: Double]]? }
    static func read(_ url: URL) throws -> Record { try JSONDecoder().decode(Record.self, from: Data(contentsOf: url)) }
}

/// Tiles for a grid whose only use is its layout and colour scale.
func tiles(_ values: [[Double]], width: Int, height: Int, caption: (Int) -> String = { _ in "" }) -> [Tile] {
    values.enumerated().map { Tile(width: width, height: height, values: $0.element, caption: caption($0.offset)) }
}
