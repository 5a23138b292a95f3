// Line charts with axes, ticks, grid, labels and a legend: loss, accuracy and cost curves.

public struct Series: Sendable {
    public var name: String
    public var x: [Double]
    public var y: [Double]
    /// Pixels; a thin line (per-batch loss) sits under the thick per-epoch one.
    public var lineWidth = 3.0
    /// Dots on the data points: nil draws them when there are at most 40.
    public var dots: Bool? = nil
    public init(name: String, x: [Double], y: [Double]) {
        precondition(x.count == y.count, "a series needs as many x as y values")
        self.name = name; self.x = x; self.y = y
    }
    /// Values at x = 1, 2, 3, ... (epochs).
    public init(name: String, y: [Double], firstX: Double = 1, step: Double = 1) {
        self.init(name: name, x: y.indices.map { firstX + Double($0) * step }, y: y)
    }
}

public struct LinePlot: Sendable {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    public var width = 960
    public var height = 600
    /// Fixed y range; nil fits the data.
    public var yRange: ClosedRange<Double>?
    /// The x axis's span, when the data should not set it (epochs from 0).
    public var xRange: ClosedRange<Double>?
    /// x is a count (epochs, iterations): ticks only at whole numbers.
    public var wholeXTicks = false

    public init(title: String, xLabel: String, yLabel: String, series: [Series], yRange: ClosedRange<Double>? = nil) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.series = series; self.yRange = yRange
    }

    /// The plotting area and the data ranges its edges stand for.
    public struct Frame: Sendable {
        public let left: Int, top: Int, width: Int, height: Int
        public let x: ClosedRange<Double>, y: ClosedRange<Double>
        public let xTicks: [Double], yTicks: [Double]
        /// The pixel position of a data point.
        public func point(_ x: Double, _ y: Double) -> (x: Double, y: Double) {
            (Double(left) + (x - self.x.lowerBound) / (self.x.upperBound - self.x.lowerBound) * Double(width),
             Double(top) + (1 - (y - self.y.lowerBound) / (self.y.upperBound - self.y.lowerBound)) * Double(height))
        }
    }

    public var frame: Frame {
        let left = 100, right = 40, top = 70, bottom = 80
        let xs = series.flatMap(\.x).filter(\.isFinite), ys = series.flatMap(\.y).filter(\.isFinite)
        var x0 = xRange?.lowerBound ?? xs.min() ?? 0, x1 = xRange?.upperBound ?? xs.max() ?? 1
        if x1 <= x0 { x1 = x0 + 1 }
        var y0 = yRange?.lowerBound ?? (ys.min() ?? 0), y1 = yRange?.upperBound ?? (ys.max() ?? 1)
        if y1 <= y0 { y0 -= 0.5; y1 += 0.5 }
        if yRange == nil { let pad = (y1 - y0) * 0.05; y0 -= pad; y1 += pad }
        var xTicks = Ticks.nice(x0, x1, target: 8)
        if wholeXTicks {
            xTicks = xTicks.filter { $0 == $0.rounded() }
            if xTicks.count < 2 {
                x0 = min(x0, x0.rounded(.down)); x1 = max(x1, x1.rounded(.up))
                xTicks = Ticks.nice(x0, x1, target: 8).filter { $0 == $0.rounded() }
                if xTicks.count < 2 { xTicks = [x0, x1] }
            }
        }
        let yTicks = Ticks.nice(y0, y1, target: 7)
        if let first = xTicks.first, first > x0, x0 >= 0, first - x0 < (x1 - x0) * 0.2 { x0 = min(x0, first) }
        return Frame(left: left, top: top, width: width - left - right, height: height - top - bottom,
                     x: x0...x1, y: y0...y1, xTicks: xTicks, yTicks: yTicks)
    }

    public func render(zoom: Int = 1) -> Canvas {
        var c = Canvas(width: width, height: height, zoom: zoom)
        let f = frame
        let left = f.left, top = f.top, pw = f.width, ph = f.height
        let y0 = f.y.lowerBound, y1 = f.y.upperBound
        let xTicks = f.xTicks, yTicks = f.yTicks
        func px(_ v: Double) -> Double { f.point(v, y0).x }
        func py(_ v: Double) -> Double { f.point(f.x.lowerBound, v).y }

        c.text(title, x: width / 2, y: 42, size: 26, anchor: .center)
        for (v, label) in zip(yTicks, Ticks.labels(yTicks)) {
            let y = Int(py(v).rounded())
            c.fill(x: left, y: y, width: pw, height: 1, .grid)
            c.fill(x: left - 6, y: y, width: 6, height: 1, .axis)
            c.text(label, x: left - 10, y: y + 6, size: 16, color: .ink, anchor: .right)
        }
        for (v, label) in zip(xTicks, Ticks.labels(xTicks)) {
            let x = Int(px(v).rounded())
            c.fill(x: x, y: top, width: 1, height: ph, .grid)
            c.fill(x: x, y: top + ph, width: 1, height: 6, .axis)
            c.text(label, x: x, y: top + ph + 26, size: 16, color: .ink, anchor: .center)
        }
        c.fill(x: left, y: top, width: 1, height: ph + 1, .axis)
        c.fill(x: left, y: top + ph, width: pw + 1, height: 1, .axis)
        c.text(xLabel, x: left + pw / 2, y: height - 22, size: 19, anchor: .center)
        c.verticalText(yLabel, x: 30, y: top + ph / 2, size: 19)

        for (k, s) in series.enumerated() {
            let color = RGBA.series[k % RGBA.series.count]
            let pts = zip(s.x, s.y).filter { $0.1.isFinite }.map { (px($0.0), py(min(max($0.1, y0), y1))) }
            for i in 1..<max(1, pts.count) { c.line(from: pts[i - 1], to: pts[i], width: s.lineWidth, color) }
            if s.dots ?? (pts.count <= 40) { for p in pts { c.disc(center: p, radius: 4.5, color) } }
        }
        // The legend names the series that have a point to show (a run stopped in its first epoch has
        // no per-epoch point yet), each in its own colour.
        let listed = series.enumerated().filter { _, s in zip(s.x, s.y).contains { $0.1.isFinite } }
        if listed.count > 1 || !(listed.first?.element.name.isEmpty ?? true) {
            let font = Font.shared
            let boxW = (listed.map { font.measure($0.element.name, size: 17) }.max() ?? 0) + 60
            let boxH = 14 + 28 * listed.count
            // The corner with the fewest data points under the legend box.
            let corners = [(left + pw - boxW - 14, top + 14), (left + pw - boxW - 14, top + ph - boxH - 14),
                           (left + 14, top + 14), (left + 14, top + ph - boxH - 14)]
            let allPoints = series.flatMap { s in zip(s.x, s.y).filter { $0.1.isFinite }.map { (px($0.0), py($0.1)) } }
            let (bx, by) = corners.min { a, b in
                func hits(_ c: (Int, Int)) -> Int {
                    allPoints.filter { $0.0 >= Double(c.0 - 8) && $0.0 <= Double(c.0 + boxW + 8) && $0.1 >= Double(c.1 - 8) && $0.1 <= Double(c.1 + boxH + 8) }.count
                }
                return hits(a) < hits(b)
            }!
            c.fill(x: bx, y: by, width: boxW, height: boxH, RGBA(255, 255, 255, 235))
            c.stroke(x: bx, y: by, width: boxW, height: boxH, .grid)
            for (row, (k, s)) in listed.enumerated() {
                let yy = by + 22 + 28 * row
                c.line(from: (Double(bx + 12), Double(yy - 6)), to: (Double(bx + 40), Double(yy - 6)), width: 3, RGBA.series[k % RGBA.series.count])
                c.text(s.name, x: bx + 48, y: yy, size: 17)
            }
        }
        return c
    }
}
