// The IDX, gzip and checksum readers against damaged input: each case a clear error naming the file.
import Foundation
import Testing
import TestSupport
@testable import Datasets

func expectDataError(_ fragment: String, _ body: () throws -> Void) {
    do { try body(); Issue.record("no error; expected \"\(fragment)\"") } catch {
        #expect("\(error)".contains(fragment), "got: \(error)")
    }
}

@Test func gzipRoundTrip() throws {
    let data = (0..<5000).map { UInt8($0 % 251) }
    #expect(try Gzip.decompress(gzip(data), name: "f.gz") == data)
}

@Test func gzipDamage() {
    let good = gzip((0..<5000).map { UInt8($0 % 7) })
    expectDataError("f.gz: not a gzip file") { _ = try Gzip.decompress([1, 2, 3] + Array(repeating: 0, count: 30), name: "f.gz") }
    expectDataError("f.gz: the gzip file is truncated") { _ = try Gzip.decompress(Array(good.prefix(good.count / 2)), name: "f.gz") }
    var corrupt = good
    for i in 12..<min(40, corrupt.count - 8) { corrupt[i] ^= 0x5A }
    expectDataError("f.gz: the gzip data is corrupt") { _ = try Gzip.decompress(corrupt, name: "f.gz") }
    // Issue 36, poor list: 10 bytes that start as gzip does are a truncated gzip file, not "not gzip".
    expectDataError("f.gz: the gzip file is truncated (10 bytes, shorter than a gzip header and trailer)") {
        _ = try Gzip.decompress(Array(good.prefix(10)), name: "f.gz")
    }
    // Bytes after the end of the data are damage (found by the fuzz test's comparison with gzip -dc).
    expectDataError("f.gz: 3 bytes follow the end of the gzip data") { _ = try Gzip.decompress(good + [1, 2, 3], name: "f.gz") }
}

@Test func gzipReadsEveryMember() throws {
    // `cat a.gz b.gz > c.gz` is a valid gzip file holding a then b.
    let a = (0..<3000).map { UInt8($0 % 11) }, b = (0..<700).map { UInt8($0 % 3 + 100) }
    #expect(try Gzip.decompress(gzip(a) + gzip(b), name: "c.gz") == a + b)
}

@Test func idxChecks() throws {
    let ok = try IDX.parse(idx(dims: [2, 3], payload: [1, 2, 3, 4, 5, 6]), name: "a")
    #expect(ok.dimensions == [2, 3] && ok.bytes == [1, 2, 3, 4, 5, 6])
    expectDataError("a: wrong magic number (the first two bytes") { _ = try IDX.parse([1, 0, 8, 1, 0, 0, 0, 1, 5], name: "a") }
    expectDataError("a: wrong magic number: data type 0x0d") { _ = try IDX.parse(idx(dims: [1], payload: [0, 0, 0, 0], type: 0x0d), name: "a") }
    expectDataError("a: impossible rank 9") { _ = try IDX.parse([0, 0, 8, 9] + Array(repeating: 1, count: 40), name: "a") }
    expectDataError("a: impossible dimension 0") { _ = try IDX.parse(idx(dims: [0, 3], payload: []), name: "a") }
    expectDataError("a: the payload is shorter than the header says (5 bytes for 2×3 = 6)") {
        _ = try IDX.parse(idx(dims: [2, 3], payload: [1, 2, 3, 4, 5]), name: "a")
    }
    expectDataError("a: the payload is longer than the header says") { _ = try IDX.parse(idx(dims: [2], payload: [1, 2, 3]), name: "a") }
    expectDataError("impossible dimensions") { _ = try IDX.parse(idx(dims: [65536, 65536, 65536], payload: []), name: "a") }
    // Found by the structure-aware gzip target: a product past 2⁶⁴ wrapped to a small number and passed.
    let wraps = [0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF]
    #expect(wraps.reduce(1) { $0.multipliedReportingOverflow(by: $1).partialValue } <= 1 << 32, "the product wraps to a small number")
    expectDataError("impossible dimensions") { _ = try IDX.parse(idx(dims: wraps, payload: []), name: "a") }
    expectDataError("impossible dimensions") { _ = try Gzip.decompressIDX(gzip(idx(dims: wraps, payload: [])), name: "a") }
}

@Test func mnistFolderLoadsAndVerifies() throws {
    let dir = try makeDataFolder()
    let (set, report) = try MNIST.load(.train, from: dir)
    #expect(set.count == 3 && set.labels == [0, 1, 2] && report.verified)
    #expect(Array(set.image(1).prefix(2)) == [UInt8(784 % 256), UInt8(785 % 256)])
    let unsummed = try makeDataFolder(withSums: false)
    #expect(try MNIST.load(.train, from: unsummed).1.verified == false)
}

@Test func mnistFolderDamage() throws {
    expectDataError("data folder /nonexistent/mnist does not exist") { _ = try MNIST.load(.train, from: URL(fileURLWithPath: "/nonexistent/mnist")) }
    // Issue 36, poor list: --data naming a file is said as a file, not as missing.
    let file = try makeDataFolder().appendingPathComponent("SHA256SUMS")
    expectDataError("data folder \(file.path) is a file, not a folder; pass --data DIR, the folder holding the four MNIST .gz files.") {
        _ = try MNIST.load(.train, from: file)
    }
    let missing = try makeDataFolder { try FileManager.default.removeItem(at: $0.appendingPathComponent("train-labels-idx1-ubyte.gz")) }
    expectDataError("train-labels-idx1-ubyte.gz: missing") { _ = try MNIST.load(.train, from: missing) }
    let tampered = try makeDataFolder { dir in
        let u = dir.appendingPathComponent("train-images-idx3-ubyte.gz")
        var b = [UInt8](try Data(contentsOf: u)); b[b.count / 2] ^= 1
        try Data(b).write(to: u)
    }
    expectDataError("train-images-idx3-ubyte.gz: wrong checksum") { _ = try MNIST.load(.train, from: tampered) }
    let mismatch = try makeDataFolder(labelCount: 4)
    expectDataError("holds 3 images but") { _ = try MNIST.load(.train, from: mismatch) }
    let badLabel = try makeDataFolder(labels: [1, 12, 3])
    expectDataError("label 12 at index 1 is outside 0-9") { _ = try MNIST.load(.train, from: badLabel) }
    let badSums = try makeDataFolder { try "not a checksum line\n".write(to: $0.appendingPathComponent("SHA256SUMS"), atomically: true, encoding: .utf8) }
    expectDataError("SHA256SUMS:1: not a \"SHA256  NAME\" line") { _ = try MNIST.load(.train, from: badSums) }
    // Issue 36: a SHA256SUMS saved with CRLF line ends (Windows) is read as it is, and still checks:
    // the same folder verifies, and a tampered file is still caught.
    func crlf(_ dir: URL) throws {
        let u = dir.appendingPathComponent("SHA256SUMS")
        let text = try String(contentsOf: u, encoding: .utf8)
        try text.replacingOccurrences(of: "\n", with: "\r\n").write(to: u, atomically: true, encoding: .utf8)
    }
    let windows = try makeDataFolder { try crlf($0) }
    #expect(try MNIST.load(.train, from: windows).1.verified)
    let windowsTampered = try makeDataFolder { dir in
        try crlf(dir)
        let u = dir.appendingPathComponent("train-images-idx3-ubyte.gz")
        var b = [UInt8](try Data(contentsOf: u)); b[b.count / 2] ^= 1
        try Data(b).write(to: u)
    }
    expectDataError("train-images-idx3-ubyte.gz: wrong checksum") { _ = try MNIST.load(.train, from: windowsTampered) }
}

@Test func shippedMNISTChecksumsMatch() throws {
    let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Lessons/data/mnist")
    let (test, report) = try MNIST.load(.test, from: dir)
    #expect(report.verified && test.count == 10_000 && test.labels.prefix(5) == [7, 2, 1, 0, 4])
}

/// Issue 36, item 2: a data folder's files are measured before they are read. A 3 GB sparse file in
/// place of the training images, a folder, a FIFO and a 2 MB checksum list are each named, at once.
@Test func dataFilesTooLargeOrNotRegularAreRefusedBeforeReading() throws {
    func grown(_ dir: URL, _ name: String, to size: Int) throws {
        let h = try FileHandle(forWritingTo: dir.appendingPathComponent(name))
        try h.truncate(atOffset: UInt64(size))
        try h.close()
    }
    let big = try makeDataFolder(withSums: false) { try grown($0, "train-images-idx3-ubyte.gz", to: 3 << 30) }
    defer { try? FileManager.default.removeItem(at: big) }
    let started = Date()
    expectDataError("train-images-idx3-ubyte.gz: \(3 << 30) bytes, more than a gzip-compressed MNIST file holds") { _ = try MNIST.load(.train, from: big) }
    #expect(Date().timeIntervalSince(started) < 5)
    let folder = try makeDataFolder { dir in
        let labels = dir.appendingPathComponent("train-labels-idx1-ubyte.gz")
        try FileManager.default.removeItem(at: labels)
        try FileManager.default.createDirectory(at: labels, withIntermediateDirectories: false)
    }
    defer { try? FileManager.default.removeItem(at: folder) }
    expectDataError("train-labels-idx1-ubyte.gz: not a regular file (a folder, a pipe or a device)") { _ = try MNIST.load(.train, from: folder) }
    let fifo = try makeDataFolder { dir in
        let images = dir.appendingPathComponent("t10k-images-idx3-ubyte.gz")
        try FileManager.default.removeItem(at: images)
        #expect(mkfifo(images.path, 0o600) == 0)
    }
    defer { try? FileManager.default.removeItem(at: fifo) }
    expectDataError("t10k-images-idx3-ubyte.gz: not a regular file") { _ = try MNIST.load(.test, from: fifo) }
    let sums = try makeDataFolder { try grown($0, "SHA256SUMS", to: 2 << 20) }
    defer { try? FileManager.default.removeItem(at: sums) }
    expectDataError("SHA256SUMS: \(2 << 20) bytes, more than a checksum list holds") { _ = try MNIST.load(.train, from: sums) }
}
