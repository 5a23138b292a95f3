// A picture a step draws, as a record: what kind of picture it is, the file it goes to, what it shows
// (the caption the terminal, the handout and the notebook give it, with the network state among its
// values), and its content as data: tiles, curves or a table of cells, with every text inside it
// (title, tile captions, axes, series, legends) taken from the lesson's words. The engine builds it;
// the PNG renderer draws it, writes the file and puts the bytes on the stream beside it.
import Foundation
import Rendering

public struct Picture: Sendable {
    /// What the picture is of, for a view that treats kinds differently (a live view redraws curves).
    public enum Kind: String, Sendable {
        /// One image's activations or errors, channel by channel.
        case maps
        /// A conv layer's filter bank.
        case filters
        /// Figures over epochs or iterations.
        case curves
        /// True class against predicted class.
        case confusion
        /// Inputs with their labels or predictions.
        case gallery
        /// A dense layer's weights, one unit per tile or row.
        case weights
        /// An input beside its error ∂J/∂x.
        case inputGradient = "input-gradient"
    }
    public let kind: Kind
    public let file: String
    public let shows: Phrase
    public let content: PictureContent

    /// The network state the picture shows, when it names one (initial weights, after 3 epochs).
    public var state: Value? { shows.values["state"] }
}

/// What a picture draws, as data (Rendering's descriptions: values, scales and texts).
public indirect enum PictureContent: Sendable {
    /// Tiles of values on one colour scale: a tensor's channels, a filter bank, a gallery of digits.
    case grid(ImageGrid)
    /// Curves over epochs or iterations.
    case curves(LinePlot)
    /// A matrix as coloured, perhaps annotated, cells: a confusion matrix, a weight table.
    case table(Heatmap)
    /// Pictures side by side, each on its own scale (an input beside its gradient).
    case beside([PictureContent])

    /// The pixels; `zoom` 2 or 3 (projector mode) the same picture at two or three times the pixels.
    public func render(zoom: Int = 1) -> Canvas {
        switch self {
        case .grid(let g): return g.render(zoom: zoom)
        case .curves(let p): return p.render(zoom: zoom)
        case .table(let h): return h.render(zoom: zoom)
        case .beside(let parts): return Canvas.side(by: parts.map { $0.render(zoom: zoom) })
        }
    }
}

/// The lesson's words for the texts inside a picture: `text("pictures.cost-title", ["epochs": .int(3)])`.
public struct PictureText {
    let words: Words
    public func callAsFunction(_ key: String, _ values: [String: Value] = [:]) -> String { words.render(Phrase(key, values)) }
}
