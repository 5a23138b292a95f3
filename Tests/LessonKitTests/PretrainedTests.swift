// Issue 15, item 4: lesson 3's trained weights ship in Lessons/weights/, written by the program's own
// 50-epoch run; --pretrained loads them and reaches the accuracy recorded beside them.
import Foundation
import Testing

struct ShippedWeights: Decodable { let test_accuracy: Double; let epochs: Int }

@Suite(.serialized) struct PretrainedTests {
    @Test func pretrainedReachesTheRecordedAccuracyInSeconds() throws {
        let record = try JSONDecoder().decode(ShippedWeights.self,
                                              from: Data(contentsOf: repositoryRoot.appendingPathComponent("Lessons/weights/03-cnn.json")))
        #expect(record.epochs == 50)
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try runLesson(["run", "3", "--pretrained", "--from", "train", "--to", "evaluate", "--out", dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        let line = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("test accuracy: ") }, "\(r.stdout)")
        let fraction = line.split(separator: " ")[2].split(separator: "/").compactMap { Double($0) }
        let accuracy = fraction[0] / fraction[1]
        // Within 0.05 points: later speed work may change float32 rounding.
        #expect(abs(accuracy - record.test_accuracy) <= 0.0005, "\(line) vs \(record.test_accuracy)")
        #expect(r.stdout.contains("loaded trained weights from Lessons/weights/03-cnn.lnw"), "\(r.stdout)")
    }

    @Test func pretrainedIsRefusedWhereNoWeightsShip() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        for lesson in ["1", "2"] {
            let r = try runLesson(["run", lesson, "--pretrained", "--out", dir.path])
            #expect(r.status == 1 && r.stderr.contains("--pretrained does not apply to this lesson"), "\(r.stderr)")
            #expect(r.stdout.isEmpty)
        }
        let both = try runLesson(["run", "3", "--pretrained", "--weights", "x.lnw"])
        #expect(both.status != 0 && both.stderr.contains("use one"), "\(both.stderr)")
    }
}
