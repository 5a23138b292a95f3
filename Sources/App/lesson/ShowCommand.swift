// `lesson show N`: a lesson's narrative, step by step, without running anything.
import ArgumentParser
import Foundation
import LessonKit

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a lesson's narrative, step by step, without running anything.")

    @Argument(help: "Lesson number, name, or path to a .md lesson file.")
    var lesson: String

    func run() throws {
        do {
            let file = try checkedLesson(lesson)
            print(file.title)
            print("\n" + file.introduction.trimmingCharacters(in: .newlines))
            for (i, step) in file.steps.enumerated() {
                print("\n── Step \(i + 1)/\(file.steps.count) · \(step.title)  [\(step.name)]")
                let text = step.narrative.trimmingCharacters(in: .newlines)
                if !text.isEmpty { print(text) }
            }
        } catch { fail(error) }
    }
}
