// An input (a digit, a letter) beside its error ∂J/∂x, as every lesson's "error at the pixels" shows
// it: terminal maps on two scales (the input's, and one symmetric about 0 for the signed gradient)
// and a PNG of the two pictures side by side, each with its own colour bar.
import Rendering

struct InputBesideGradient {
    let input: [Double]
    let gradient: [Double]
    let width: Int, height: Int
    /// How the input is drawn (grey digits, ink-on-paper letters).
    let inputColormap: Colormap

    /// The gradient's scale: ± its largest magnitude.
    var bound: Double { max(1e-300, gradient.map(abs).max() ?? 1) }

    func terminalMaps(captions: [Value]) -> TerminalMaps {
        var maps = TerminalMaps([input, gradient], width: width, height: height, captions: captions)
        maps.scales = [.init(lo: 0, hi: 1, colormap: inputColormap), .init(lo: -bound, hi: bound, colormap: .diverging, signed: true)]
        return maps
    }

    /// The PNG: each side's title, tile caption and colour-bar legend (the input's nil: binary letters
    /// need no colour bar).
    typealias Labels = (title: String, caption: String, legend: String?)
    func picture(input: Labels, gradient labels: Labels, scale: Int) -> PictureContent {
        var left = ImageGrid(title: input.title, tiles: [Tile(width: width, height: height, values: self.input, caption: input.caption)],
                             columns: 1, scale: scale, colormap: inputColormap, range: 0...1)
        left.showColorBar = input.legend != nil; left.legendCaption = input.legend
        var right = ImageGrid(title: labels.title, tiles: [Tile(width: width, height: height, values: gradient, caption: labels.caption)],
                              columns: 1, scale: scale, colormap: .diverging, range: -bound...bound)
        right.showColorBar = true; right.legendCaption = labels.legend
        return .beside([.grid(left), .grid(right)])
    }
}
