// Projector mode: --zoom 2 draws every PNG at twice the pixels with its text set at twice the size
// (not scaled up), and every terminal picture at twice the cells.
import Foundation
@testable import LessonKit
import Rendering
import Testing
import TestSupport

@Suite(.serialized) struct ZoomTests {
    /// Lesson 2's letters and lesson 3's first pictures, at zoom 1 and 2: the same files, twice the pixels;
    /// the letters in the terminal twice as wide and twice as tall.
    @Test func zoomTwoDoublesThePixelsAndTheCells() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        var terminal = [Int: [String]]()
        for zoom in [1, 2] {
            for lesson in [("2", "1"), ("3", "2")] {
                let r = try runLesson(["run", lesson.0, "--to", lesson.1, "--zoom", String(zoom), "--out", dir.appendingPathComponent("\(lesson.0)-\(zoom)").path],
                                      environment: ["COLUMNS": "80", "NO_COLOR": "1"])
                #expect(r.status == 0, "\(r.stderr)")
                if lesson.0 == "2" { terminal[zoom] = r.stdout.split(separator: "\n").map(String.init).filter { $0.contains("█") } }
                #expect(r.stdout.split(separator: "\n").allSatisfy { TextColumns.width(String($0)) <= 80 || $0.contains("wrote") })
            }
        }
        for lesson in ["2", "3"] {
            let one = dir.appendingPathComponent("\(lesson)-1"), two = dir.appendingPathComponent("\(lesson)-2")
            let pngs = try FileManager.default.contentsOfDirectory(atPath: one.path).filter { $0.hasSuffix(".png") }.sorted()
            #expect(!pngs.isEmpty)
            for name in pngs {
                let a = try PNGFile.read(one.appendingPathComponent(name)), b = try PNGFile.read(two.appendingPathComponent(name))
                #expect(b.width == 2 * a.width && b.height == 2 * a.height, "\(name): \(a.width)×\(a.height) → \(b.width)×\(b.height)")
                // Text set at twice the size, not a picture scaled up: at zoom 1 a block of 2 × 2 pixels
                // would be one colour everywhere; anti-aliased glyph edges make some blocks mixed.
                var mixed = 0
                for y in stride(from: 0, to: b.height - 1, by: 2) {
                    for x in stride(from: 0, to: b.width - 1, by: 2) where b.pixel(x, y) != b.pixel(x + 1, y + 1) || b.pixel(x, y) != b.pixel(x + 1, y) { mixed += 1 }
                }
                #expect(mixed > 100, "\(name): \(mixed) mixed 2×2 blocks")
            }
        }
        let one = try #require(terminal[1]), two = try #require(terminal[2])
        #expect(two.count == 2 * one.count, "\(one.count) → \(two.count) rows")
        let w1 = one.map { TextColumns.width($0) }.max()!, w2 = two.map { TextColumns.width($0) }.max()!
        // Each row is two spaces, then three letters with three spaces between them.
        #expect(w2 - 2 - 6 == 2 * (w1 - 2 - 6), "\(w1) → \(w2) columns")
    }

    @Test func zoomOutsideOneToThreeIsRefused() throws {
        let r = try runLesson(["run", "2", "--zoom", "4"])
        #expect(r.status == 64 && r.stderr.contains("--zoom") && r.stdout.isEmpty, "\(r.status) \(r.stderr)")
    }
}

/// Every picture the three lessons draw, rendered again from its record: no text under 14 px at zoom 1
/// (a projector's back row reads it); at zoom 2 the same picture at twice the pixels, its text too.
@Test(arguments: [("01-digits.md", [("iterations", "20")]), ("02-letters.md", []),
                  ("03-cnn.md", [("train-images", "1024"), ("test-images", "256"), ("epochs", "1"), ("batch", "256")])])
func everyTextInAPictureIsAtLeastFourteenPixels(lesson: String, settings: [(String, String)]) throws {
    let dir = try temporaryFolder("text-sizes-\(lesson)")
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = try LessonFile.load(repositoryRoot.appendingPathComponent("Lessons/\(lesson)"))
    let (engineType, values) = try LessonRunner.prepare(file, overrides: settings.map { ($0.0, $0.1, "--set") })
    let stream = RecordStream(view: TerminalView(words: try LessonRunner.words(for: file, engine: engineType), width: 80, color: false, full: false),
                              quiet: true, write: { _ in })
    let context = LessonContext(file: file, settings: values, out: stream, outputDirectory: dir, dataDirectory: nil)
    let engine = try engineType.init(context: context)
    for step in file.steps { try engine.perform(step) }
    var pictures = 0
    for entry in stream.records {
        guard case .wrote(let written) = entry.record, let picture = written.picture else { continue }
        pictures += 1
        let one = picture.content.render(), two = picture.content.render(zoom: 2)
        #expect((one.smallestText ?? 99) >= 14, "\(picture.file): text of \(one.smallestText ?? 0) px")
        #expect((two.smallestText ?? 99) >= 14 && two.width == 2 * one.width, "\(picture.file) at zoom 2")
    }
    #expect(pictures >= 5, "\(lesson): \(pictures) pictures")
}
