// What `lesson --version` prints and run.json records: the program's version, the git commit of the
// checkout the binary was built in (when it sits in one), and the C libraries it runs on.
import Datasets
import Foundation
import Numerics
import Rendering

public enum ProgramVersion {
    public static let number = "0.8.0"

    /// The commit checked out in the git repository that holds the executable (a `swift build` puts
    /// it under .build/ of the checkout), or nil for an installed copy. Read from .git without git.
    public static func commit(executable: URL = LessonLibrary.executable) -> String? {
        let fm = FileManager.default
        var dir = executable.deletingLastPathComponent()
        for _ in 0..<8 {
            let git = dir.appendingPathComponent(".git")
            var isDir: ObjCBool = false
            if fm.fileExists(atPath: git.path, isDirectory: &isDir), isDir.boolValue {
                guard let head = try? String(contentsOf: git.appendingPathComponent("HEAD"), encoding: .utf8)
                    .trimmingCharacters(in: .whitespacesAndNewlines) else { return nil }
                guard head.hasPrefix("ref: ") else { return short(head) }
                let ref = String(head.dropFirst(5))
                if let loose = try? String(contentsOf: git.appendingPathComponent(ref), encoding: .utf8) { return short(loose) }
                let packed = (try? String(contentsOf: git.appendingPathComponent("packed-refs"), encoding: .utf8)) ?? ""
                return packed.split(separator: "\n").first { $0.hasSuffix(" " + ref) }.map { short(String($0.prefix(40))) } ?? nil
            }
            dir = dir.deletingLastPathComponent()
        }
        // An installed copy (`lesson install`): the commit it was built from, written beside its lessons.
        return Installation.installedCommit(executable: executable).flatMap(short)
    }

    static func short(_ hash: String) -> String? {
        let h = hash.trimmingCharacters(in: .whitespacesAndNewlines)
        return h.count >= 12 && h.allSatisfy(\.isHexDigit) ? String(h.prefix(12)) : nil
    }

    /// Every version, by name: lesson, commit (when known), openblas, libpng, zlib, freetype.
    public static var all: [String: String] {
        var v = ["lesson": number, "openblas": BLASThreads.configuration, "libpng": LibraryVersions.png,
                 "zlib": Gzip.zlibVersion, "freetype": LibraryVersions.freetype]
        if let c = commit() { v["commit"] = c }
        return v
    }

    /// The text of `lesson --version`: the versions, and where this run finds its lessons.
    public static var text: String {
        let v = all
        let lessons: String
        do { lessons = try LessonLibrary.locate().directory.path } catch {
            lessons = "not found (\((error as? LessonError)?.description ?? "\(error)"))"
        }
        return """
        lesson \(number)\(v["commit"].map { " (git commit \($0))" } ?? "")
        OpenBLAS: \(v["openblas"]!)
        libpng \(v["libpng"]!), zlib \(v["zlib"]!), FreeType \(v["freetype"]!)
        lessons: \(lessons)
        """
    }
}
