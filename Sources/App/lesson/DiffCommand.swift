// `lesson diff A B`: two runs of the same lesson compared from their run.json.
import ArgumentParser
import Foundation
import LessonKit

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare two runs of the same lesson: settings that differ, final figures, epochs, weights.",
        discussion: "Each run is its run.json or the --out folder it was written to, e.g. lesson diff Output/clip Output/noclip.")

    @Argument(help: "The first run: a run.json or an --out folder.")
    var a: String

    @Argument(help: "The second run: a run.json or an --out folder.")
    var b: String

    func run() throws {
        do { print(try RunDiff.text(a, b)) } catch { fail(error) }
    }
}
