// `lesson list`: the lessons, each with its title, time and a quicker way to run it.
import ArgumentParser
import Foundation
import LessonKit

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the lessons: each one's title, how long it takes and a quicker way to run it.")

    func run() throws {
        do {
            let library = try LessonLibrary.locate()
            let entries = library.entries()
            let nameWidth = entries.map { TextColumns.width($0.name) }.max() ?? 0
            let indent = String(repeating: " ", count: 2 + 2 + nameWidth + 2)
            for e in entries {
                let file = try? LessonFile.load(e.url)
                var title = file?.title ?? "(cannot read \(e.url.lastPathComponent))"
                // "Lesson 2 · Letters" under the number 2: the number is already in the first column.
                if title.hasPrefix("Lesson \(e.number) · ") { title = String(title.dropFirst("Lesson \(e.number) · ".count)) }
                let line = TextColumns.pad(String(e.number), 2, align: .right) + "  " + TextColumns.pad(e.name, nameWidth) + "  " + title
                print(TextColumns.fit(line, 80))
                // The lesson's own words for how long it takes (a teacher can put their machine's figures there).
                let words = file.flatMap { try? Words(file: $0) }
                let time = [words?.text("list.time"), words?.text("list.quick").map { "quick: " + $0 }].compactMap { $0 }.joined(separator: "; ")
                if !time.isEmpty { for l in TextColumns.wrap(time, width: 80 - indent.count) { print(indent + l) } }
            }
        } catch { fail(error) }
    }
}
