// Bad input, second round: each case an adversarial user found, as a regression test. No input makes
// the program trap or allocate gigabytes, every error is one line that says what to do, Ctrl-C stops
// any step, and an output folder always describes one run without losing anything it did not write.
import Foundation
import Testing
@testable import LessonKit
import Datasets
import Network
import Numerics
import Rendering

/// The shipped lesson 3 with `old` replaced by `new`, written to `dir/name`.
func editedLessonThree(_ dir: URL, _ name: String, _ old: String, _ new: String) throws -> URL {
    let text = try String(contentsOf: repositoryRoot.appendingPathComponent("Lessons/03-cnn.md"), encoding: .utf8)
    #expect(text.contains(old), "lesson 3 holds \(old)")
    let url = dir.appendingPathComponent(name)
    try text.replacingOccurrences(of: old, with: new).write(to: url, atomically: true, encoding: .utf8)
    return url
}

/// The line of `file` that starts with `prefix` (1-based).
func line(of prefix: String, in file: URL) throws -> Int {
    let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
    return try #require(lines.firstIndex { $0.hasPrefix(prefix) }) + 1
}

/// A run.json as a run of lesson 3 writes it, with the given files and weights file.
func runJSON(files: [String], weights: String? = nil) -> Data {
    let w = weights.map { ", \"weightsFile\": \"\($0)\"" } ?? ""
    let list = files.map { "\"\($0)\"" }.joined(separator: ", ")
    return Data("""
    {"format": 1, "lesson": "Lesson 3", "file": "03-cnn.md", "engine": "cnn", "settings": {}, "steps": [],
     "versions": {}, "summary": {"epochs": [], "final": {}\(w)}, "status": "complete", "files": [\(list)]}
    """.utf8)
}

func expectOneLineError(_ r: RunResult, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(r.status == 1, "status \(r.status): \(r.stderr)", sourceLocation: sourceLocation)
    #expect(r.stderr.contains(message), "\(r.stderr)", sourceLocation: sourceLocation)
    #expect(r.stderr.split(separator: "\n").count == 1 && !r.stderr.contains("Fatal error"), "\(r.stderr)", sourceLocation: sourceLocation)
}

@Suite(.serialized) struct ReliabilityTests {
    // 1. A weights file whose tensor claims [2³²−1, 2³²−1, 0]: refused, not multiplied out.
    @Test func diffRefusesATensorOfImpossibleShape() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        var bytes = Array("LSNW".utf8)
        for v: UInt32 in [1, 1] { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        bytes += Array("x".utf8)
        for v: UInt32 in [1, 3, 0xFFFF_FFFF, 0xFFFF_FFFF, 0] { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        #expect(bytes.count == 33)
        for run in ["a", "b"] {
            let folder = dir.appendingPathComponent(run)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data(bytes).write(to: folder.appendingPathComponent("weights.lnw"))
            try runJSON(files: ["weights.lnw"], weights: "weights.lnw").write(to: folder.appendingPathComponent("run.json"))
        }
        let r = try runLesson(["diff", dir.appendingPathComponent("a").path, dir.appendingPathComponent("b").path])
        expectOneLineError(r, "weights.lnw: a tensor of impossible shape [4294967295, 4294967295, 0]; the file is damaged.")
        #expect(throws: WeightsFile.FormatError.self) { try WeightsFile.read(bytes, name: "w") }
    }

    /// Issue 36, item 7: lesson diff does not trust a run.json. A setting holding an escape sequence is
    /// printed escaped, a weights file named outside the run's folder is not followed, a damaged run.json
    /// is described in words, and two runs of one file on different engines are told apart.
    @Test func diffDoesNotTrustRunJSON() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        func run(_ name: String, _ json: String) throws -> String {
            let folder = dir.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data(json.utf8).write(to: folder.appendingPathComponent("run.json"))
            return folder.path
        }
        let plain = String(decoding: runJSON(files: []), as: UTF8.self)
        let a = try run("a", plain)
        let evil = try run("evil", plain.replacingOccurrences(of: "\"settings\": {}", with: "\"settings\": {\"clip\": \"0.5\\u001b[2J\\u001b[H evil\"}"))
        let shown = try runLesson(["diff", a, evil])
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(!shown.stdout.contains("\u{1B}") && shown.stdout.contains("0.5\\u{1B}[2J\\u{1B}[H evil"), "\(shown.stdout.debugDescription)")
        let outside = try run("outside", String(decoding: runJSON(files: [], weights: "../../../../etc/passwd"), as: UTF8.self))
        let inside = try run("inside", String(decoding: runJSON(files: [], weights: "weights.lnw"), as: UTF8.self))
        expectOneLineError(try runLesson(["diff", inside, outside]), "names the weights file \"../../../../etc/passwd\", which is not a file in the run's folder")
        let cut = try run("cut", String(plain.prefix(60)))
        expectOneLineError(try runLesson(["diff", a, cut]), "not a run.json written by lesson: it is not JSON (damaged, or cut short).")
        let missing = try run("missing", plain.replacingOccurrences(of: "\"engine\": \"cnn\", ", with: ""))
        expectOneLineError(try runLesson(["diff", a, missing]), "not a run.json written by lesson: the field engine is missing.")
        let wrongType = try run("wrong-type", plain.replacingOccurrences(of: "\"format\": 1", with: "\"format\": \"one\""))
        expectOneLineError(try runLesson(["diff", a, wrongType]), "the field format holds the wrong kind of value")
        let engine = try run("engine", plain.replacingOccurrences(of: "\"engine\": \"cnn\"", with: "\"engine\": \"letters\""))
        expectOneLineError(try runLesson(["diff", a, engine]), "both ran 03-cnn.md, but with different engines (cnn and letters)")
    }

    /// Issue 36, item 2: files read whole are measured first. A weights file larger than the network's
    /// weights, a lesson file of 3 GB (sparse: no disk is used), a FIFO given as weights: each a one-line
    /// error, at once, with nothing read.
    @Test func filesTooLargeForTheirKindAreRefusedBeforeReading() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        func sparse(_ name: String, _ size: Int, head: [UInt8] = []) throws -> URL {
            let url = dir.appendingPathComponent(name)
            FileManager.default.createFile(atPath: url.path, contents: Data(head))
            let h = try FileHandle(forWritingTo: url)
            try h.truncate(atOffset: UInt64(size))
            try h.close()
            return url
        }
        let huge = 3 << 30
        let weights = try sparse("big.lnw", huge, head: Array("LSNW".utf8) + [1, 0, 0, 0])
        let started = Date()
        expectOneLineError(try runLesson(["run", "3", "--weights", weights.path, "--stop-at", "load-data", "--out", dir.appendingPathComponent("o").path]),
                           "--weights \(weights.path): \(huge) bytes, more than ")
        let lesson = try sparse("big.md", huge, head: Array("# Big\n".utf8))
        expectOneLineError(try runLesson(["steps", lesson.path]), "big.md: \(huge) bytes, more than \(16 << 20) (a lesson file is text")
        #expect(Date().timeIntervalSince(started) < 20, "refused without reading")
        let fifo = dir.appendingPathComponent("fifo.lnw")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        expectOneLineError(try runLesson(["run", "3", "--weights", fifo.path, "--stop-at", "load-data", "--out", dir.appendingPathComponent("o").path]),
                           "not a regular file (a folder, a pipe or a device)")
        // diff: a run whose weights.lnw is 3 GB.
        for run in ["a", "b"] {
            let folder = dir.appendingPathComponent(run)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try runJSON(files: ["weights.lnw"], weights: "weights.lnw").write(to: folder.appendingPathComponent("run.json"))
        }
        _ = try sparse("a/weights.lnw", huge, head: Array("LSNW".utf8))
        _ = try sparse("b/weights.lnw", 100, head: Array("LSNW".utf8))
        expectOneLineError(try runLesson(["diff", dir.appendingPathComponent("a").path, dir.appendingPathComponent("b").path]),
                           "weights.lnw: \(huge) bytes, more than 1000000000")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("o").path), "nothing written")
    }

    // 2 and 3. Numbers in the network block that overflow the shape arithmetic, and networks too large to train.
    @Test(arguments: [
        ("conv1:   conv f=3 out=10 pad=0", "conv1:   conv f=3 out=1 pad=4611686018427387904", "conv1:", "layer conv1: pad=4611686018427387904 is too large; at most 1048576."),
        ("conv1:   conv f=3 out=10 pad=0", "conv1:   conv f=3 out=9223372036854775807 pad=0", "conv1:", "layer conv1: out=9223372036854775807 is too large; at most 1048576."),
        ("dense1:  dense out=100\n", "dense1:  dense out=1000000\n", "dense1:", "layer dense1: the network needs about 89.9 GB to train (batches of 512, float32), over the memory budget of 2 GB"),
        ("conv1:   conv f=3 out=10 pad=0", "conv1:   conv f=3 out=10 pad=100000", "dense1:", "layer dense1: the network needs about"),
        ("conv1:   conv f=3 out=10 pad=0", "conv1:   conv f=3 out=10 pad=0 pad=2", "conv1:", "layer conv1: pad is given twice; keep one."),
        // Issue 36, item 1: a softmax over fewer outputs than the digits, refused when the file is read.
        ("dense2:  dense out=10 lr=0.01", "dense2:  dense out=1 lr=0.01", "dense2:", "layer dense2 gives 1 output, but the softmax after it scores the 10 digits; make it `dense out=10`."),
    ])
    func networksThatCannotBeBuiltAreRefusedByLine(old: String, new: String, layerLine: String, message: String) throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = try editedLessonThree(dir, "big.md", old, new)
        let n = try line(of: layerLine, in: file)
        for command in [["steps", file.path], ["show", file.path], ["run", file.path, "--stop-at", "conv1.forward", "--out", dir.appendingPathComponent("o").path]] {
            expectOneLineError(try runLesson(command), "big.md:\(n): " + message)
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("o").path))
    }

    @Test func theMemoryBudgetCanBeRaised() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        // About 3.3 GB: over the 2 GB budget, within any machine that runs the suite.
        let file = try editedLessonThree(dir, "big.md", "dense1:  dense out=100\n", "dense1:  dense out=40000\n")
        let r = try runLesson(["run", file.path, "--set", "memory-budget=100", "--stop-at", "load-data", "--out", dir.appendingPathComponent("o").path])
        #expect(r.status == 0, "\(r.stderr)")
        // Issue 36, item 6: raised past what the machine has free (90 GB), it is refused before anything is
        // allocated, naming the layer's line, instead of aborting in the allocator mid-run.
        let tooBig = try editedLessonThree(dir, "huge.md", "dense1:  dense out=100\n", "dense1:  dense out=1000000\n")
        let n = try line(of: "dense1:", in: tooBig)
        let refused = try runLesson(["run", tooBig.path, "--set", "memory-budget=1000000", "--out", dir.appendingPathComponent("h").path])
        expectOneLineError(refused, "huge.md:\(n): layer dense1: the network needs about 89.9 GB to train (batches of 512, float32), but this machine has ")
        #expect(refused.stderr.contains(" GB free; make the layer smaller, lower --set batch=N, or close other programs."), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("h").path))
        // The machine's free memory as the kernel says it (MemAvailable and free swap, in kB).
        let meminfo = dir.appendingPathComponent("meminfo")
        try "MemTotal:       24000000 kB\nMemFree:         1000000 kB\nMemAvailable:   20000000 kB\nSwapFree:         500000 kB\n".write(to: meminfo, atomically: true, encoding: .utf8)
        #expect(SystemMemory.available(meminfo: meminfo.path) == 20_500_000 * 1024)
        #expect(SystemMemory.available(meminfo: dir.appendingPathComponent("none").path) == nil)
        // The shape arithmetic itself never traps, whatever a caller asks for.
        let huge = [LayerSpec(name: "c", kind: .conv(f: 3, out: 1, pad: Int.max / 2, stride: 1)), LayerSpec(name: "s", kind: .softmax)]
        guard case .failure(let e) = CNN.shapes(of: huge, input: [28, 28, 1]) else { Issue.record("accepted"); return }
        #expect(e.message.contains("too large"))
        let wide = [LayerSpec(name: "c", kind: .conv(f: 1, out: Int.max, pad: 0, stride: 1)), LayerSpec(name: "f", kind: .flatten), LayerSpec(name: "s", kind: .softmax)]
        guard case .failure(let e2) = CNN.shapes(of: wide, input: [28, 28, 1]) else { Issue.record("accepted"); return }
        #expect(e2.message.contains("more values than a number can count"))
    }

    // 4. A batch larger than the data: buffers for the images there are. The child's peak resident
    // memory (VmHWM, read from /proc while it runs) stays under 1 GB; the old sizing took 12 GB here.
    // (Not an address-space ulimit: AddressSanitizer builds reserve terabytes of shadow.)
    @Test func aBatchLargerThanTheDataTakesTheDatasMemory() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = Process()
        p.executableURL = lessonBinary
        p.arguments = ["run", "3", "--set", "batch=60000", "--set", "train-images=10", "--set", "test-images=10", "--epochs", "1",
                       "--stop-at", "train", "--quiet", "--out", dir.path]
        p.currentDirectoryURL = repositoryRoot
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        var peakKB = 0
        while p.isRunning {
            if let status = try? String(contentsOfFile: "/proc/\(p.processIdentifier)/status", encoding: .utf8),
               let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
               let kb = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) {
                peakKB = max(peakKB, kb)
            }
            usleep(20_000)
        }
        p.waitUntilExit()
        #expect(p.terminationStatus == 0 && p.terminationReason == .exit)
        #expect(peakKB > 0 && peakKB < 1_000_000, "peak resident memory \(peakKB) kB")
        // With all 60,000 images, the same batch is refused before anything runs.
        expectOneLineError(try runLesson(["run", "3", "--set", "batch=60000", "--stop-at", "load-data", "--out", dir.path]),
                           "the network needs about 4.68 GB to train (batches of 60000, float32), over the memory budget of 2 GB")
    }

    // 5. gzip: never trust the trailer; inflate no further than the IDX header reaches.
    @Test func gzipIsInflatedOnlyAsFarAsTheHeaderSays() throws {
        let header = idx(dims: [10, 28, 28], payload: [])
        let payload = [UInt8](repeating: 7, count: 10 * 784)
        // The trailer's size field set to FF FF FF FF: zlib's length check refuses it; nothing trusts it.
        var lying = gzip(header + payload)
        for k in 1...4 { lying[lying.count - k] = 0xFF }
        #expect(throws: DataError.self) { try Gzip.decompressIDX(lying, name: "f.gz") }
        // 64 MiB behind a header that says 7,840 bytes: an error once the header's size is passed.
        let bomb = gzip(header + payload + [UInt8](repeating: 0, count: 64 << 20))
        #expect(bomb.count < 200_000)
        let clock = ContinuousClock(), start = clock.now
        do { _ = try Gzip.decompressIDX(bomb, name: "f.gz"); Issue.record("accepted") } catch let e as DataError {
            #expect(e.description.contains("the payload is longer than the header says (10×28×28 = 7840 bytes)"), "\(e)")
        }
        #expect(clock.now - start < .seconds(2), "stopped early rather than inflating 64 MiB")
        // The limit holds for any caller: no more than asked, or an error.
        #expect(try Gzip.decompress(gzip(payload), name: "f.gz", limit: 100, prefixOnly: true) == Array(payload.prefix(100)))
        #expect(throws: DataError.self) { try Gzip.decompress(gzip(payload), name: "f.gz", limit: 100) }
        #expect(try Gzip.decompressIDX(gzip(header + payload), name: "f.gz").bytes == payload)
    }

    // 6. A lesson file saved on Windows: CRLF line endings and a byte-order mark.
    @Test func windowsLineEndingsAndAByteOrderMarkAreRead() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent("Lessons/02-letters.md"), encoding: .utf8)
        let windows = dir.appendingPathComponent("letters-crlf.md")
        try Data(("\u{FEFF}" + text.replacingOccurrences(of: "\n", with: "\r\n")).utf8).write(to: windows)
        let r = try runLesson(["run", windows.path, "--quiet", "--out", dir.appendingPathComponent("o").path])
        #expect(r.status == 0, "\(r.stderr)")
        // Line numbers in errors count CRLF lines as editors do.
        let bad = dir.appendingPathComponent("bad-crlf.md")
        try Data("# Bad\r\n\r\n```settings\r\nengine: letters\r\nepochs: 0\r\n```\r\n\r\n## One\r\n```step\r\ntrain\r\n```\r\n".utf8).write(to: bad)
        expectOneLineError(try runLesson(["steps", bad.path]), "bad-crlf.md:5: epochs must be between 1 and 100000, got 0")
    }

    // 7. Step arguments are checked when the file is read, with their line.
    @Test(arguments: [
        ("```step\ntrain\n```", "```step\ntrain bogus=1 epochs=3\n```", "train bogus=1", "unknown argument bogus=1; train takes no arguments (only name=…)."),
        ("forward layer=conv1 name=conv1.forward", "forward layer=nope name=conv1.forward", "forward layer=nope", "forward layer=nope: the ```network block has no such layer; use one of conv1,"),
        ("forward layer=conv1 name=conv1.forward", "forward name=conv1.forward", "forward name=", "forward needs layer=…; forward takes layer=…."),
        ("```step\ntrain\n```", "```step\ntrain name=a name=b\n```", "train name=a", "name is given twice; keep one."),
    ])
    func stepArgumentsAreCheckedWhenTheFileIsRead(old: String, new: String, stepLine: String, message: String) throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = try editedLessonThree(dir, "args.md", old, new)
        let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let n = try #require(lines.firstIndex { ($0 + "\n").hasPrefix(stepLine) }) + 1
        expectOneLineError(try runLesson(["steps", file.path]), "args.md:\(n): " + message)
        let r = try runLesson(["run", file.path, "--out", dir.appendingPathComponent("o").path])
        expectOneLineError(r, "args.md:\(n): " + message)
        #expect(r.stdout.isEmpty, "refused before any step ran")
    }

    // 9. Errors say what is wrong: a folder in the way, a full disk.
    @Test func aFolderInTheWayAndAFullDiskAreSaidInWords() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("run.json"), withIntermediateDirectories: true)
        let r = try runLesson(["run", "2", "--quiet", "--out", dir.path])
        expectOneLineError(r, "\(dir.path)/run.json: a folder of that name is in the way; move or rename it, or pass another --out folder.")
        #expect(!r.stderr.contains("NSCocoaErrorDomain"))
        let full = AtomicFile.explain(ENOSPC, writing: dir.appendingPathComponent("w.png"), needed: 3 << 20).description
        #expect(full.contains("w.png: the disk is full (the file needs 3.0 MB, ") && full.contains(" free); free some space or pass --out on another disk."), "\(full)")
        #expect(AtomicFile.explain(EACCES, writing: dir, needed: 1).description.contains("permission denied; pass a writable --out folder."))
    }

    // 10. Lesson 3 says when a --data folder has no SHA256SUMS, as lesson 1 does.
    @Test func lessonThreeSaysWhenChecksumsCannotBeChecked() throws {
        let data = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: data) }
        let source = repositoryRoot.appendingPathComponent("Lessons/data/mnist")
        for f in try FileManager.default.contentsOfDirectory(atPath: source.path) where f.hasSuffix(".gz") {
            try FileManager.default.copyItem(at: source.appendingPathComponent(f), to: data.appendingPathComponent(f))
        }
        let r = try runLesson(["run", "3", "--data", data.path, "--stop-at", "load-data", "--out", data.appendingPathComponent("o").path])
        #expect(r.status == 0, "\(r.stderr)")
        // The folder's path is long and its length varies (it holds the process id): where the line
        // wraps varies with it, so the phrase is looked for with the wrapping undone.
        let unwrapped = r.stdout.replacingOccurrences(of: "\n  ", with: " ")
        #expect(unwrapped.contains("(no SHA256SUMS there: checksums not verified)"), "\(r.stdout)")
        let shipped = try runLesson(["run", "3", "--stop-at", "load-data", "--out", data.appendingPathComponent("p").path])
        #expect(shipped.stdout.contains("(SHA-256 checksums verified)"))
    }

    // 11 and 12. Ctrl-C in a step that is not training; the folder then describes the interrupted run,
    // holds none of the previous run's files, keeps the user's own file and this run's input.
    @Test func ctrlCStopsAnyStepAndTheFolderDescribesThatRun() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        // A previous complete run's files, a user's note, this run's weights, a killed write's leftover.
        var rng = RandomState(seed: 0)
        let net = try CNN(specs: try tutorialSpecs(), inputShape: [28, 28, 1], seed: 100, rng: &rng)
        try Data(WeightsFile.encode(net)).write(to: out.appendingPathComponent("weights.lnw"))
        for f in ["cost.png", "old-only.png"] { try Data("old".utf8).write(to: out.appendingPathComponent(f)) }
        try runJSON(files: ["cost.png", "old-only.png", "weights.lnw", "../escape.txt"], weights: "weights.lnw").write(to: out.appendingPathComponent("run.json"))
        try Data("mine".utf8).write(to: out.appendingPathComponent("notes.txt"))
        try Data("mine".utf8).write(to: dir.appendingPathComponent("escape.txt"))
        try Data("x".utf8).write(to: out.appendingPathComponent(".lesson-weights.lnw.999999999.tmp"))
        try Data("mine".utf8).write(to: out.appendingPathComponent(".x.999999999.tmp"))  // a user's: kept
        let live = ".lesson-cost.png.\(ProcessInfo.processInfo.processIdentifier).tmp"
        try Data("x".utf8).write(to: out.appendingPathComponent(live))

        let r = try runLesson(["run", "3", "--weights", out.appendingPathComponent("weights.lnw").path, "--out", out.path],
                              interruptWhen: "── Step 3/")
        #expect(r.status == 130, "\(r.stderr)")
        #expect(r.stderr.hasPrefix("lesson: interrupted "), "\(r.stderr)")
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: out.path))
        // Steps 1 and 2 wrote three pictures; step 3, stopped as it began, may have written its first (on a
        // loaded machine the signal can land after step 3's picture and stop step 4 before or after its).
        let written = files.subtracting(["run.json", "weights.lnw", "notes.txt", live, ".x.999999999.tmp"])
        let before: Set = ["traced-digit.png", "conv1-filters-before.png", "conv2-filters-before.png"]
        #expect(files.isSuperset(of: ["run.json", "weights.lnw", "notes.txt", live, ".x.999999999.tmp"]), "\(files.sorted())")
        #expect(written.isSuperset(of: before) && written.isSubset(of: before.union(["conv1-feature-maps-loaded.png", "pool1-feature-maps-loaded.png"])),
                "\(files.sorted())")
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("escape.txt").path), "names with a folder part are never followed")
        let record = try RunRecordFile.read(out.appendingPathComponent("run.json"))
        #expect(record.status?.hasPrefix("interrupted in step ") ?? false, "\(String(describing: record.status))")
        #expect(Set(record.files) == written && record.inputs == ["weights.lnw"], "\(record.files)")
    }

    /// Issue 36: the run.json found in an --out folder is read bounded, like every file: a pipe of that
    /// name is refused at once (before, the run waited on it for ever), and nothing is written.
    @Test func aPipeNamedRunJSONInTheOutFolderIsRefusedNotWaitedOn() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(mkfifo(dir.appendingPathComponent("run.json").path, 0o600) == 0)
        expectOneLineError(try runLesson(["run", "2", "--quiet", "--out", dir.path]),
                           "--out \(dir.path) holds a run.json that lesson did not write (or cannot read); move it, or pass another --out folder.")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["run.json"])
    }

    /// Issue 36, item 3: a folder with no run.json of ours, holding files with the names a run writes
    /// and temporary-looking files of the user's: the run stops before writing over any of them.
    @Test func theUsersFilesAreNeverWrittenOverOrDeleted() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let mine = ["letters.png", "index.html", "report.md", ".keep.123.tmp", ".x.99999999.tmp", "notes.txt"]
        for f in mine { try Data("mine \(f)".utf8).write(to: dir.appendingPathComponent(f)) }
        let before = snapshot(dir)
        expectOneLineError(try runLesson(["run", "2", "--report", "--out", dir.path]),
                           "lesson: error: \(dir.standardizedFileURL.path)/letters.png is already there, and no run of lesson wrote it; nothing was written over it. Move it, or pass another --out folder.")
        #expect(snapshot(dir) == before, "nothing written, nothing removed")
        // --out . holding the user's own loss.png: the run stops at the step that would write it, and its
        // run.json lists what it wrote before, so the next run clears those and keeps loss.png.
        let here = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: here) }
        try Data("my plot".utf8).write(to: here.appendingPathComponent("loss.png"))
        let r = try runLesson(["run", "2", "--quiet", "--out", "."], in: here)
        expectOneLineError(r, "/loss.png is already there, and no run of lesson wrote it")
        #expect(try String(contentsOf: here.appendingPathComponent("loss.png"), encoding: .utf8) == "my plot")
        let record = try RunRecordFile.read(here.appendingPathComponent("run.json"))
        #expect(record.status?.hasPrefix("failed in step") == true && record.files.contains("letters.png") && !record.files.contains("loss.png"), "\(record.files)")
        // Moved out of the way, the same command runs, and clears the failed run's files first.
        try FileManager.default.moveItem(at: here.appendingPathComponent("loss.png"), to: here.appendingPathComponent("my-loss.png"))
        #expect(try runLesson(["run", "2", "--quiet", "--out", "."], in: here).status == 0)
        #expect(try String(contentsOf: here.appendingPathComponent("my-loss.png"), encoding: .utf8) == "my plot")
    }

    @Test func aFolderWithSomeoneElsesRunJSONIsLeftAlone() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("{\"mine\": true}".utf8).write(to: dir.appendingPathComponent("run.json"))
        let before = snapshot(dir)
        expectOneLineError(try runLesson(["run", "2", "--quiet", "--out", dir.path]), "holds a run.json that lesson did not write (or cannot read); move it, or pass another --out folder.")
        #expect(snapshot(dir) == before)
    }

    @Test func aPartialRunGoesToAFolderOfItsOwnAndAnOverlongOutMakesNoFolders() throws {
        let cwd = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: cwd) }
        let r = try runLesson(["run", "2", "--stop-at", "show-data"], in: cwd, environment: ["LESSON_HOME": repositoryRoot.path])
        #expect(r.status == 0, "\(r.stderr)")
        let steps = cwd.appendingPathComponent("Output/lesson-2/steps")
        #expect(try FileManager.default.contentsOfDirectory(atPath: steps.path).sorted() == ["letters.png", "run.json"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: cwd.appendingPathComponent("Output/lesson-2").path) == ["steps"])
        // A path the system cannot take: refused before any folder is made.
        let long = cwd.appendingPathComponent(String(repeating: "d/", count: 2100) + "out").path
        expectOneLineError(try runLesson(["run", "2", "--quiet", "--out", long], in: cwd), "--out is too long (")
        #expect(!FileManager.default.fileExists(atPath: cwd.appendingPathComponent("d").path))
    }
}

/// Issue 36, poor list: output to a full device (/dev/full) is a failure said in one line, not exit 0.
@Test func outputToAFullDeviceIsAFailureNotASuccess() throws {
    let dir = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: dir) }
    for arguments in [["run", "2", "--quiet", "--out", dir.appendingPathComponent("quiet").path],
                      ["run", "2", "--out", dir.appendingPathComponent("full").path]] {
        let p = lessonProcess(arguments)
        let full = try #require(FileHandle(forWritingAtPath: "/dev/full"))
        let err = Pipe()
        p.standardOutput = full
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus != 0, "\(arguments): exit 0 with nothing written")
        #expect(text.contains("could not be written") || text.contains("could not write"), "\(text)")
        #expect(text.split(separator: "\n").count <= 2, "\(text)")
    }
}

/// Issue 36: two runs into one --out at once would leave a folder that describes neither; the second
/// is refused in one line while the first writes, and the first ends whole.
@Test func aSecondRunIntoABusyFolderIsRefused() throws {
    let dir = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("shared")
    let first = lessonProcess(["run", "3", "--epochs", "1", "--set", "train-images=6000", "--set", "test-images=500", "--quiet", "--out", out.path])
    first.standardOutput = FileHandle.nullDevice
    first.standardError = FileHandle.nullDevice
    first.standardInput = FileHandle.nullDevice
    try first.run()
    // Once the first run has written a file, the folder is its own.
    let deadline = Date().addingTimeInterval(120)
    while Date() < deadline, ((try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []).isEmpty { usleep(50_000) }
    let second = try runLesson(["run", "2", "--quiet", "--out", out.path])
    first.waitUntilExit()
    #expect(second.status == 1, "\(second.stderr)")
    #expect(second.stderr.contains("another lesson run is writing into this folder right now") && second.stderr.split(separator: "\n").count == 1, "\(second.stderr)")
    #expect(first.terminationStatus == 0)
    let record = try RunRecordFile.read(out.appendingPathComponent("run.json"))
    #expect(record.settings["epochs"] != nil && !record.files.contains("letters.png"), "the folder is the first run's alone: \(record.files)")
    // Once it has ended, the folder is free again.
    #expect(try runLesson(["run", "2", "--quiet", "--out", out.path]).status == 0)
}

/// Issue 36, poor list: lesson 3 on a data folder with fewer images than train-images says so, and its
/// run.json records the numbers it used, not the 60,000 it asked for.
@Test func aSmallDataFolderIsSaidAndRecordedAsUsed() throws {
    let dir = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: dir) }
    let data = try makeDataFolder(count: 40)
    defer { try? FileManager.default.removeItem(at: data) }
    let r = try runLesson(["run", "3", "--data", data.path, "--epochs", "1", "--set", "batch=16", "--to", "load-data", "--out", dir.path])
    #expect(r.status == 0, "\(r.stderr)")
    let text = r.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    #expect(text.contains("the data folder holds 40 training and 40 test images, fewer than the 60,000 and 10,000 asked for"), "\(text)")
    let record = try RunRecordFile.read(dir.appendingPathComponent("run.json"))
    #expect(record.settings["train-images"] == "40" && record.settings["test-images"] == "40", "\(record.settings)")
}

/// Issue 36, poor list: --out /proc (a folder that is there but takes no new files) was said to be
/// gone; the message now says what is wrong with it, and a folder that really is gone is still said so.
@Test func anOutFolderThatTakesNoFilesIsSaidAsSuch() throws {
    let r = try runLesson(["run", "2", "--quiet", "--out", "/proc"])
    #expect(r.status == 1, "\(r.stderr)")
    #expect(r.stderr.contains("the folder is there but takes no new files") || r.stderr.contains("not writable"), "\(r.stderr)")
    #expect(!r.stderr.contains("is gone"), "\(r.stderr)")
    let gone = AtomicFile.explain(ENOENT, writing: URL(fileURLWithPath: "/nonexistent-\(getpid())/x.png"), needed: 10)
    #expect(gone.description.contains("its folder is gone or is not a folder"))
}
