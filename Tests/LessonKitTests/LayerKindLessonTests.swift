// Lesson 3 with tanh, average pooling and sigmoid in place of relu1, pool1 and relu3, as
// Lessons/README.md shows: the whole file runs (step-through, worked examples, gradient check,
// training, pictures, quiz) and each kind reads with its own lines.
import Foundation
import Testing
import TestSupport
@testable import LessonKit
import Datasets
import Network
import Numerics
import Rendering

/// Lesson 3's file with its network block replaced by the one in Lessons/README.md's
/// "Another activation, another pooling" section.
func lessonThreeWithOtherKinds(in folder: URL) throws -> URL {
    let readme = try String(contentsOf: repositoryRoot.appendingPathComponent("Lessons/README.md"), encoding: .utf8)
    let section = try #require(readme.range(of: "### Another activation, another pooling"))
    let rest = readme[section.upperBound...]
    let open = try #require(rest.range(of: "```network\n")), close = try #require(rest[open.upperBound...].range(of: "```"))
    let network = String(rest[open.upperBound..<close.lowerBound])
    #expect(network.contains("avgpool f=2") && network.contains("tanh") && network.contains("sigmoid"))
    let lesson = try String(contentsOf: repositoryRoot.appendingPathComponent("Lessons/03-cnn.md"), encoding: .utf8)
    let start = try #require(lesson.range(of: "```network\n")), end = try #require(lesson[start.upperBound...].range(of: "```"))
    let file = folder.appendingPathComponent("03-cnn-other-kinds.md")
    try (lesson[..<start.upperBound] + network + lesson[end.lowerBound...]).write(to: file, atomically: true, encoding: .utf8)
    return file
}

/// The numbers in `line` (a table row or a worked line), in order.
func numbersIn(_ line: Substring) -> [Double] {
    line.split(whereSeparator: { " ,[]():=".contains($0) }).compactMap { Double($0) }
}

@Test func lessonThreeRunsWithTanhAveragePoolingAndSigmoid() throws {
    let dir = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = try lessonThreeWithOtherKinds(in: dir)
    let out = dir.appendingPathComponent("out")
    let r = try runLesson(["run", file.path, "--epochs", "1", "--set", "train-images=3000", "--set", "test-images=500", "--quiz", "--report",
                           "--no-color", "--out", out.path])
    #expect(r.status == 0, "\(r.stderr)")
    let text = r.stdout
    // Each kind's own lines, forward and backward.
    for line in ["the mean of each 2×2 window, per channel", "tanh at work: z[", "every channel of a = tanh(z):", "The tanh slope: δ_a[",
                 "goes back shared equally", "goes to all 4 inputs of its window", "a = sigmoid(z): every value squashed into",
                 "δ = δ_a ⊙ a (1 − a): the δ_in of dense2's step", "gradient check: pass", "after 1 epoch: train accuracy",
                 // Issue 35's steps on this network too: conv2 sees 12×12 through the average pool.
                 "conv1: each output sees a 3×3 patch", "conv2: each output sees a 12×12 patch", "the 4×4 block that pushed hardest towards"] {
        #expect(text.contains(line), "missing: \(line)")
    }
    // None of the ReLU or max-pooling lines where those layers are gone.
    // (conv1 is followed by a tanh here: a filter that never responds is not called dead.)
    for line in ["a = ReLU(z) (channel", "A tie goes to the first maximum", "routed to the max positions", "The ReLU gate: δ_a[1", "conv1: dead filter"] {
        #expect(!text.contains(line), "still there: \(line)")
    }
    // The worked window's mean is the mean of its four inputs.
    let lines = text.split(separator: "\n")
    let header = try #require(lines.firstIndex { $0.contains("x3") && $0.hasSuffix("mean") })
    let row = numbersIn(lines[header + 1])
    #expect(row.count == 8)  // the window's index, four inputs, the mean
    #expect(abs(row[3..<7].reduce(0, +) / 4 - row[7]) < 1e-7)
    // On the way back, each input of the window gets a quarter of its error.
    let route = try #require(text.range(of: "Worked example, on the path: δ_out["))
    let each = try #require(text[route.upperBound...].range(of: " each."))
    // "[3, 4, 2] = D, conv2's worked δ_in, goes to all 4 inputs of its window (rows 6-7, columns 8-9): S each."
    let routed = numbersIn(text[route.upperBound..<each.lowerBound])
    #expect(routed.count == 6)
    #expect(abs(routed[3] / 4 - routed[5]) <= 1e-8 * abs(routed[5]), "δ_out \(routed[3]) shared as \(routed[5])")
    // The quiz says why it asks nothing about max-pooling and ReLU here, and asks the rest.
    for kind in ["max-pool", "pool-route", "pool-zero", "relu-gate"] { #expect(text.contains("no \(kind) question: it asks about")) }
    let worksheet = try String(contentsOf: out.appendingPathComponent("worksheet.md"), encoding: .utf8)
    #expect(worksheet.contains("Question 1 · conv output") && worksheet.contains("Question 5 · conv δ_in") && !worksheet.contains("Question 6"))
    // Every picture of the swapped layers is drawn.
    for png in ["conv1-feature-maps-initial.png", "pool1-feature-maps-initial.png", "pool1-deltas-initial.png", "conv1-deltas-initial.png",
                "conv1-feature-maps.png", "pool1-deltas.png", "confusion.png"] {
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(png).path), "\(png)")
    }
    // conv1's tanh maps of the traced digit (initial weights): values below zero, so drawn on a scale
    // centred on 0, every value in its colour.
    let lessonFile = try LessonFile.load(file)
    let specs = try NetworkBlock.parse(lessonFile.blocks["network"] ?? [], file: file.path, input: [28, 28, 1])
    var rng = RandomState(seed: 0)
    let net = try CNN(specs: specs, inputShape: [28, 28, 1], seed: 100, rng: &rng)
    let (te, _) = try MNIST.load(.test, from: repositoryRoot.appendingPathComponent("Lessons/data/mnist"))
    let part = te.prefix(1)
    let digit = ImageSet(pixels: part.pixels, labels: part.labels.map(Int.init), height: 28, width: 28)
    let a = net.forward(digit.batch([0][...]), naive: true).outputs[1]
    #expect(a.storage.min()! < -0.5 && a.storage.max()! > 0.5)
    let maps = (0..<10).map { ch in stride(from: ch, to: a.count, by: 10).map { a.storage[$0] } }
    var grid = ImageGrid(title: "t", tiles: tiles(maps, width: 26, height: 26) { "channel \($0)" }, columns: 8, scale: max(4, 120 / 26),
                         colormap: .diverging)
    grid.centredOnZero = true
    expectTiles(try PNGFile.read(out.appendingPathComponent("conv1-feature-maps-initial.png")), grid, "conv1-feature-maps-initial.png")
}

/// With relu1, pool1 and relu3 swapped, the lesson still runs (above); the exercises on those layers
/// say in the list why they no longer fit, and setting one up names the file's line and writes nothing.
@Test func exercisesOnASwappedLayerSayTheyNoLongerFit() throws {
    let dir = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = try lessonThreeWithOtherKinds(in: dir)
    let list = try runLesson(["exercise", file.path], in: dir)
    #expect(list.status == 0, "\(list.stderr)")
    let flat = list.stdout.replacingOccurrences(of: "\\s+", with: " ", options: .regularExpression)
    #expect(flat.contains("pool1.forward maxpool_forward not with this network: maxpool_forward layer=pool1: pool1 is `avgpool f=2`; maxpool_forward needs a maxpool layer (the network has none)."))
    #expect(flat.contains("dense1.backward relu_backward, dense_backward not with this network: relu_backward layer=dense1: dense1 is followed by sig3 (`sigmoid`)"))
    #expect(flat.contains("conv2.backward relu_backward, conv_backward pool1.backward"), "conv2.backward still fits")
    // (The last line names the lesson file by its path, shown whole.)
    #expect(list.stdout.split(separator: "\n").filter { !$0.hasPrefix("Set one up:") }.allSatisfy { TextColumns.width(String($0)) <= 80 })
    let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
    let line = try #require(lines.firstIndex { $0.contains("function: maxpool_forward layer=pool1") }) + 1
    let folder = dir.appendingPathComponent("pool")
    let one = try runLesson(["exercise", file.path, "pool1.forward", "--out", folder.path], in: dir)
    #expect(one.status == 1)
    #expect(one.stderr.contains("03-cnn-other-kinds.md:\(line): maxpool_forward layer=pool1: pool1 is `avgpool f=2`"), "\(one.stderr)")
    #expect(!FileManager.default.fileExists(atPath: folder.path))
}
