// Seeded random-mutation fuzzing of every parser a user's bytes reach: the IDX reader, the gzip
// path, the lesson-file reader and the weights loader. Each input must be accepted or rejected with
// a thrown error; a crash or a trap fails the run, an input that takes over 2 s fails its test, and
// one that runs for 10 s is a hang: a watchdog saves it and ends the test run. What a target accepts must also be what the format says: accepted
// inputs re-serialise to the same bytes (IDX, weights), match their own checksums (gzip) or point
// their line numbers at what they read (lesson files). Iterations: LESSON_FUZZ_ITERATIONS
// (default 2,000 per target in the suite); the seed corpus is in Fixtures/fuzz-corpus, shared with
// the libFuzzer targets in Tests/Fuzz (`Tests/Fuzz/run`, a million inputs each under ASan).
//   LESSON_FUZZ_ITERATIONS=1000000 swift test -c release --filter FuzzTests
import Foundation
import Testing
@testable import Datasets
@testable import LessonKit
import Network
import Numerics

let fuzzIterations = Int(ProcessInfo.processInfo.environment["LESSON_FUZZ_ITERATIONS"] ?? "") ?? 2_000

/// Byte-level mutations: flips, overwrites with interesting values, inserts, deletes, truncation, splicing.
struct Mutator {
    var rng: RandomState
    init(seed: UInt32) { rng = RandomState(seed: seed) }
    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(rng.interval(UInt64(n - 1))) }
    mutating func mutate(_ input: [UInt8], corpus: [[UInt8]]) -> [UInt8] {
        var b = input
        for _ in 0...below(4) {
            switch below(7) {
            case 0 where !b.isEmpty: b[below(b.count)] ^= UInt8(1 << below(8))
            case 1 where !b.isEmpty: b[below(b.count)] = [0, 1, 0x7F, 0x80, 0xFF, 0x08, 0x0A, 0x23, 0x60][below(9)]
            case 2: b.insert(UInt8(below(256)), at: below(b.count + 1))
            case 3 where !b.isEmpty: b.remove(at: below(b.count))
            case 4 where !b.isEmpty: b.removeLast(below(b.count))
            case 5 where b.count >= 4:
                let at = below(b.count - 3)
                let v: [UInt8] = [[0, 0, 0, 0], [0xFF, 0xFF, 0xFF, 0xFF], [0x7F, 0xFF, 0xFF, 0xFF], [0, 0, 1, 0]][below(4)]
                b.replaceSubrange(at..<(at + 4), with: v)
            default:
                let other = corpus[below(corpus.count)]
                if !other.isEmpty { let cut = below(other.count); b = Array(b.prefix(below(b.count + 1))) + other[cut...] }
            }
        }
        return b
    }
}

struct FuzzOutcome {
    var accepted = 0, rejected = 0
    /// Accepted inputs that broke the format's own rule (see each target), with the first one's story.
    var inconsistent = 0, firstInconsistency = ""
    var slowest = Duration.zero
}

/// Runs `body` on mutated inputs. `body` returns nil for an input it accepted as the format says it
/// should, or a sentence saying how the accepted result contradicts the input; it throws to reject.
func fuzz(_ name: String, corpus: [[UInt8]], seed: UInt32, _ body: ([UInt8]) throws -> String?) -> FuzzOutcome {
    var m = Mutator(seed: seed)
    var outcome = FuzzOutcome()
    let clock = ContinuousClock()
    let watchdog = HangWatchdog(target: name)
    defer { watchdog.stop() }
    for i in 0..<fuzzIterations {
        let input = m.mutate(corpus[i % corpus.count], corpus: corpus)
        watchdog.started(input)
        let start = clock.now
        do {
            if let problem = try body(input) {
                if outcome.inconsistent == 0 { outcome.firstInconsistency = "input \(i) (\(input.count) bytes): \(problem)" }
                outcome.inconsistent += 1
            }
            outcome.accepted += 1
        } catch { outcome.rejected += 1 }
        outcome.slowest = max(outcome.slowest, clock.now - start)
    }
    print("fuzz \(name): \(fuzzIterations) inputs, \(outcome.accepted) accepted, \(outcome.rejected) rejected with an error, 0 crashes, slowest \(outcome.slowest)")
    return outcome
}

/// Watches the input under test from a thread of its own (so a busy test pool cannot delay it): an
/// input still running after 10 s is a hang, and the run ends with it saved, as libFuzzer's -timeout.
final class HangWatchdog: @unchecked Sendable {
    private let lock = NSLock()
    private var input: [UInt8] = [], since: ContinuousClock.Instant?, stopped = false
    private let clock = ContinuousClock()

    init(target: String) {
        let thread = Thread { [self] in
            while true {
                Thread.sleep(forTimeInterval: 0.5)
                lock.lock()
                if stopped { lock.unlock(); return }
                if let since, clock.now - since > .seconds(10) {
                    let file = FileManager.default.temporaryDirectory.appendingPathComponent("lesson-fuzz-hang-\(target.filter(\.isLetter)).bin")
                    try? Data(input).write(to: file)
                    fputs("fuzz \(target): an input ran for over 10 s (a hang); it is saved in \(file.path)\n", stderr)
                    exit(1)
                }
                lock.unlock()
            }
        }
        thread.start()
    }

    func started(_ input: [UInt8]) { lock.lock(); self.input = input; since = clock.now; lock.unlock() }
    func stop() { lock.lock(); stopped = true; lock.unlock() }
}

/// What every target must show: some inputs of each kind, none inconsistent, none slow.
func expectSound(_ o: FuzzOutcome, acceptsSome: Bool = true, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(o.rejected > 0, "the mutations reach the reader's errors", sourceLocation: sourceLocation)
    if acceptsSome { #expect(o.accepted > 0, "some mutated inputs are still valid", sourceLocation: sourceLocation) }
    #expect(o.inconsistent == 0, "\(o.inconsistent) accepted inputs contradict the format; \(o.firstInconsistency)", sourceLocation: sourceLocation)
    #expect(o.slowest < .seconds(2), "one input took \(o.slowest): a hang in the making", sourceLocation: sourceLocation)
}

func corpusFiles(_ prefix: String) throws -> [[UInt8]] {
    let dir = try fixtureURL("fuzz-corpus")
    return try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted().filter { $0.hasPrefix(prefix) }
        .map { [UInt8](try Data(contentsOf: dir.appendingPathComponent($0))) }
}

@Test func fuzzIDXReader() throws {
    let corpus = try corpusFiles("idx-")
    #expect(!corpus.isEmpty)
    // An accepted file is exactly its header and payload: written back, it is the same bytes.
    let o = fuzz("IDX", corpus: corpus, seed: 1) { bytes in
        let a = try IDX.parse(bytes, name: "fuzz.idx")
        return idx(dims: a.dimensions, payload: a.bytes) == bytes ? nil : "dimensions \(a.dimensions) and \(a.bytes.count) bytes re-serialise differently"
    }
    expectSound(o)
}

@Test func fuzzGzipPath() throws {
    let corpus = try corpusFiles("gz-")
    #expect(!corpus.isEmpty)
    // An accepted file decodes to what gzip(1) makes of it, and gzip(1) accepts it whole: no trailing
    // junk, every member's CRC-32 and length as its trailer states.
    let o = fuzz("gzip+IDX", corpus: corpus, seed: 2) { bytes in
        let out = try Gzip.decompress(bytes, name: "fuzz.gz")
        _ = try IDX.parse(out, name: "fuzz.gz")
        let reference = try gunzipWithGzipTool(bytes)
        guard reference.status == 0 else { return "gzip -dc exits \(reference.status): \(reference.stderr)" }
        return reference.output == out ? nil : "\(out.count) bytes out, gzip -dc gives \(reference.output.count)"
    }
    expectSound(o)
}

/// `gzip -dc` on `bytes`: the independent decoder the gzip target is checked against.
func gunzipWithGzipTool(_ bytes: [UInt8]) throws -> (status: Int32, output: [UInt8], stderr: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/gzip")
    p.arguments = ["-dc"]
    let input = Pipe(), output = Pipe(), errors = Pipe()
    p.standardInput = input; p.standardOutput = output; p.standardError = errors
    try p.run()
    DispatchQueue.global().async { input.fileHandleForWriting.write(Data(bytes)); try? input.fileHandleForWriting.close() }
    let out = output.fileHandleForReading.readDataToEndOfFile()
    let err = errors.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, [UInt8](out), String(decoding: err, as: UTF8.self))
}

@Test func fuzzLessonFileReader() throws {
    let corpus = try corpusFiles("lesson-")
    #expect(!corpus.isEmpty)
    // Every setting and step of an accepted file carries the number of the line it was read from.
    let o = fuzz("lesson file", corpus: corpus, seed: 3) { bytes in
        guard let text = String(validating: bytes, as: UTF8.self) else { throw LessonError("not UTF-8") }
        let file = try LessonFile.parse(text, path: "fuzz.md")
        let (engine, _) = try LessonRunner.prepare(file)
        if engine == CNNEngine.self { _ = try NetworkBlock.parse(file.blocks["network"] ?? [], file: "fuzz.md", input: [28, 28, 1]) }
        // Lines as editors count them: CRLF, LF and a lone CR each end one.
        let lines = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .split(separator: "\n", omittingEmptySubsequences: false)
        func line(_ n: Int) -> Substring? { n >= 1 && n <= lines.count ? lines[n - 1] : nil }
        for s in file.settings where !(line(s.line)?.contains(s.key) ?? false) { return "setting \(s.key) is said to be on line \(s.line)" }
        for s in file.steps where !(line(s.line)?.contains(s.action) ?? false) { return "step \(s.action) is said to be on line \(s.line)" }
        return nil
    }
    expectSound(o)
}

@Test func fuzzWeightsLoader() throws {
    let corpus = try corpusFiles("weights-")
    #expect(!corpus.isEmpty)
    var rng = RandomState(seed: 0)
    let net = try CNN(specs: [LayerSpec(name: "c", kind: .conv(f: 3, out: 2, pad: 0, stride: 1)), LayerSpec(name: "r", kind: .relu),
                              LayerSpec(name: "f", kind: .flatten), LayerSpec(name: "d", kind: .dense(out: 10)), LayerSpec(name: "s", kind: .softmax)],
                      inputShape: [28, 28, 1], seed: 100, rng: &rng)
    // An accepted file holds exactly the network's tensors: encoded again, it is the same bytes.
    let o = fuzz("weights", corpus: corpus, seed: 4) { bytes in
        var loaded = net
        loaded.parameters = try WeightsFile.decode(bytes, for: net, name: "fuzz.lnw")
        return WeightsFile.encode(loaded) == bytes ? nil : "the decoded tensors re-encode to other bytes"
    }
    expectSound(o)
}

/// Structure-aware, as Tests/Fuzz's FuzzNetworkBlock: network blocks whose numbers are the ones
/// that break arithmetic (0, 2³²−1, 2⁶², Int.max, ...). Each must be refused with an error naming a
/// line of the block, or accepted with a memory estimate within the budget; none may trap.
@Test func fuzzNetworkBlockNumbers() throws {
    var rng = RandomState(seed: 5)
    func below(_ n: Int) -> Int { Int(rng.interval(UInt64(n - 1))) }
    let edges = [0, 1, 2, 3, 5, 28, 255, 1 << 20, (1 << 20) + 1, (1 << 32) - 1, 1 << 62, Int.max]
    func number() -> Int { below(3) == 0 ? edges[below(edges.count)] : below(40) }
    let kinds = LayerKinds.all.filter { $0.keyword != "softmax" }
    var accepted = 0, refused = 0
    for _ in 0..<fuzzIterations {
        var layers = [String]()
        for i in 0..<(1 + below(8)) {
            // Every kind a network block may name but softmax (which ends every block here), with all its keys.
            let kind = kinds[below(kinds.count)]
            layers.append("l\(i): \(kind.keyword)" + kind.keys.map { " \($0.name)=\(number())" }.joined())
        }
        // Mostly a 10-way layer before the softmax, as the digits need (a block without one is refused).
        if below(4) != 0 { layers.append("lo: dense out=10") }
        layers.append("sm: softmax")
        let text = "# F\n\n```settings\nengine: cnn\nbatch: \(1 + number() % 60_000)\n```\n\n```network\n\(layers.joined(separator: "\n"))\n```\n\n## S\n```step\ntrain\n```\n"
        do {
            _ = try LessonRunner.prepare(try LessonFile.parse(text, path: "f.md"))
            accepted += 1
        } catch {
            refused += 1
            // The block's layers are lines 9 onwards of the file.
            let message = "\(error)"
            let line = message.split(separator: ":").dropFirst().first.flatMap { Int($0) } ?? 0
            #expect((9..<(9 + layers.count)).contains(line) && message.contains(": layer "), "\(message)\n\(text)")
        }
    }
    print("fuzz network block: \(fuzzIterations) inputs, \(accepted) accepted, \(refused) refused with an error, 0 crashes")
    #expect(accepted > 0 && refused > 0)
}

@Test func fuzzNpyReader() throws {
    let corpus = try corpusFiles("npy-")
    #expect(corpus.count >= 8)
    // An accepted array holds as many values as its shape says, and our own writer and reader give it back.
    let o = fuzz("npy", corpus: corpus, seed: 8) { bytes in
        let a = try NpyFile.decode(bytes, name: "fuzz.npy")
        guard a.values.count == a.shape.reduce(1, *) else { return "shape \(a.shape) with \(a.values.count) values" }
        let again = try NpyFile.decode(NpyFile.encode(a.tensor), name: "again.npy")
        return again.shape == a.shape && zip(again.values, a.values).allSatisfy({ $0.bitPattern == $1.bitPattern }) ? nil : "does not survive a write and read"
    }
    expectSound(o)
}
