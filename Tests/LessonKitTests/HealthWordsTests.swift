// The run says in words when training goes wrong (issue 34): a learning rate of 5 makes lesson 3's
// updates explode and then its loss diverge, 0.0001 makes them vanish within the first epoch, the
// tutorial's 0.1 says nothing; --quiet keeps the warnings and the epoch's health line.
import Foundation
import Testing
import TestSupport
@testable import LessonKit

@Suite(.serialized) struct HealthWordsTests {
    static let short = ["--quiet", "--epochs", "1", "--set", "train-images=6000", "--set", "test-images=500"]

    /// What a run printed, its line breaks (wrapping at 80 columns) taken out.
    static func said(_ learningRate: String, in dir: URL) throws -> (text: String, status: Int32) {
        let r = try runLesson(["run", "3"] + short + ["--set", "learning-rate=" + learningRate, "--out", dir.path])
        return (r.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " "), r.status)
    }

    @Test func aLearningRateOfFiveWarnsOfExplodingUpdatesBeforeTheLossDiverges() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let (text, status) = try Self.said("5", in: dir)
        #expect(status == 0, "\(text)")
        let exploding = try #require(text.range(of: "Warning: updates are exploding in conv2 and dense1: in epoch 1, batch 1,"), "\(text)")
        let diverging = try #require(text.range(of: "Warning: the loss is diverging: batch 2 of epoch 1"), "\(text)")
        #expect(exploding.lowerBound < diverging.lowerBound)
        #expect(text.contains("Try a smaller learning-rate (now 5), e.g. --set learning-rate=0.5."))
        // Each warning once: conv1 joins the exploding layers a batch later, in a warning of its own.
        #expect(text.components(separatedBy: "updates are exploding in").count == 3, "\(text)")
        #expect(text.components(separatedBy: "the loss is diverging").count == 2, "\(text)")
        #expect(text.contains("epoch 1 health: conv1 "))
    }

    @Test func aLearningRateOfOneTenThousandthWarnsOfVanishingUpdatesInTheFirstEpoch() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let (text, status) = try Self.said("0.0001", in: dir)
        #expect(status == 0, "\(text)")
        let vanishing = try #require(text.range(of: "Warning: updates are vanishing in conv1: for 10 batches in a row"), "\(text)")
        let epochLine = try #require(text.range(of: "epoch 1 health: conv1 -5."), "\(text)")
        #expect(vanishing.lowerBound < epochLine.lowerBound, "said within the first epoch, before its health line")
        #expect(text.contains("Try a larger learning-rate (now 0.0001), e.g. --set learning-rate=0.001."))
        #expect(!text.contains("exploding") && !text.contains("diverging"))
        // The figures behind the words are kept in run.json, per epoch and per batch.
        let record = try RunRecordFile.read(dir.appendingPathComponent("run.json"))
        let epoch = try #require(record.summary.epochs.first)
        let ratio = try #require(epoch["conv1.update_ratio"])
        #expect(ratio > 0 && ratio < 1e-5, "\(ratio)")
        #expect(epoch["conv1.dead"] != nil && epoch["dense2.dead"] == nil && epoch["dense2.update_ratio"] != nil)
        let batches = try #require(record.summary.batches)
        #expect(batches.count == 12 && batches.allSatisfy { $0["conv2.update_ratio"] != nil })
    }

    @Test func theTutorialsLearningRateSaysNothingIsWrong() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let (text, status) = try Self.said("0.1", in: dir)
        #expect(status == 0 && !text.contains("Warning"), "\(text)")
        #expect(text.contains("epoch 1 health: conv1 -"))
    }
}
