// Finding the Lessons/ folder and the lesson a user names: a number, a name, or a path to a .md file.
// Lookup order: $LESSON_HOME, ./Lessons, then beside the executable and in the folders above it.
import Foundation

public struct LessonLibrary {
    public let directory: URL

    /// Lessons are files named `NN-name.md` in the folder.
    public struct Entry {
        public let number: Int
        public let name: String
        public let url: URL
    }

    /// The running program's file, links resolved: /proc/self/exe, since argv[0] is a bare name when
    /// the program was found on the PATH (an installed `lesson`), and would send the search to the
    /// current folder instead of the one the program lies in.
    public static var executable: URL {
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: target).standardizedFileURL
        }
        return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.resolvingSymlinksInPath()
    }

    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment,
                              executable: URL = LessonLibrary.executable) throws -> LessonLibrary {
        let fm = FileManager.default
        func isDir(_ u: URL) -> Bool { var d: ObjCBool = false; return fm.fileExists(atPath: u.path, isDirectory: &d) && d.boolValue }
        if let home = environment["LESSON_HOME"] {
            let u = URL(fileURLWithPath: home).appendingPathComponent("Lessons")
            guard isDir(u) else { throw LessonError("LESSON_HOME is \(home), but \(u.path) is not a folder; point LESSON_HOME at the folder that holds Lessons/.") }
            return LessonLibrary(directory: u)
        }
        var candidates = [URL(fileURLWithPath: fm.currentDirectoryPath).appendingPathComponent("Lessons")]
        var dir = executable.deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(dir.appendingPathComponent("Lessons"))
            candidates.append(dir.appendingPathComponent("share/lesson/Lessons"))
            dir = dir.deletingLastPathComponent()
        }
        for c in candidates where isDir(c) && fm.fileExists(atPath: c.appendingPathComponent("README.md").path) {
            return LessonLibrary(directory: c.standardizedFileURL)
        }
        throw LessonError("cannot find the Lessons/ folder; run from the repository root or set LESSON_HOME to the folder that holds Lessons/.")
    }

    public func entries() -> [Entry] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.sorted().compactMap { f in
            guard f.hasSuffix(".md"), let dash = f.firstIndex(of: "-"), let n = Int(f[..<dash]) else { return nil }
            return Entry(number: n, name: String(f[f.index(after: dash)...].dropLast(3)), url: directory.appendingPathComponent(f))
        }
    }

    /// Resolves "2", "letters", "02-letters" or a path to a .md file.
    public func resolve(_ argument: String) throws -> URL {
        if argument.hasSuffix(".md") || argument.contains("/") {
            let u = URL(fileURLWithPath: argument)
            guard FileManager.default.fileExists(atPath: u.path) else {
                throw LessonError("no lesson file at \(argument); check the path.")
            }
            return u
        }
        let all = entries()
        if let n = Int(argument) {
            let numbered = all.filter { $0.number == n }
            if numbered.count > 1 {
                throw LessonError("lesson \(n) is ambiguous: \(numbered.map(\.url.path).joined(separator: " and ")) both have number \(n); rename one, or run it by name or path.")
            }
            if let e = numbered.first { return e.url }
        }
        if let e = all.first(where: { $0.name == argument || "\(String(format: "%02d", $0.number))-\($0.name)" == argument }) { return e.url }
        let known = all.map { "\($0.number) (\($0.name))" }.joined(separator: ", ")
        throw LessonError("unknown lesson \"\(argument)\"; choose one of \(known), or give a path to a .md lesson file.")
    }

    /// `Output/lesson-N` for a numbered lesson, `Output/NAME` for any other file.
    public func defaultOutputFolder(for url: URL, base: URL) -> URL {
        let stem = url.deletingPathExtension().lastPathComponent
        if let dash = stem.firstIndex(of: "-"), let n = Int(stem[..<dash]) {
            return base.appendingPathComponent("lesson-\(n)")
        }
        return base.appendingPathComponent(stem)
    }
}
