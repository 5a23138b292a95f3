// run.json: what a run was (lesson, every setting, seed, versions) and what it measured (figures
// per epoch or iteration, final figures), so `lesson diff` can set two runs side by side.
import Foundation
import Network
import Rendering

/// What an engine reports of its run; the runner adds the rest.
public struct RunSummary: Codable, Sendable {
    /// One entry per epoch (or iteration): figure name → value, from the stream's epoch records (the
    /// runner fills it; an engine's summary leaves it empty).
    public var epochs: [[String: Double]] = []
    /// Lesson 3: every mini-batch's mean cross-entropy, at its place in epochs (x), as cost.png draws it.
    public var batches: [[String: Double]]?
    /// Lesson 3's evaluation: every misread test digit (index, true, predicted, confidence, p_true),
    /// the most confidently misread first.
    public var misread: [[String: Double]]?
    /// Settings as the run could use them, where that differs from what was asked: lesson 3 on a data
    /// folder with fewer images than train-images trains on those it has. run.json records these.
    public var settingsUsed: [String: String]?
    /// The run's final figures: loss, accuracies, clip counts.
    public var final: [String: Double] = [:]
    /// Trained weights the run wrote, as a name in the output folder.
    public var weightsFile: String?
    public init() {}
}

public struct RunRecord: Codable, Sendable {
    public static let formatVersion = 1
    public var format = RunRecord.formatVersion
    public var lesson: String
    public var file: String
    public var engine: String
    /// Every setting in effect, defaults and overrides included.
    public var settings: [String: String]
    public var steps: [String]
    public var versions: [String: String]
    public var summary: RunSummary
    /// "complete", "partial: steps 3-5 of 21", "interrupted in step 17 (train)" or "failed in step …".
    public var status: String?
    /// The files this run wrote into its folder (run.json aside): what the next run there removes.
    public var files: [String]?
    /// Files in the folder that this run read and did not write (e.g. --weights weights.lnw).
    public var inputs: [String]?
    /// Every quantity the steps showed, as the views showed it.
    public var quantities: [ShownQuantity]?
    /// Every worked sum the steps showed, term by term.
    public var sums: [ShownSum]?
    /// `--quiz`: every question asked (or printed on the worksheet), its value, the answer and the score.
    public var quiz: QuizSummary?

    public static let fileName = "run.json"

    public func write(to folder: URL) throws -> URL {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let url = folder.appendingPathComponent(Self.fileName)
        try AtomicFile.write(try encoder.encode(self) + Data("\n".utf8), to: url)
        return url
    }

    /// A run.json, or the run.json inside a folder; errors name the path and what to pass instead.
    public static func load(_ path: String) throws -> (record: RunRecord, folder: URL) {
        var url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw LessonError("\(path): no such file or folder; pass a run.json or the --out folder of a run.")
        }
        if isDirectory.boolValue { url.appendPathComponent(fileName) }
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw LessonError("\(url.path): no run.json here; pass the --out folder of a finished run (runs write run.json at the end).")
        }
        // A run.json is a few hundred kilobytes (lesson 1 keeps 500 iterations); a file far larger, or a
        // pipe or device of that name, is not one, and is not read.
        let bytes = try BoundedRead.bytes(url, limit: maxBytes, what: url.path, why: "a run.json is a few hundred kilobytes; pass the run.json a lesson run wrote")
        do {
            let record = try decode(bytes)
            guard record.format == formatVersion else {
                throw LessonError("\(url.path): run.json format \(record.format); this program reads format \(formatVersion).")
            }
            return (record, url.deletingLastPathComponent())
        } catch let e as LessonError { throw e } catch let e as DecodingError {
            throw LessonError("\(url.path): not a run.json written by lesson: \(describe(e)).")
        } catch {
            throw LessonError("\(url.path): not a run.json written by lesson.")
        }
    }

    /// A run.json's bytes decoded where they lie (a Data over them, not a copy).
    static func decode(_ bytes: [UInt8]) throws -> RunRecord {
        try bytes.withUnsafeBytes { raw in
            let data = raw.baseAddress.map { Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: $0), count: raw.count, deallocator: .none) } ?? Data()
            return try JSONDecoder().decode(RunRecord.self, from: data)
        }
    }

    /// The largest run.json read.
    static let maxBytes = 64 << 20

    /// What is wrong with a damaged run.json, in words (not Foundation's).
    static func describe(_ e: DecodingError) -> String {
        func path(_ c: DecodingError.Context) -> String {
            c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined().drop { $0 == "." }.description
        }
        switch e {
        case .dataCorrupted(let c) where c.codingPath.isEmpty: return "it is not JSON (damaged, or cut short)"
        case .dataCorrupted(let c): return "the field \(path(c)) holds a value it cannot hold"
        case .keyNotFound(let key, let c): return "the field \(c.codingPath.isEmpty ? key.stringValue : path(c) + "." + key.stringValue) is missing"
        case .typeMismatch(_, let c), .valueNotFound(_, let c): return "the field \(path(c)) holds the wrong kind of value"
        @unknown default: return "it does not hold what a run.json holds"
        }
    }
}

/// An epoch as run.json keeps it: the figure names are written by the engine's summary and read back
/// when a `--weights` run takes the training history from the run.json beside its weights.
extension EpochRecord {
    var figures: [String: Double] {
        ["epoch": Double(epoch), "cost": cost, "train_accuracy": trainAccuracy, "test_accuracy": testAccuracy,
         "clipped_entries": Double(clippedEntries), "clipped_updates": Double(clippedUpdates), "updates": Double(updates)]
    }

    /// nil when a figure is missing (run.json keeps no timings, so `seconds` is 0).
    init?(figures f: [String: Double]) {
        guard let epoch = f["epoch"], let cost = f["cost"], let train = f["train_accuracy"], let test = f["test_accuracy"],
              let entries = f["clipped_entries"], let clipped = f["clipped_updates"], let updates = f["updates"] else { return nil }
        self.init(epoch: Int(epoch), cost: cost, trainAccuracy: train, testAccuracy: test, clippedEntries: Int(entries),
                  clippedUpdates: Int(clipped), updates: Int(updates), seconds: 0)
    }
}
