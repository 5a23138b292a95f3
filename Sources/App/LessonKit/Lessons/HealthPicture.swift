// health.png, for every lesson that trains: each layer's update size (log10 of update/weight, beside
// the 1e-3 guide) and the share of its units dead (ReLU) or saturated (sigmoid), step by step, from the
// figures HealthLog kept (or a run.json restored them).
import Foundation
import Rendering

enum HealthPicture {
    /// `steps`: each measured step's place on the x axis (epochs, iterations) and its figures
    /// (`LAYER.update_ratio`, `LAYER.dead`, `LAYER.saturated`); `xKey` the x axis' words; `shows` and
    /// `values` what the file list says of it.
    static func draw(_ context: LessonContext, steps: [(x: Double, figures: [String: Double])], layers: [String], xRange: ClosedRange<Double>,
                     xKey: String, wholeXTicks: Bool, shows: String, _ values: [String: Value]) throws {
        guard !steps.isEmpty else { return }
        // The second panel: dead units where a layer has a ReLU, else saturated ones.
        let units = steps.contains { f in layers.contains { f.figures["\($0).dead"] != nil } } ? "dead" : "saturated"
        try context.draw("health.png", .curves, shows: shows, values) { text in
            func perLayer(_ k: Int, _ figure: String, _ y: (Double) -> Double) -> (x: [Double], y: [Double]) {
                let points = steps.compactMap { b in b.figures["\(layers[k]).\(figure)"].map { (b.x, y($0)) } }
                return (points.map(\.0), points.map(\.1))
            }
            // A step that did not move a layer's weights at all (ratio 0) has no logarithm: left out.
            var ratioSeries = layers.indices.map { k -> Series in
                let p = perLayer(k, "update_ratio") { $0 > 0 ? log10($0) : .nan }
                let kept = p.y.indices.filter { p.y[$0].isFinite }
                var s = Series(name: layers[k], x: kept.map { p.x[$0] }, y: kept.map { p.y[$0] }); s.lineWidth = 1.5; s.dots = false
                return s
            }
            var guide = Series(name: text("pictures.health-guide"), x: [xRange.lowerBound, xRange.upperBound], y: [-3, -3]); guide.lineWidth = 1; guide.dots = false
            ratioSeries.append(guide)
            let logs = ratioSeries.flatMap(\.y).filter(\.isFinite)
            var ratio = LinePlot(title: text("pictures.health-ratio-title"), xLabel: text(xKey), yLabel: text("pictures.health-ratio-y"),
                                 series: ratioSeries, yRange: (min(-6, (logs.min() ?? -6).rounded(.down)))...(max(0, (logs.max() ?? 0).rounded(.up))))
            ratio.xRange = xRange; ratio.wholeXTicks = wholeXTicks; ratio.width = 720; ratio.height = 540
            let unitSeries = layers.indices.compactMap { k -> Series? in
                let p = perLayer(k, units) { 100 * $0 }
                guard !p.y.isEmpty else { return nil }
                var s = Series(name: layers[k], x: p.x, y: p.y); s.lineWidth = 1.5; s.dots = false
                return s
            }
            // The range fitted to the data, in tens of percent (at least 0-10 %).
            let (title, y) = units == "dead" ? ("pictures.health-dead-title", "pictures.health-dead-y")
                                             : ("pictures.health-saturated-title", "pictures.health-saturated-y")
            var shares = LinePlot(title: text(title), xLabel: text(xKey), yLabel: text(y),
                                  series: unitSeries, yRange: 0...min(100, max(10, ((unitSeries.flatMap(\.y).max() ?? 0) * 1.15 / 10).rounded(.up) * 10)))
            shares.xRange = xRange; shares.wholeXTicks = wholeXTicks; shares.width = 720; shares.height = 540
            return .beside([.curves(ratio), .curves(shares)])
        }
    }
}
