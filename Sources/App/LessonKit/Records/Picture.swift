// A picture a step draws: the file it goes to, what it shows (the caption the terminal, the handout and
// the notebook give it), and how it is drawn, with every text inside it (title, tile captions, axes,
// series, legends) named by a word key of the lesson file. The engine builds it; the PNG renderer
// (`LessonContext.draw`) resolves the words, draws, writes the file, and hands the bytes to the stream.
import Rendering

public struct Picture {
    public let file: String
    public let shows: Phrase?
    /// Draws the picture, its texts through `text`.
    public let draw: (PictureText) -> Canvas

    public init(_ file: String, shows: String, _ values: [String: Value] = [:], draw: @escaping (PictureText) -> Canvas) {
        self.file = file; self.shows = Phrase(shows, values); self.draw = draw
    }
}

/// The lesson's words for the texts inside a picture: `text("pictures.cost-title", ["epochs": .int(3)])`.
public struct PictureText {
    let words: Words
    public func callAsFunction(_ key: String, _ values: [String: Value] = [:]) -> String { words.render(Phrase(key, values)) }
}
