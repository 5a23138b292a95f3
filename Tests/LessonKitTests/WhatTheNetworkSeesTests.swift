// Issue 35: what the trained network sees. Each filter's favourite patches are the top of its response
// computed another way (the naive readable layers, and the filter's sum over the patch's own pixels);
// the class scores' pixel gradients agree with finite differences; a confusion cell's digits are
// exactly the test images with that true and predicted label.
import Foundation
import Testing
@testable import LessonKit
import Datasets
import Network
import Numerics
import Training

/// Lesson 3's network with the shipped weights, and the first `images` test digits.
private func shippedNetwork(testImages images: Int) throws -> (CNN, ImageSet) {
    let file = try LessonFile.load(repositoryRoot.appendingPathComponent("Lessons/03-cnn.md"))
    let specs = try NetworkBlock.parse(file.blocks["network"]!, file: file.path, input: [28, 28, 1])
    var rng = RandomState(seed: 100)
    var net = try CNN(specs: specs, inputShape: [28, 28, 1], seed: 100, rng: &rng)
    let bytes = [UInt8](try Data(contentsOf: repositoryRoot.appendingPathComponent("Lessons/weights/03-cnn.lnw")))
    net.parameters = try WeightsFile.decode(bytes, for: net, name: "03-cnn.lnw")
    let (te, _) = try MNIST.load(.test, from: repositoryRoot.appendingPathComponent("Lessons/data/mnist"))
    let set = ImageSet(pixels: Array(te.pixels.prefix(images * 784)), labels: te.labels.prefix(images).map(Int.init), height: 28, width: 28)
    return (net, set)
}

@Suite(.serialized) struct WhatTheNetworkSeesTests {
    @Test func favouritePatchesAreTheTopResponsesWorkedOutAnotherWay() throws {
        let (net, set) = try shippedNetwork(testImages: 300)
        for layer in [0, 3] {  // conv1 (3×3 patches) and conv2 (12×12 through the pool)
            let fast = FavouritePatches.find(net, layer: layer, images: set, batch: 128)
            let naive = FavouritePatches.find(net, layer: layer, images: set, batch: 50, naive: true)
            #expect(fast.count == (layer == 0 ? 10 : 16))
            for (k, (a, b)) in zip(fast, naive).enumerated() {
                #expect(a.map(\.image) == b.map(\.image) && a.map(\.row) == b.map(\.row) && a.map(\.column) == b.map(\.column), "layer \(layer) filter \(k)")
                for (p, q) in zip(a, b) { #expect(abs(p.activation - q.activation) <= 1e-9 * max(1, abs(q.activation))) }
                // Strongest first, and no patch twice.
                #expect(zip(a, a.dropFirst()).allSatisfy { $0.activation >= $1.activation })
                #expect(Set(a.map(\.pixels)).count == a.count)
            }
        }
        // conv1: a patch's response is the filter over the patch's own pixels plus the bias, so each
        // favourite is where the picture says it is; and no 3×3 patch of any image responds more than
        // the ninth favourite unless it is one of the nine (or the same pixels as one).
        let conv = try #require(net.layers[0] as? Conv2D)
        let best = FavouritePatches.find(net, layer: 0, images: set)
        for (k, patches) in best.enumerated() {
            func response(_ px: [UInt8]) -> Double {
                (0..<9).reduce(conv.bias.storage[k]) { $0 + conv.weights.storage[k * 9 + $1] * Double(px[$1]) / 255 }
            }
            for p in patches { #expect(abs(response(p.pixels) - p.activation) <= 1e-9, "filter \(k): \(p)") }
            let ninth = patches.last!.activation
            for n in 0..<set.labels.count {
                for i in 0..<26 { for j in 0..<26 {
                    let px = (0..<9).map { set.pixels[n * 784 + (i + $0 / 3) * 28 + j + $0 % 3] }
                    if response(px) > ninth + 1e-9 { #expect(patches.contains { $0.pixels == px }, "filter \(k): image \(n) at \(i),\(j)") }
                } }
            }
        }
    }

    @Test func classScoreGradientsAgreeWithFiniteDifferences() throws {
        let (net, set) = try shippedNetwork(testImages: 10)
        let x = set.batch([3][...])
        let (scores, _, gradients) = net.scoreGradients(x, classes: [0, 5, 9])
        // The pixels where each gradient is largest, and two others.
        for (c, k) in [0, 5, 9].enumerated() {
            let g = gradients[c].storage
            let largest = g.indices.max { abs(g[$0]) < abs(g[$1]) }!
            for pixel in [largest, 300, 410] {
                let h = 1e-5
                var up = x, down = x
                up.storage[pixel] += h; down.storage[pixel] -= h
                let s = net.scoresLayer
                let numerical = (net.outputs(up, through: s)[s].storage[k] - net.outputs(down, through: s)[s].storage[k]) / (2 * h)
                let relative = abs(numerical - g[pixel]) / max(1e-12, abs(numerical) + abs(g[pixel]))
                #expect(relative < 1e-6 || abs(numerical - g[pixel]) < 1e-10, "score \(k), pixel \(pixel): \(g[pixel]) vs \(numerical)")
            }
            #expect(scores.count == 10)
        }
    }

    @Test func aConfusionCellIsExactlyItsTestImages() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try runLesson(["run", "3", "--pretrained", "--from", "evaluate", "--to", "confusion-cell", "--show-confusion", "4,9",
                               "--set", "test-images=3000", "--out", dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        // The evaluation's own list of misread digits (run.json keeps every one): those true 4, read 9.
        let record = try RunRecordFile.read(dir.appendingPathComponent("run.json"))
        let misread: [[String: Double]] = try #require(record.summary.misread)
        let cell = misread.filter { (m: [String: Double]) -> Bool in m["true"] == 4 && m["predicted"] == 9 }
        let expected: [Int] = cell.map { Int($0["index"] ?? -1) }
        #expect(!expected.isEmpty)
        // ... and worked out apart from it: the labels, and the fast path's predictions on those images.
        let (net, set) = try shippedNetwork(testImages: 3000)
        let predictions = CNNTrainer(net, precision: .float32, batchSize: 512).evaluate(set).predictions
        #expect(Set(expected) == Set(set.labels.indices.filter { set.labels[$0] == 4 && predictions[$0] == 9 }))
        #expect(r.stdout.contains("true 4 read as 9: \(expected.count) test image"), "\(r.stdout)")
        // The table lists them (up to 10), most confident first, as the evaluation ranked them.
        let listed = r.stdout.split(separator: "\n").compactMap { line -> Int? in
            let cells = line.split(separator: " ")
            return cells.count == 3 && cells[1].contains(".") && cells[2].contains("e") ? Int(cells[0]) : nil
        }
        #expect(listed == Array(expected.prefix(10)), "\(listed) vs \(expected)")
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("confusion-4-9.png").path))
        // The evaluation names the three largest cells and draws their digits.
        #expect(r.stdout.contains("the cells off the diagonal with the most test digits: true "), "\(r.stdout)")
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("confusions.png").path))
        // A cell that is no cell: one line, before anything runs.
        let bad = try runLesson(["run", "3", "--pretrained", "--show-confusion", "4,12", "--out", dir.appendingPathComponent("bad").path])
        #expect(bad.status == 1 && bad.stderr.contains("--show-confusion 4,12") && bad.stderr.split(separator: "\n").count == 1, "\(bad.stderr)")
        #expect(bad.stdout.isEmpty)
    }
}

/// Issue 36, poor list: weights of 1e300 (finite, so the file is read) overflow every product, and the
/// evaluation said "7.42%" of NaN outputs; it now stops with one line naming the file.
@Test func weightsTooLargeToComputeWithAreSaidNotMeasured() throws {
    let dir = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: dir) }
    var (net, _) = try shippedNetwork(testImages: 1)
    net.parameters = net.parameters.map { p in var q = p; q.storage = p.storage.map { _ in 1e300 }; return q }
    let file = dir.appendingPathComponent("huge.lnw")
    try Data(WeightsFile.encode(net)).write(to: file)
    let r = try runLesson(["run", "3", "--weights", file.path, "--from", "evaluate", "--to", "evaluate", "--set", "test-images=200",
                           "--out", dir.appendingPathComponent("out").path])
    #expect(r.status == 1, "\(r.stdout.suffix(300))")
    #expect(r.stderr.contains("huge.lnw") && r.stderr.contains("not finite numbers") && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
    #expect(!r.stdout.contains("test accuracy:"), "no accuracy of NaNs")
}
