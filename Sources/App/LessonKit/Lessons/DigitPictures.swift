// Pictures the two digit lessons (1 and 3) draw alike, so they read the same side by side.
import Rendering

enum DigitPictures {
    /// A digit classifier's confusion matrix: counts in blues on a log scale (the small off-diagonal
    /// counts stay visible beside the diagonal), each cell annotated; rows the true digit, columns the
    /// predicted one; the texts from the lesson's words.
    static func confusion(_ counts: [[Double]], title: String, rows: String, columns: String, legend: String, cellSize: Int) -> Heatmap {
        var map = Heatmap(title: title, values: counts)
        map.colormap = .blues; map.centredOnZero = false; map.annotate = true; map.cellSize = cellSize; map.logScale = true
        map.rowLabels = (0..<counts.count).map(String.init); map.columnLabels = (0..<(counts.first?.count ?? 0)).map(String.init)
        map.rowAxisTitle = rows; map.columnAxisTitle = columns; map.legendCaption = legend
        return map
    }
}
