// Issue 36: a teacher's reworded ```words are checked against what the engine says and hands over.
// The catalog is the shipped lessons' words; a test keeps the two equal.
import Foundation
import Testing
@testable import LessonKit
import TestSupport

@Suite struct WordsCatalogTests {
    /// The catalog's table as the shipped lessons give it: engine, key, placeholder names, tab-separated.
    static func shippedTable() throws -> String {
        var rows = [String]()
        for name in ["01-digits.md", "02-letters.md", "03-cnn.md"] {
            let file = try LessonFile.load(repositoryRoot.appendingPathComponent("Lessons").appendingPathComponent(name))
            let engine = try #require(file.settings.first { $0.key == "engine" }?.value)
            let words = try Words(file: file)
            for key in words.texts.keys.sorted() {
                let names = Set(Words.placeholders(words.texts[key]!).map(\.name)).sorted()
                rows.append(([engine, key] + names).joined(separator: "\t"))
            }
        }
        return rows.sorted().joined(separator: "\n")
    }

    /// When a shipped word gains or loses a key or a value, the catalog must follow: this test writes the
    /// new table beside the build and says where, to paste into WordsCatalog+Shipped.swift.
    @Test func theCatalogIsTheShippedLessonsWords() throws {
        let table = try Self.shippedTable()
        if WordsCatalog.table != table {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("words-catalog-table.txt")
            let source = table.split(separator: "\n").map { "    " + $0.replacingOccurrences(of: "\t", with: "\\t") }.joined(separator: "\n")
            try source.write(to: url, atomically: true, encoding: .utf8)
            Issue.record("the shipped lessons' words changed: paste \(url.path) into WordsCatalog+Shipped.swift's table")
        }
    }
}

@Suite struct RewordedWordsTests {
    /// Lesson 2 with one line of its words replaced, run as a teacher would run an edited copy.
    func run(replacing old: String, with new: String) throws -> (status: Int32, stdout: String, stderr: String, line: Int) {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent("Lessons/02-letters.md"), encoding: .utf8)
        var lines = text.components(separatedBy: "\n")
        let at = try #require(lines.firstIndex(of: old))
        lines[at] = new
        let lesson = dir.appendingPathComponent("letters.md")
        try lines.joined(separator: "\n").write(to: lesson, atomically: true, encoding: .utf8)
        let r = try runLesson(["run", lesson.path, "--quiet", "--out", dir.appendingPathComponent("out").path])
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out").path) || r.status == 0, "nothing written when refused")
        return (r.status, r.stdout, r.stderr, at + 1)
    }

    /// Issue 36, "poor": a placeholder naming no value was printed as written; now the file is refused
    /// with its line, the values the word has, and how to write a brace itself.
    @Test(arguments: ["{los:.6f}", "{nope}", "{}", "{loss!r}", "{loss[0]}"])
    func aPlaceholderNamingNoValueIsRefusedByLine(placeholder: String) throws {
        let old = "train.result: after {epochs} epoch{epochs:s}: loss {loss:.10f}, tutorial acc {acc}, {right} of 3 letters right"
        let r = try run(replacing: old, with: "train.result: after {epochs} epochs: loss \(placeholder), {right} of 3 right")
        #expect(r.status == 1, "\(r.stderr)")
        let name = placeholder.split(separator: ":").first.map { $0.hasSuffix("}") ? String($0) : $0 + "}" } ?? placeholder
        #expect(r.stderr == "lesson: letters.md:\(r.line): the word \"train.result\": \(name) names no value (its values are {acc}, {epochs}, {loss}, {right}; write {{ and }} for braces themselves).\n"
                || r.stderr.contains("letters.md:\(r.line): the word \"train.result\": \(name) names no value (its values are {acc}, {epochs}, {loss}, {right}"), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1)
    }

    /// An unknown key was ignored (a misspelt word never shown); now refused, with the nearest key.
    @Test func anUnknownWordKeyIsRefusedWithTheNearestOne() throws {
        let old = "forward.loss: loss = Σ (a2 - y)² / 3 = {loss}"
        let r = try run(replacing: old, with: "forward.los: loss = Σ (a2 - y)² / 3 = {loss}")
        #expect(r.status == 1)
        #expect(r.stderr.contains("letters.md:\(r.line): the word \"forward.los\" is not one this lesson's engine (letters) says, so it would never be shown; did you mean \"forward.loss\"?"), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1)
    }

    /// {{ and }} are braces themselves, as in Python's format strings; the values still fill.
    @Test func doubledBracesAreBracesThemselves() throws {
        let old = "train.result: after {epochs} epoch{epochs:s}: loss {loss:.10f}, tutorial acc {acc}, {right} of 3 letters right"
        let r = try run(replacing: old, with: "train.result: {{right}} = {right} of 3, loss {loss:.3f}")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("{right} = 3 of 3, loss 0."), "\(r.stdout)")
    }
}
