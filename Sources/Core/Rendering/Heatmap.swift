// Matrices as coloured cells with a colour-bar legend: weight matrices (diverging, centred on zero)
// and confusion matrices (counts written in the cells, rows = true label, columns = prediction).
import Foundation

public struct Heatmap: Sendable {
    public var title: String
    public var values: [[Double]]
    public var colormap: Colormap = .diverging
    /// Symmetric around zero (weights) or from the minimum (counts).
    public var centredOnZero = true
    public var rowLabels: [String] = []
    public var columnLabels: [String] = []
    public var rowAxisTitle = ""
    public var columnAxisTitle = ""
    /// Write each value in its cell (integers for counts).
    public var annotate = false
    public var cellSize = 40
    public var legendCaption: String? = nil
    /// Colour by log(1 + count) (counts from 0): a confusion matrix's few mistakes are not left white
    /// beside a diagonal of a thousand.
    public var logScale = false
    /// Rows drawn hatched grey instead of coloured (weights that never received a gradient), left out of
    /// the colour scale, with `hatchCaption` under the legend.
    public var hatchedRows: Set<Int> = []
    public var hatchCaption: String? = nil

    public init(title: String, values: [[Double]]) {
        precondition(!values.isEmpty && !values[0].isEmpty, "a heatmap needs at least one cell")
        self.title = title; self.values = values
    }

    var left: Int { 70 + (rowAxisTitle.isEmpty ? 0 : 30) }
    var top: Int { 80 + (columnAxisTitle.isEmpty ? 0 : 10) }

    /// Where cell (row, column)'s top-left pixel lands; the cell is `cellSize` pixels square.
    public func cellOrigin(row: Int, column: Int) -> (x: Int, y: Int) { (left + column * cellSize, top + row * cellSize) }

    /// The values at the two ends of the colour scale.
    public var resolvedRange: ClosedRange<Double> {
        let flat = values.enumerated().filter { !hatchedRows.contains($0.offset) }.flatMap { $0.element }.filter(\.isFinite)
        if centredOnZero {
            let m = max(flat.map { abs($0) }.max() ?? 1, 1e-12)
            return -m...m
        }
        let lo = flat.min() ?? 0
        return lo...max(flat.max() ?? 1, lo + 1e-12)
    }

    /// Where a value falls on the colour scale, 0...1.
    public func position(_ v: Double) -> Double {
        let r = resolvedRange
        if logScale { return log1p(max(0, v - r.lowerBound)) / log1p(max(1e-12, r.upperBound - r.lowerBound)) }
        return (v - r.lowerBound) / (r.upperBound - r.lowerBound)
    }

    public func render(zoom: Int = 1) -> Canvas {
        let rows = values.count, cols = values[0].count
        let cell = cellSize
        let left = self.left, top = self.top
        let gridW = cols * cell, gridH = rows * cell
        let width = max(left + gridW + (hatchCaption != nil && !hatchedRows.isEmpty ? 170 : 150), Font.shared.measure(title, size: 24) + 40), height = top + gridH + (columnAxisTitle.isEmpty ? 30 : 70)
        var c = Canvas(width: width, height: height, zoom: zoom)
        let lo = resolvedRange.lowerBound, hi = resolvedRange.upperBound
        c.text(title, x: width / 2, y: 36, size: 24, anchor: .center)
        for r in 0..<rows {
            for k in 0..<cols {
                let v = values[r][k]
                if hatchedRows.contains(r) {
                    c.fill(x: left + k * cell, y: top + r * cell, width: cell, height: cell, RGBA(200, 200, 200, 255))
                    for d in 0..<cell where d % 6 < 6 { c.fill(x: left + k * cell + d, y: top + r * cell + cell - 1 - d, width: 1, height: 1, RGBA(110, 110, 110, 255)) }
                    continue
                }
                let color = colormap.color(position(v))
                c.fill(x: left + k * cell, y: top + r * cell, width: cell, height: cell, color)
                // A number too small to read from the back of a room (under 14 px) is left out: the colour says it.
                let label = v == v.rounded() ? String(Int(v)) : String(format: "%.2f", v)
                let size = min(cell / 2 - 2, cell * 2 / max(3, label.count * 2 - 1) + 4)
                if annotate && size >= 14 {
                    let luminance = 0.299 * Double(color.r) + 0.587 * Double(color.g) + 0.114 * Double(color.b)
                    c.text(label, x: left + k * cell + cell / 2, y: top + r * cell + cell / 2 + size / 3,
                           size: size, color: luminance < 140 ? .white : .ink, anchor: .center)
                }
            }
        }
        c.stroke(x: left - 1, y: top - 1, width: gridW + 2, height: gridH + 2, .axis)
        let labelSize = max(14, min(16, cell / 2))  // 14 px at least, read from the back of a room
        for (r, l) in rowLabels.prefix(rows).enumerated() {
            c.text(l, x: left - 8, y: top + r * cell + cell / 2 + labelSize / 3, size: labelSize, anchor: .right)
        }
        for (k, l) in columnLabels.prefix(cols).enumerated() {
            c.text(l, x: left + k * cell + cell / 2, y: top - 8, size: labelSize, anchor: .center)
        }
        if !columnAxisTitle.isEmpty { c.text(columnAxisTitle, x: left + gridW / 2, y: top + gridH + 40, size: 18, anchor: .center) }
        if !rowAxisTitle.isEmpty { c.verticalText(rowAxisTitle, x: 22, y: top + gridH / 2, size: 18) }
        if logScale {
            // Ticks at 0, 1, 10, 100, ... where log(1 + v) puts them.
            let marks = [0.0] + (0..<7).map { pow(10, Double($0)) }.filter { $0 <= hi }
            c.colorBar(colormap, lo: lo, hi: hi, x: left + gridW + 30, y: top, height: max(gridH, 120),
                       caption: legendCaption.map { $0 + " (log)" }, marks: marks.map { ($0, position($0)) })
        } else {
            c.colorBar(colormap, lo: lo, hi: hi, x: left + gridW + 30, y: top, height: max(min(gridH, 300), 120), caption: legendCaption)
        }
        if let hatchCaption, !hatchedRows.isEmpty {
            let y = top + max(min(gridH, 300), 120) + 30
            c.fill(x: left + gridW + 30, y: y, width: 18, height: 18, RGBA(200, 200, 200, 255))
            for d in 0..<18 { c.fill(x: left + gridW + 30 + d, y: y + 17 - d, width: 1, height: 1, RGBA(110, 110, 110, 255)) }
            for (k, line) in hatchCaption.split(separator: "\n").enumerated() {
                c.text(String(line), x: left + gridW + 30, y: y + 36 + 18 * k, size: 14, color: .ink)
            }
        }
        return c
    }
}
