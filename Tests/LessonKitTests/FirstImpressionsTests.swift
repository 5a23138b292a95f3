// The commands a newcomer types first: `lesson`, `lesson list`, `lesson --version`, the seed flag on
// every lesson, flags that do not apply, ambiguous lesson numbers, counts in words, each file once.
import Foundation
import Testing
@testable import LessonKit
import Numerics

/// Every table in `text` (a run of lines indented by two spaces under a line that ends in ":") has
/// its right-aligned columns lined up: where a header label ends (before two spaces or the end of
/// the line), every row has a character that ends there too. Also: no line wider than 80 columns but
/// the `A: PATH` and `B: PATH` lines, which repeat what the user typed.
func expectAlignedTables(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    for line in lines where !line.hasPrefix("A: ") && !line.hasPrefix("B: ") {
        #expect(TextColumns.width(line) <= 80, "wider than 80 columns: \(line)", sourceLocation: sourceLocation)
    }
    func ends(_ s: String) -> [Int] {
        let c = Array(s)
        return c.indices.filter { i in c[i] != " " && (i + 1 == c.count || (c[i + 1] == " " && i + 2 < c.count && c[i + 2] == " ")) }
    }
    var i = 0, tables = 0
    while i < lines.count {
        guard lines[i].hasSuffix(":"), i + 2 < lines.count, lines[i + 1].hasPrefix("  ") else { i += 1; continue }
        let header = lines[i + 1]
        var rows = [String]()
        var k = i + 2
        while k < lines.count, lines[k].hasPrefix("  "), !lines[k].hasPrefix("  (") { rows.append(lines[k]); k += 1 }
        let columnEnds = ends(header).dropFirst()  // the first column is left-aligned
        for row in rows {
            let c = Array(row)
            for e in columnEnds {
                let ok = e < c.count && c[e] != " " && (e + 1 == c.count || c[e + 1] == " ")
                #expect(ok, "column ending at \(e) of \"\(header)\" is out of line in \"\(row)\"", sourceLocation: sourceLocation)
            }
        }
        tables += 1
        i = k
    }
    #expect(tables > 0, "no table found", sourceLocation: sourceLocation)
}

@Suite(.serialized) struct FirstImpressionsTests {
    @Test func lessonAloneSaysWhatToTypeFirstAndWherePicturesGo() throws {
        let r = try runLesson([])
        #expect(r.status == 0)
        let top = r.stdout.split(separator: "\n").prefix(8).joined(separator: "\n")
        #expect(top.contains("lesson run 2") && top.contains("the shortest lesson"), "\(top)")
        #expect(top.contains("Output/lesson-N/"), "\(top)")
        #expect(r.stdout.split(separator: "\n").allSatisfy { TextColumns.width(String($0)) <= 80 })
    }

    @Test func nothingIsDrawnDimInColour() {
        var out = ""
        let words = Words(["w": "W = rand(2)", "n": "a note"])
        let stream = RecordStream(view: TerminalView(words: words, width: 80, color: true, full: false), quiet: false, write: { out += $0 })
        stream.quantity("W", Tensor<Double>(shape: [2], storage: [1, 2]), "w")
        stream.note("n")
        stream.emit(.heading(index: 1, total: 2, title: "Step", name: "step"))
        stream.maps(TerminalMaps([[0, 1]], width: 2, height: 1, captions: [.text("m")]))
        #expect(out.contains("\u{1B}[36mW = rand(2)\u{1B}[0m"), "\(out.debugDescription)")
        #expect(!out.contains("\u{1B}[2m"), "faint text vanishes on a projector")
    }

    /// Lesson 3's training table at 80 columns: the bold header keeps its columns over the rows in colour
    /// as it does piped (a colour code takes no width), and a colour code counts as no width at all.
    @Test func aTableKeepsItsColumnsInColour() {
        #expect(TextColumns.width("\u{1B}[1;36mab\u{1B}[0m") == 2 && TextColumns.width("\u{1B}[38;2;1;2;3m▀\u{1B}[0m") == 1)
        func lines(color: Bool) -> [String] {
            var out = ""
            let words = Words(["t.columns": "epoch | cost (tutorial) | train acc | test acc | clipped | of | entries clipped"])
            let stream = RecordStream(view: TerminalView(words: words, width: 80, color: color, full: false), quiet: false, write: { out += $0 })
            stream.table(Table("t", columns: [.init("epoch", format: "5d"), .init("cost", format: ".6f"), .init("train", format: ".4f"),
                                              .init("test", format: ".4f"), .init("clipped"), .init("of"), .init("entries", format: ",")]))
            stream.epoch(["epoch": 1], row: [.int(1), .number(0.27), .number(0.92), .number(0.924), .int(118), .int(118), .int(9_342_729)])
            return out.split(separator: "\n").map(String.init)
        }
        let plain = lines(color: false), coloured = lines(color: true)
        #expect(plain.count == 2 && coloured.count == 2, "\(coloured)")
        #expect(coloured[0] == "\u{1B}[1m" + plain[0] + "\u{1B}[0m" && coloured[1] == plain[1], "\(coloured.map(\.debugDescription))")
    }

    @Test func listLinesUpByDisplayWidth() throws {
        let r = try runLesson(["list"])
        #expect(r.status == 0)
        let all = r.stdout.split(separator: "\n").map(String.init)
        // A line per lesson, then its time (and a quicker way) on indented lines under the title.
        let lines = all.filter { !$0.hasPrefix("    ") }, times = all.filter { $0.hasPrefix("    ") }
        #expect(lines.count == 3 && times.count >= 3)
        #expect(lines.map { String($0.prefix(4)) } == [" 1  ", " 2  ", " 3  "])
        // Every title starts in the same column, after the widest name ("letters") and two spaces, and so
        // does every time line under it.
        #expect(lines.allSatisfy { Array($0)[13] != " " && Array($0)[11...12] == [" ", " "] }, "\(lines)")
        #expect(times.allSatisfy { Array($0)[13] != " " && $0.prefix(13).allSatisfy { $0 == " " } }, "\(times)")
        #expect(lines[0].hasPrefix(" 1  digits   Reading handwritten digits"), "\(lines[0])")
        #expect(all.allSatisfy { TextColumns.width($0) <= 80 })
    }

    @Test func textColumnsMeasureWhatATerminalShows() {
        #expect(TextColumns.width("a·b×c Σ") == 7)
        #expect(TextColumns.width("日本") == 4)
        #expect(TextColumns.width("e\u{301}") == 1)
        #expect(TextColumns.pad("Σx", 4) == "Σx  " && TextColumns.pad("7", 3, align: .right) == "  7")
        #expect(TextColumns.fit("abcdef", 4) == "abc…" && TextColumns.fit("abc", 4) == "abc")
        #expect(TextColumns.table([["a", "bb"], ["ccc", "1"]]) == ["  a    bb", "  ccc   1"])
    }

    @Test func versionNamesTheProgramAndItsLibraries() throws {
        let r = try runLesson(["--version"])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.first?.hasPrefix("lesson \(ProgramVersion.number)") ?? false, "\(r.stdout)")
        // Built inside this checkout, so the commit is known.
        #expect(lines.first?.contains("(git commit ") ?? false, "\(r.stdout)")
        #expect(r.stdout.contains("OpenBLAS: OpenBLAS 0."), "\(r.stdout)")
        for library in ["libpng 1.", "zlib 1.", "FreeType 2."] { #expect(r.stdout.contains(library), "\(library) in \(r.stdout)") }
        // run.json records the same.
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try runLesson(["run", "2", "--quiet", "--out", dir.path]).status == 0)
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("run.json"))) as? [String: Any]
        let versions = try #require(record?["versions"] as? [String: String])
        #expect(Set(versions.keys) == ["lesson", "commit", "openblas", "libpng", "zlib", "freetype"], "\(versions)")
        #expect(r.stdout.contains("libpng \(versions["libpng"]!), zlib \(versions["zlib"]!), FreeType \(versions["freetype"]!)"))
    }

    @Test func seedWorksOnEveryLesson() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Lesson 3 seeds its layers with init-seed: --seed sets it, and the filters change.
        let five = try runLesson(["run", "3", "--seed", "5", "--stop-at", "init-weights", "--out", dir.appendingPathComponent("a").path])
        let hundred = try runLesson(["run", "3", "--stop-at", "init-weights", "--out", dir.appendingPathComponent("b").path])
        #expect(five.status == 0, "\(five.stderr)")
        #expect(five.stdout.contains("np.random.seed(5)") && hundred.stdout.contains("np.random.seed(100)"))
        #expect(five.stdout.replacingOccurrences(of: "/a/", with: "/") != hundred.stdout.replacingOccurrences(of: "/b/", with: "/"))
        for lesson in ["1", "2"] {
            let r = try runLesson(["run", lesson, "--seed", "3", "--stop-at", "init-" + (lesson == "1" ? "params" : "weights"),
                                   "--out", dir.appendingPathComponent(lesson).path])
            #expect(r.status == 0, "lesson \(lesson): \(r.stderr)")
        }
    }

    @Test(arguments: [
        (["run", "2", "--corrected"], "--corrected does not apply to this lesson", "--corrected is for lesson 1"),
        (["run", "3", "--corrected"], "--corrected does not apply to this lesson", "--set clip-scope"),
        (["run", "1", "--epochs", "3"], "--epochs 3 does not apply to this lesson", "--set iterations=N"),
        (["run", "3", "--full-data"], "--full-data does not apply to this lesson", "--set train-images=N"),
        (["run", "2", "--full-data"], "--full-data does not apply to this lesson", "three letters"),
        (["run", "3", "--set", "iterations=9"], "--set iterations=9 does not apply to this lesson", "--epochs N"),
        (["run", "2", "--set", "bogus=1"], "--set bogus=1 does not apply to this lesson", "its settings are: epochs, hidden, learning-rate, seed."),
        (["run", "2", "--weights", "/nonexistent.lnw"], "--weights /nonexistent.lnw does not apply to this lesson", "lesson 3 does"),
        (["run", "2", "--data", "/tmp"], "--data /tmp does not apply to this lesson", "lessons 1 and 3"),
        (["run", "3", "--to", ""], "--to needs a step: a name or a number from `lesson steps`", "load-data, init-weights"),
        (["run", "3", "--stop-at", " "], "--stop-at needs a step", "conv1.forward"),
        (["run", "3", "--stop-at", "26"], "--stop-at 26: ", "has steps 1 to 25"),
    ] as [([String], String, String)])
    func flagsThatDoNotApplySayWhatDoes(arguments: [String], message: String, pointer: String) throws {
        let r = try runLesson(arguments)
        #expect(r.status == 1)
        #expect(r.stderr.contains(message) && r.stderr.contains(pointer), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1 && r.stdout.isEmpty)
    }

    @Test func stepNumbersWorkWhereStepNamesDo() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try runLesson(["run", "2", "--stop-at", "3", "--out", dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("── Step 3/") && !r.stdout.contains("── Step 2/") && !r.stdout.contains("── Step 4/"))
        #expect(r.stdout.contains("(steps 1-2 ran without output"))
    }

    @Test func twoLessonsWithOneNumberAreRefusedByName() throws {
        let home = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: home) }
        let lessons = home.appendingPathComponent("Lessons")
        try FileManager.default.createDirectory(at: lessons, withIntermediateDirectories: true)
        let source = repositoryRoot.appendingPathComponent("Lessons")
        for f in ["README.md", "02-letters.md"] { try FileManager.default.copyItem(at: source.appendingPathComponent(f), to: lessons.appendingPathComponent(f)) }
        try FileManager.default.copyItem(at: source.appendingPathComponent("02-letters.md"), to: lessons.appendingPathComponent("02-copy.md"))
        let r = try runLesson(["run", "2"], in: home, environment: ["LESSON_HOME": home.path])
        #expect(r.status == 1)
        #expect(r.stderr.contains("lesson 2 is ambiguous") && r.stderr.contains("02-copy.md and ") && r.stderr.contains("02-letters.md both"), "\(r.stderr)")
        // By name each still runs.
        let byName = try runLesson(["run", "copy", "--quiet", "--out", home.appendingPathComponent("o").path], in: home, environment: ["LESSON_HOME": home.path])
        #expect(byName.status == 0, "\(byName.stderr)")
    }

    @Test func countsReadAsWordsAndEachFileIsWrittenOnce() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try runLesson(["run", "3", "--set", "train-images=256", "--set", "test-images=64", "--epochs", "1", "--set", "batch=128",
                               "--out", dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("after 1 epoch: train accuracy"), "\(r.stdout)")
        #expect(!r.stdout.contains(" 1 epochs"))
        let wrote = r.stdout.split(separator: "\n").filter { $0.hasPrefix("  wrote ") }
        #expect(wrote.count == Set(wrote).count, "a file reported twice: \(wrote)")
        #expect(wrote.contains { $0.hasSuffix("conv1-filters-before.png") })
        let letters = try runLesson(["run", "2", "--epochs", "1", "--quiet", "--out", dir.appendingPathComponent("l").path])
        #expect(letters.stdout.contains("after 1 epoch: loss"), "\(letters.stdout)")
        let digits = try runLesson(["run", "1", "--set", "iterations=1", "--quiet", "--out", dir.appendingPathComponent("d").path])
        #expect(digits.stdout.contains("after 1 iteration ("), "\(digits.stdout)")
    }
}
