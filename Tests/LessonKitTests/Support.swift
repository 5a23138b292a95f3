// Helpers for the lesson tests: fixtures, running the built `lesson` binary, temporary folders.
import Foundation
import Testing

func fixtureURL(_ name: String) throws -> URL {
    try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"))
}

func loadJSON<T: Decodable>(_ name: String, as: T.Type) throws -> T {
    try JSONDecoder().decode(T.self, from: Data(contentsOf: fixtureURL(name)))
}

/// The repository root (this file is Tests/LessonKitTests/Support.swift).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The `lesson` binary built beside the test bundle.
var lessonBinary: URL {
    var dir = Bundle.module.bundleURL.deletingLastPathComponent()
    for _ in 0..<3 {
        let candidate = dir.appendingPathComponent("lesson")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        dir = dir.deletingLastPathComponent()
    }
    return repositoryRoot.appendingPathComponent(".build/debug/lesson")
}

struct RunResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Runs `lesson` with `arguments` from `directory` (the repository root by default).
func runLesson(_ arguments: [String], in directory: URL = repositoryRoot, environment: [String: String] = [:]) throws -> RunResult {
    let p = Process()
    p.executableURL = lessonBinary
    p.arguments = arguments
    p.currentDirectoryURL = directory
    var env = ProcessInfo.processInfo.environment
    env["LESSON_HOME"] = nil
    for (k, v) in environment { env[k] = v }
    p.environment = env
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = FileHandle.nullDevice
    try p.run()
    // Read before waiting so a full pipe cannot stall the child.
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return RunResult(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
}

func temporaryFolder(_ name: String = #function) throws -> URL {
    let u = FileManager.default.temporaryDirectory.appendingPathComponent("lesson-tests-\(ProcessInfo.processInfo.processIdentifier)-\(name.filter { $0.isLetter || $0.isNumber })-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
    return u
}

/// Every file under `folder`, relative, with its size and modification date, to prove nothing changed.
func snapshot(_ folder: URL) -> [String: String] {
    var result = [String: String]()
    let fm = FileManager.default
    guard let e = fm.enumerator(at: folder, includingPropertiesForKeys: nil) else { return result }
    for case let u as URL in e {
        let a = try? fm.attributesOfItem(atPath: u.path)
        result[u.path] = "\(a?[.size] ?? 0) \((a?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)"
    }
    return result
}
