// Helpers shared by the test targets: running the built `lesson` binary, temporary folders,
// folder snapshots, and writers for gzip and IDX files (to build damaged data sets).
import CZlib
import Datasets
import Foundation

/// The repository root (this file is Tests/TestSupport/TestSupport.swift).
public let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The `lesson` binary built beside the test bundle.
public var lessonBinary: URL {
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = dir.appendingPathComponent("lesson")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        dir = dir.deletingLastPathComponent()
    }
    return repositoryRoot.appendingPathComponent(".build/debug/lesson")
}

public struct RunResult {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

/// `lesson` with `arguments`, to be run from `directory`: this environment without LESSON_HOME (and
/// without the variables in `unset`), plus `environment`.
public func lessonProcess(_ arguments: [String], in directory: URL = repositoryRoot, environment: [String: String] = [:],
                          unset: [String] = [], binary: URL = lessonBinary) -> Process {
    let p = Process()
    p.executableURL = binary
    p.arguments = arguments
    p.currentDirectoryURL = directory
    var env = ProcessInfo.processInfo.environment
    for k in ["LESSON_HOME"] + unset { env[k] = nil }
    for (k, v) in environment { env[k] = v }
    p.environment = env
    return p
}

/// Runs `lesson` (or another copy of it, `binary`) with `arguments` from `directory` (the repository root by default).
/// `interruptAfter` sends SIGINT (or `signal`) after that many seconds; `interruptWhen` sends it as soon
/// as standard output holds that text.
public func runLesson(_ arguments: [String], in directory: URL = repositoryRoot, environment: [String: String] = [:],
                      interruptAfter: Double? = nil, interruptWhen: String? = nil, signal: Int32 = SIGINT, binary: URL = lessonBinary) throws -> RunResult {
    let p = lessonProcess(arguments, in: directory, environment: environment, binary: binary)
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = FileHandle.nullDevice
    try p.run()
    if let interruptAfter {
        let pid = p.processIdentifier
        DispatchQueue.global().asyncAfter(deadline: .now() + interruptAfter) { kill(pid, signal) }
    }
    // Read before waiting so a full pipe cannot stall the child.
    var o = Data()
    if let interruptWhen {
        let pid = p.processIdentifier, marker = Data(interruptWhen.utf8)
        var sent = false
        while true {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            o += chunk
            if !sent && o.range(of: marker) != nil { kill(pid, signal); sent = true }
        }
    } else {
        o = out.fileHandleForReading.readDataToEndOfFile()
    }
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return RunResult(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
}

public func temporaryFolder(_ name: String = #function) throws -> URL {
    let u = FileManager.default.temporaryDirectory.appendingPathComponent("lesson-tests-\(ProcessInfo.processInfo.processIdentifier)-\(name.filter { $0.isLetter || $0.isNumber })-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
    return u
}

/// Every file under `folder` with its size and modification time, to prove nothing changed.
public func snapshot(_ folder: URL) -> [String: String] {
    var result = [String: String]()
    let fm = FileManager.default
    guard let e = fm.enumerator(at: folder, includingPropertiesForKeys: nil) else { return result }
    for case let u as URL in e {
        let a = try? fm.attributesOfItem(atPath: u.path)
        result[u.path] = "\(a?[.size] ?? 0) \((a?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)"
    }
    return result
}

/// gzip-compresses bytes with zlib (windowBits 16 + 15 writes the gzip wrapper).
public func gzip(_ bytes: [UInt8]) -> [UInt8] {
    var s = z_stream()
    deflateInit2_(&s, 6, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
    defer { deflateEnd(&s) }
    var out = [UInt8](repeating: 0, count: bytes.count + 1024)
    var input = bytes
    let produced = input.withUnsafeMutableBufferPointer { i in
        out.withUnsafeMutableBufferPointer { o in
            s.next_in = i.baseAddress; s.avail_in = uInt(i.count)
            s.next_out = o.baseAddress; s.avail_out = uInt(o.count)
            deflate(&s, Z_FINISH)
            return o.count - Int(s.avail_out)
        }
    }
    return Array(out.prefix(produced))
}

/// An IDX file: magic (0, 0, type, rank), big-endian dimensions, payload.
public func idx(dims: [Int], payload: [UInt8], type: UInt8 = 8) -> [UInt8] {
    var b: [UInt8] = [0, 0, type, UInt8(dims.count)]
    for d in dims { b += [UInt8(d >> 24 & 255), UInt8(d >> 16 & 255), UInt8(d >> 8 & 255), UInt8(d & 255)] }
    return b + payload
}

/// A folder in MNIST layout with `count` tiny images; `mutate` may damage it.
public func makeDataFolder(count: Int = 3, labelCount: Int? = nil, labels: [UInt8]? = nil, withSums: Bool = true,
                    mutate: (URL) throws -> Void = { _ in }) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("idx-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let files: [(String, [UInt8])] = [
        ("train-images-idx3-ubyte.gz", gzip(idx(dims: [count, 28, 28], payload: (0..<(count * 784)).map { UInt8($0 % 256) }))),
        ("train-labels-idx1-ubyte.gz", gzip(idx(dims: [labelCount ?? count], payload: labels ?? (0..<(labelCount ?? count)).map { UInt8($0 % 10) }))),
        ("t10k-images-idx3-ubyte.gz", gzip(idx(dims: [count, 28, 28], payload: (0..<(count * 784)).map { UInt8($0 % 200) }))),
        ("t10k-labels-idx1-ubyte.gz", gzip(idx(dims: [count], payload: (0..<count).map { UInt8($0 % 10) }))),
    ]
    var sums = ""
    for (name, bytes) in files {
        try Data(bytes).write(to: dir.appendingPathComponent(name))
        sums += "\(Checksum.sha256Hex(bytes))  \(name)\n"
    }
    if withSums { try sums.write(to: dir.appendingPathComponent("SHA256SUMS"), atomically: true, encoding: .utf8) }
    try mutate(dir)
    return dir
}

/// Replaces `file` in `dir` with `bytes` and updates SHA256SUMS to match, so only the reader can object.
public func replace(_ file: String, in dir: URL, with bytes: [UInt8]) throws {
    try Data(bytes).write(to: dir.appendingPathComponent(file))
    let sumsURL = dir.appendingPathComponent("SHA256SUMS")
    guard let sums = try? String(contentsOf: sumsURL, encoding: .utf8) else { return }
    let lines = sums.split(separator: "\n").map { line -> String in
        line.hasSuffix("  " + file) ? "\(Checksum.sha256Hex(bytes))  \(file)" : String(line)
    }
    try (lines.joined(separator: "\n") + "\n").write(to: sumsURL, atomically: true, encoding: .utf8)
}

