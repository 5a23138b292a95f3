// Which words an engine says and which values it hands each one: a lesson file that rewords them is
// checked against this when it is read, so a misspelt key or a placeholder naming no value ({los},
// {}, {loss!r}, {loss[0]}) is one line naming the file and line, not text printed as written or a
// word silently never used. The shipped lessons' words are the catalog (WordsCatalog+Shipped.swift,
// generated from them and kept equal to them by WordsCatalogTests); the runner's own are Words.runner.
import Foundation

public enum WordsCatalog {
    /// The keys `engine` says, each with the names of the values it hands over.
    public static func names(engine: String) -> [String: Set<String>] {
        (shipped[engine] ?? [:]).merging(runnerNames) { $0.union($1) }
    }

    /// The runner's own words (any engine says them), with their values.
    static let runnerNames: [String: Set<String>] = Words.runner.mapValues { Set(Words.placeholders($0).map(\.name)) }

    /// Refuses a word the engine never says, and a placeholder naming a value the engine does not hand
    /// that word.
    public static func check(_ words: Words, engine: String, path: String) throws {
        let known = names(engine: engine)
        let lineOf = { (key: String) in words.lines[key] ?? 1 }
        for key in words.texts.keys.sorted(by: { (lineOf($0), $0) < (lineOf($1), $1) }) {
            let line = lineOf(key)
            guard let allowed = known[key] else {
                let near = closest(to: key, among: Array(known.keys)).map { "; did you mean \"\($0)\"?" } ?? "."
                throw LessonError.at(path, line: line, "the word \"\(key)\" is not one this lesson's engine (\(engine)) says, so it would never be shown\(near) The shipped lesson's ```words blocks list every key.")
            }
            for (name, _) in Words.placeholders(words.texts[key]!) where !allowed.contains(name) {
                let offer = allowed.isEmpty ? "this word takes no values"
                    : "its values are " + allowed.sorted().map { "{\($0)}" }.joined(separator: ", ")
                throw LessonError.at(path, line: line, "the word \"\(key)\": {\(name)} names no value (\(offer); write {{ and }} for braces themselves).")
            }
        }
    }

    /// The known key nearest to `key` by edit distance, if it is near enough to be a slip.
    static func closest(to key: String, among keys: [String]) -> String? {
        let a = Array(key)
        var best: (String, Int)?
        for k in keys {
            let b = Array(k)
            guard abs(a.count - b.count) <= 3 else { continue }
            var row = Array(0...b.count)
            for i in stride(from: 1, through: a.count, by: 1) {
                var previous = row[0]; row[0] = i
                for j in stride(from: 1, through: b.count, by: 1) {
                    let current = row[j]
                    row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                    previous = current
                }
            }
            if row[b.count] <= 3, row[b.count] < (best?.1 ?? .max) || (row[b.count] == best?.1 && k < best!.0) { best = (k, row[b.count]) }
        }
        return best?.0
    }
}
