// `lesson install`: puts this binary, the lessons it runs and the bash and zsh completions under a
// prefix (/usr/local by default), so that `lesson` works from any folder. The copying is
// LessonKit's Installation; the completion scripts are swift-argument-parser's.
import ArgumentParser
import Foundation
import LessonKit

struct Install: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Install lesson: the program, its lessons and shell completions, so `lesson` runs from any folder.",
        discussion: """
        Writes PREFIX/bin/lesson, PREFIX/share/lesson/Lessons (the lessons this copy finds, with their \
        data and weights), and completions for bash and zsh. PREFIX is --prefix, else $PREFIX, else \
        /usr/local. Run from a clone, the clone's Lessons/ still win over the installed ones, so edits \
        need no reinstall. To uninstall, remove the four paths it prints.
        """)

    @Option(help: "Install under this folder instead of $PREFIX or /usr/local.")
    var prefix: String?

    func validate() throws {
        if let prefix, prefix.isEmpty { throw ValidationError("--prefix needs a folder path.") }
    }

    func run() throws {
        do {
            let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            let place = Installation(prefix: URL(fileURLWithPath: prefix ?? Installation.defaultPrefix(), relativeTo: cwd))
            let library = try LessonLibrary.locate()
            let lines = try place.install(executable: LessonLibrary.executable, library: library, commit: ProgramVersion.commit(),
                                          bash: Lesson.completionScript(for: .bash), zsh: Lesson.completionScript(for: .zsh))
            print("installed lesson \(ProgramVersion.number):")
            for l in lines { print("  " + l) }
            let onPath = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
                .contains { URL(fileURLWithPath: String($0)).standardizedFileURL.path == place.binary.deletingLastPathComponent().path }
            if !onPath { print("\(place.binary.deletingLastPathComponent().path) is not on your PATH: add it, or run \(place.binary.path).") }
            print("to uninstall: rm -rf " + place.paths.map(\.path).joined(separator: " "))
        } catch { fail(error) }
    }
}
