// Seeded random-mutation fuzzing of every parser a user's bytes reach: the IDX reader, the gzip
// path, the lesson-file reader and the weights loader. Each input must be accepted or rejected with
// a thrown error; a crash, a trap or a hang fails the run. Iterations: LESSON_FUZZ_ITERATIONS
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

struct FuzzOutcome { var accepted = 0; var rejected = 0 }

func fuzz(_ name: String, corpus: [[UInt8]], seed: UInt32, _ body: ([UInt8]) throws -> Void) -> FuzzOutcome {
    var m = Mutator(seed: seed)
    var outcome = FuzzOutcome()
    for i in 0..<fuzzIterations {
        let input = m.mutate(corpus[i % corpus.count], corpus: corpus)
        do { try body(input); outcome.accepted += 1 } catch { outcome.rejected += 1 }
    }
    print("fuzz \(name): \(fuzzIterations) inputs, \(outcome.accepted) accepted, \(outcome.rejected) rejected with an error, 0 crashes")
    return outcome
}

func corpusFiles(_ prefix: String) throws -> [[UInt8]] {
    let dir = try fixtureURL("fuzz-corpus")
    return try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted().filter { $0.hasPrefix(prefix) }
        .map { [UInt8](try Data(contentsOf: dir.appendingPathComponent($0))) }
}

@Test func fuzzIDXReader() throws {
    let corpus = try corpusFiles("idx-")
    #expect(!corpus.isEmpty)
    let o = fuzz("IDX", corpus: corpus, seed: 1) { _ = try IDX.parse($0, name: "fuzz.idx") }
    #expect(o.accepted + o.rejected == fuzzIterations)
}

@Test func fuzzGzipPath() throws {
    let corpus = try corpusFiles("gz-")
    #expect(!corpus.isEmpty)
    let o = fuzz("gzip+IDX", corpus: corpus, seed: 2) { _ = try IDX.parse(try Gzip.decompress($0, name: "fuzz.gz"), name: "fuzz.gz") }
    #expect(o.rejected > 0)
}

@Test func fuzzLessonFileReader() throws {
    let corpus = try corpusFiles("lesson-")
    #expect(!corpus.isEmpty)
    let o = fuzz("lesson file", corpus: corpus, seed: 3) { bytes in
        guard let text = String(validating: bytes, as: UTF8.self) else { throw LessonError("not UTF-8") }
        let file = try LessonFile.parse(text, path: "fuzz.md")
        let (engine, _) = try LessonRunner.prepare(file)
        if engine == CNNEngine.self { _ = try NetworkBlock.parse(file.blocks["network"] ?? [], file: "fuzz.md", input: [28, 28, 1]) }
    }
    #expect(o.accepted > 0 && o.rejected > 0)
}

@Test func fuzzWeightsLoader() throws {
    let corpus = try corpusFiles("weights-")
    #expect(!corpus.isEmpty)
    var rng = RandomState(seed: 0)
    let net = try CNN(specs: [LayerSpec(name: "c", kind: .conv(f: 3, out: 2, pad: 0, stride: 1)), LayerSpec(name: "r", kind: .relu),
                              LayerSpec(name: "f", kind: .flatten), LayerSpec(name: "d", kind: .dense(out: 10)), LayerSpec(name: "s", kind: .softmax)],
                      inputShape: [28, 28, 1], seed: 100, rng: &rng)
    let o = fuzz("weights", corpus: corpus, seed: 4) { _ = try WeightsFile.decode($0, for: net, name: "fuzz.lnw") }
    #expect(o.rejected > 0)
}
