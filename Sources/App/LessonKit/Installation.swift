// `lesson install`: the binary, the lessons (with their data and weights) and the shell completions
// copied under a prefix, so that `lesson` runs from any folder. The layout is the one
// LessonLibrary.locate looks for beside an executable: PREFIX/bin/lesson finds
// PREFIX/share/lesson/Lessons. Every piece is written beside its place and renamed into it, so an
// interrupted install leaves the previous one whole.
import Foundation

public struct Installation {
    public let prefix: URL

    public init(prefix: URL) { self.prefix = prefix.standardizedFileURL }

    /// The prefix `lesson install` uses: `--prefix`, else $PREFIX, else /usr/local.
    public static func defaultPrefix(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        environment["PREFIX"].flatMap { $0.isEmpty ? nil : $0 } ?? "/usr/local"
    }

    public var binary: URL { prefix.appendingPathComponent("bin/lesson") }
    public var share: URL { prefix.appendingPathComponent("share/lesson") }
    public var lessons: URL { share.appendingPathComponent("Lessons") }
    /// The commit the installed binary was built from (an installed copy has no .git to read it from).
    public var commitFile: URL { share.appendingPathComponent("commit") }
    public var bashCompletion: URL { prefix.appendingPathComponent("share/bash-completion/completions/lesson") }
    public var zshCompletion: URL { prefix.appendingPathComponent("share/zsh/site-functions/_lesson") }

    /// Every path an install writes, for the uninstall line.
    public var paths: [URL] { [binary, share, bashCompletion, zshCompletion] }

    /// Copies `executable` and `library`'s folder under the prefix and writes the completion scripts.
    /// Returns what it wrote, one line each, for the user.
    public func install(executable: URL, library: LessonLibrary, commit: String?, bash: String, zsh: String) throws -> [String] {
        let fm = FileManager.default
        let source = library.directory.standardizedFileURL.resolvingSymlinksInPath()
        for dir in [binary, lessons, bashCompletion, zshCompletion].map({ $0.deletingLastPathComponent() }) {
            do { try fm.createDirectory(at: dir, withIntermediateDirectories: true) } catch {
                throw LessonError("cannot create \(dir.path) (\(Installation.reason(error))); run as root, or choose another place with --prefix DIR (or PREFIX=DIR).")
            }
        }
        var done = [String]()
        // The binary: copied beside its place, then renamed over it (a running copy keeps its old file).
        let exe = executable.standardizedFileURL.resolvingSymlinksInPath()
        if exe.path != binary.resolvingSymlinksInPath().path {
            try replace(binary) { try fm.copyItem(at: exe, to: $0) }
        }
        done.append("program      \(binary.path)")
        // The lessons, their data and shipped weights; skipped when they are the ones being run from.
        if source.path != lessons.resolvingSymlinksInPath().path {
            try replace(lessons) { try fm.copyItem(at: source, to: $0) }
        }
        done.append("lessons      \(lessons.path) (from \(source.path))")
        if let commit { try replace(commitFile) { try Data((commit + "\n").utf8).write(to: $0) } }
        try replace(bashCompletion) { try Data(bash.utf8).write(to: $0) }
        try replace(zshCompletion) { try Data(zsh.utf8).write(to: $0) }
        done.append("completions  \(bashCompletion.path), \(zshCompletion.path)")
        return done
    }

    /// Writes `target` anew through `make` (given a temporary sibling), then swaps it into place.
    func replace(_ target: URL, _ make: (URL) throws -> Void) throws {
        let fm = FileManager.default
        let pid = ProcessInfo.processInfo.processIdentifier
        let dir = target.deletingLastPathComponent()
        let fresh = dir.appendingPathComponent(".lesson-install-\(target.lastPathComponent).\(pid).tmp")
        let old = dir.appendingPathComponent(".lesson-install-\(target.lastPathComponent).\(pid).old")
        try? fm.removeItem(at: fresh)
        do {
            try make(fresh)
            var isDir: ObjCBool = false
            let exists = fm.fileExists(atPath: target.path, isDirectory: &isDir)
            if exists && isDir.boolValue {
                // A folder cannot be renamed over another: the old one steps aside first, then goes.
                try fm.moveItem(at: target, to: old)
                try fm.moveItem(at: fresh, to: target)
                try? fm.removeItem(at: old)
            } else if rename(fresh.path, target.path) != 0 {
                throw LessonError("cannot replace \(target.path): \(String(cString: strerror(errno))).")
            }
        } catch {
            try? fm.removeItem(at: fresh)
            if !fm.fileExists(atPath: target.path), fm.fileExists(atPath: old.path) { try? fm.moveItem(at: old, to: target) }
            if let e = error as? LessonError { throw e }
            throw LessonError("cannot write \(target.path) (\(Installation.reason(error))); run as root, or choose another place with --prefix DIR (or PREFIX=DIR).")
        }
    }

    static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if let posix = ns.userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(posix.code)))
        }
        return ns.localizedDescription
    }

    /// The commit an installed binary (PREFIX/bin/lesson) was built from, written by `install` beside its lessons.
    public static func installedCommit(executable: URL) -> String? {
        let place = Installation(prefix: executable.deletingLastPathComponent().deletingLastPathComponent())
        return (try? BoundedRead.bytes(place.commitFile, limit: 4096, what: place.commitFile.path, why: "a commit hash"))
            .map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
    }
}
