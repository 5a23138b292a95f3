// `lesson steps N`: a lesson's steps with their numbers and names.
import ArgumentParser
import Foundation
import LessonKit

struct Steps: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List a lesson's steps with the names --from, --to and --stop-at take.")

    @Argument(help: "Lesson number, name, or path to a .md lesson file.")
    var lesson: String

    func run() throws {
        do {
            let file = try checkedLesson(lesson)
            print(file.title)
            let width = file.steps.map { TextColumns.width($0.name) }.max() ?? 0
            for (i, step) in file.steps.enumerated() {
                print(TextColumns.pad(String(i + 1), 3, align: .right) + "  " + TextColumns.pad(step.name, width) + "  " + step.title)
            }
        } catch { fail(error) }
    }
}
