// The run says in words when training goes wrong (issue 34): a learning rate of 5 makes lesson 3's
// updates explode and then its loss diverge, 0.0001 makes them vanish within the first epoch, the
// tutorial's 0.1 says nothing; --quiet keeps the warnings and the epoch's health line. Lessons 1 and 2
// say the same of their own layers, by iteration and by epoch.
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
        let diverging = try #require(text.range(of: "Warning: the loss is diverging: in epoch 1, batch 2 the mean loss was"), "\(text)")
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

    /// What lesson `n` printed with `settings`, line breaks taken out.
    static func lesson(_ n: String, _ settings: [String], in dir: URL) throws -> (text: String, status: Int32) {
        let r = try runLesson(["run", n, "--quiet", "--out", dir.path] + settings.flatMap { ["--set", $0] })
        return (r.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " "), r.status)
    }

    @Test func lessonOneSaysItsUpdatesExplodeAndItsUnitsDieAtLearningRateTen() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let (text, status) = try Self.lesson("1", ["learning-rate=10", "iterations=200"], in: dir)
        #expect(status == 0, "\(text)")
        let exploding = try #require(text.range(of: "Warning: updates are exploding in output: at iteration 0,"), "\(text)")
        let diverging = try #require(text.range(of: "Warning: the loss is diverging: at iteration 1 the mean loss was"), "\(text)")
        let dead = try #require(text.range(of: "Warning: hidden's units are dying: at least 10 of its 10 gave 0 for every image on every iteration of iterations"), "\(text)")
        #expect(exploding.lowerBound < diverging.lowerBound && diverging.lowerBound < dead.lowerBound)
        #expect(text.contains("rand() - 0.5 can start a unit dead"), "lesson 1's own init advice")
        // Every unit dead: nothing moves any more, said as such (not as a ratio of 10^-300).
        #expect(text.contains("Warning: updates have stopped in hidden and output: for 10 iterations in a row"), "\(text)")
        #expect(text.contains("iterations 120-159 health: hidden unmoved dead 100% · output unmoved"), "\(text)")
        #expect(!text.contains("-300"))
        let record = try RunRecordFile.read(dir.appendingPathComponent("run.json"))
        #expect(record.summary.epochs.count == 200 && record.summary.epochs.last?["hidden.dead"] == 1)
        #expect(record.summary.epochs.first?["output.update_ratio"].map { $0 > 1 } == true)
    }

    @Test func lessonOneSaysItsUpdatesVanishAndTheTutorialsRateNothing() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let (small, status) = try Self.lesson("1", ["learning-rate=0.00001", "iterations=40"], in: dir.appendingPathComponent("small"))
        #expect(status == 0, "\(small)")
        #expect(small.contains("Warning: updates are vanishing in hidden and output: for 10 iterations in a row"), "\(small)")
        #expect(small.contains("e.g. --set learning-rate=0.0001."))
        let (tutorial, _) = try Self.lesson("1", [], in: dir.appendingPathComponent("tutorial"))
        #expect(!tutorial.contains("Warning"), "\(tutorial)")
        for block in ["0-99", "100-199", "200-299", "300-399", "400-499"] { #expect(tutorial.contains("iterations \(block) health: hidden -"), "\(block)") }
    }

    @Test func lessonTwoSaysItsUpdatesExplodeAndKeepsItsSaturatedUnits() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let (text, status) = try Self.lesson("2", ["learning-rate=100"], in: dir.appendingPathComponent("large"))
        #expect(status == 0, "\(text)")
        #expect(text.contains("Warning: updates are exploding in hidden and output: in epoch 1, one step moved"), "\(text)")
        #expect(text.contains("epochs 81-100 health: hidden -7.6 saturated 100% · output -4.3 saturated 100%"), "\(text)")
        let (tutorial, _) = try Self.lesson("2", [], in: dir.appendingPathComponent("tutorial"))
        #expect(!tutorial.contains("Warning"), "\(tutorial)")
        #expect(tutorial.contains("epochs 1-20 health: hidden -2.4 saturated 14% · output -1.7"), "\(tutorial)")
        let record = try RunRecordFile.read(dir.appendingPathComponent("tutorial/run.json"))
        #expect(record.summary.epochs.count == 100 && record.summary.epochs.allSatisfy { $0["hidden.saturated"] != nil && $0["output.update_ratio"] != nil })
        #expect(record.files.contains("health.png"))
    }
}
