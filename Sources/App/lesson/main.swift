// The `lesson` command: the root command, its error handling and entry point; one file per subcommand
// (ListCommand.swift, RunCommand.swift, ...); all the work is in LessonKit.
import ArgumentParser
import Foundation
import LessonKit

struct Lesson: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lesson",
        abstract: "Replay classic neural-network tutorials step by step, every number shown.",
        discussion: """
        Type first:  lesson run 2     the shortest lesson, three letters (a second)
        Then:        lesson list      all three lessons
                     lesson run 3 --epochs 1 --step
                                      a CNN, one step at a time
        Pictures (PNG) go to Output/lesson-N/ in the current folder (--out DIR).
        Lessons are Markdown files in Lessons/, found via $LESSON_HOME, ./Lessons,
        beside the executable, or where `lesson install` put them (--version says
        which).
        """,
        version: ProgramVersion.text,
        subcommands: [List.self, Steps.self, Show.self, Run.self, ExerciseCommand.self, CheckCommand.self, Diff.self, Bench.self, Install.self])
}

/// Prints "lesson: error: ..." and exits non-zero; no stack trace for errors users can fix.
/// An interrupted run exits with 128 + the signal, as a shell expects: 130 after Ctrl-C, 143 after SIGTERM.
func fail(_ error: Error) -> Never {
    fflush(stdout)
    if let q = error as? LessonQuit {
        // q at the pager's prompt is the reader's choice, not a failure.
        print("\n" + hint("Stopped at step \(q.step) (\(q.stepName)); what was written is kept. To go on from there:", command: q.resume, fd: 1))
        Foundation.exit(0)
    }
    if let i = error as? LessonInterrupted {
        fputs(hint("lesson: \(i.description)", command: i.resume, fd: 2) + "\n", stderr)
        Foundation.exit(128 + Interrupt.signalNumber)
    }
    let text = (error as? LessonError)?.description ?? "\(error)"
    fputs("lesson: error: \(text)\n", stderr)
    Foundation.exit(1)
}

/// A hint as the terminal on `fd` shows it: the sentence broken at spaces within its width (a path
/// longer than a line stands alone, unbroken), then the command to type on a line of its own.
func hint(_ text: String, command: String?, fd: Int32) -> String {
    let columns = TerminalSize.current(fd: fd).columns
    return (TextColumns.wrap(text, width: columns, indent: "  ") + (command.map { ["  " + $0] } ?? [])).joined(separator: "\n")
}

/// Finds and reads a lesson by number, name or path.
func loadLesson(_ lesson: String) throws -> (LessonFile, URL, LessonLibrary) {
    let library = try LessonLibrary.locate()
    let url = try library.resolve(lesson)
    return (try LessonFile.load(url), url, library)
}

/// A lesson's file, read and checked as a run checks it (settings, network, words), for the commands
/// that only show it.
func checkedLesson(_ lesson: String) throws -> LessonFile {
    let (file, _, _) = try loadLesson(lesson)
    _ = try LessonRunner.prepare(file)
    return file
}

// Like ParsableCommand.main(), but a mistake on the command line is one line on stderr.
do {
    var command = try Lesson.parseAsRoot()
    try command.run()
    // What could not be written (standard output on a full disk, /dev/full) is a failure, not a success.
    if fflush(stdout) != 0 || ferror(stdout) != 0 {
        fputs("lesson: error: could not write to standard output (\(String(cString: strerror(errno)))); the files in the output folder are complete, the printed text is not.\n", stderr)
        Foundation.exit(1)
    }
} catch {
    if Lesson.exitCode(for: error) == .success { Lesson.exit(withError: error) }  // --help, --version
    let message = Lesson.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
    fputs("lesson: error: \(message) (see lesson --help)\n", stderr)
    Foundation.exit(Lesson.exitCode(for: error).rawValue)
}
