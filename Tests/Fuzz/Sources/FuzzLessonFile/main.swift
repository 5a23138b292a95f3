// libFuzzer target: the lesson-file reader, from bytes through UTF-8 validation, the Markdown
// structure and settings to the engine's own checks (a CNN's layer stack and its shapes), and the
// ```words blocks: every text parsed, checked and filled with values of every kind; the ```quiz
// blocks with their engine's checks, and a --quiz answer's parser.
import FuzzSupport
import LessonKit

let sample: [String: Value] = ["n": .int(-1234567), "x": .number(-0.000123456789), "big": .number(1e300), "nan": .number(.nan),
                               "s": .text("{x}"), "shape": .shape([26, 26, 10]), "a": .array(ArrayValue(shape: [2, 2], values: [1, 2, 3, 4]))]

runFuzzer { data, size in
    guard let text = String(validating: bytes(data, size), as: UTF8.self) else { return 0 }
    // What a student types at a --quiz prompt goes through the same parser.
    if size <= 64, let v = QuizAnswer.parse(text) { precondition(v.isFinite) }
    if let file = try? LessonFile.parse(text, path: "fuzz.md") {
        _ = try? LessonRunner.prepare(file)
        if let words = try? Words(file: file) {
            // Checked against the catalog as a run checks it, for each engine.
            for engine in ["cnn", "letters", "mnist-dense", file.settings.first { $0.key == "engine" }?.value ?? ""] {
                _ = try? WordsCatalog.check(words, engine: engine, path: "fuzz.md")
            }
            for key in words.texts.keys {
                // Each placeholder name filled with each kind of value the engines hand over.
                for (_, v) in sample { _ = words.render(Phrase(key, Dictionary(Words.placeholders(words.texts[key]!).map { ($0.name, v) }, uniquingKeysWith: { a, _ in a }))) }
                _ = words.render(Phrase(key, sample))
            }
        }
    }
    return 0
}
