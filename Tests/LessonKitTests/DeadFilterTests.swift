// A dead filter is named in words: a conv filter whose ReLU output is 0 at every position of every test
// image, checked here against the readable network's own forward pass.
import Foundation
import Testing
@testable import LessonKit
import Datasets
import Network
import Numerics

@Suite(.serialized) struct DeadFilterTests {
    @Test func conv1sDeadFilterIsNamedAtInitialisation() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try runLesson(["run", "3", "--to", "init-weights", "--out", dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        // Which conv1 channels are 0 after ReLU for all 10,000 test images, from the seeded weights.
        var rng = RandomState(seed: 0)
        let net = try CNN(specs: try tutorialSpecs(), inputShape: [28, 28, 1], seed: 100, rng: &rng)
        let (te, _) = try MNIST.load(.test, from: repositoryRoot.appendingPathComponent("Lessons/data/mnist"))
        let test = ImageSet(pixels: te.pixels, labels: te.labels.map(Int.init), height: 28, width: 28)
        var largest = [Double](repeating: 0, count: 10)
        for start in stride(from: 0, to: test.count, by: 1000) {
            let a = net.forward(test.batch(Array(start..<min(test.count, start + 1000))[...])).outputs[1]  // relu1
            for (q, v) in a.storage.enumerated() { largest[q % 10] = max(largest[q % 10], v) }
        }
        let dead = largest.indices.filter { largest[$0] == 0 }
        #expect(!dead.isEmpty, "the tutorial's seed leaves a conv1 filter dead: \(largest)")
        let said = r.stdout.replacingOccurrences(of: "\n  ", with: " ")
        #expect(said.contains("Dead in conv1 (initial): filter\(dead.count == 1 ? "" : "s") [\(dead.map(String.init).joined(separator: " "))]"), "\(said)")
        #expect(said.contains("all 10,000 test images"))
        #expect(!said.contains("Dead in conv2"), "conv2 starts with every filter alive: \(said)")
    }
}
