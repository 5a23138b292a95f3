// Lesson 1 against a numpy reimplementation of the tutorial (Tests/make_digits_fixture.py), seed 0,
// in both the tutorial's mode and the corrected one: iteration-0 quantities (every column), updates
// and accuracies.
import Foundation
import Testing
@testable import LessonKit
import Network
import Numerics

typealias DigitsFixture = [String: [String: StringOrList]]

enum StringOrList: Decodable {
    case one(String), many([String])
    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) { self = .one(s) } else { self = .many(try c.decode([String].self)) }
    }
    var list: [String] { if case .many(let l) = self { return l }; if case .one(let s) = self { return [s] }; return [] }
}

struct DigitsTensorIndex: Decodable { let tensors: [String: TensorFixture.Entry] }

@Test(arguments: ["tutorial", "corrected"])
func digitsMatchNumpy(mode: String) throws {
    let fixture = try loadJSON("digits_seed0.json", as: DigitsFixture.self)[mode]!
    func expected(_ key: String) -> [String] { fixture[key]!.list }
    var rng = RandomState(seed: 0)
    let data = try DigitsData.prepare(directory: repositoryRoot.appendingPathComponent("Lessons/data/mnist"), full: false,
                                      rows: 2290, devRows: 1000, rng: &rng)
    expectClose(data.yTrain.prefix(20).map(Double.init), expected("Y_train_first"), "Y_train")
    expectClose(data.yDev.prefix(20).map(Double.init), expected("Y_dev_first"), "Y_dev")
    var net = TwoLayerNetwork(rng: &rng)
    #expect(net.W1.storage == expected("W1").map { Double($0)! }, "W1 drawn exactly as numpy draws it")
    #expect(net.b2.storage == expected("b2").map { Double($0)! })

    let rule: TwoLayerNetwork.GradientRule = mode == "tutorial" ? .tutorial(m: 2290) : .corrected
    let f = net.forward(data.xTrain, rule: rule)
    let g = net.backward(f, labels: data.yTrain, rule: rule)
    // Every column of every iteration-0 tensor, and all of dW1.
    let index = try JSONDecoder().decode(DigitsTensorIndex.self, from: Data(contentsOf: fixtureURL("digits_printed_seed0.json"))).tensors
    let whole = try TensorFixture("digits_tensors_seed0.bin.gz", index: index)
    for (name, t) in [("Z1", f.Z1), ("A1", f.A1), ("Z2", f.Z2), ("A2", f.A2), ("dZ2", g.dZ2), ("dZ1", g.dZ1), ("dW1", g.dW1)] {
        expectWhole(t.storage, shape: t.shape, try whole("\(mode)/\(name)"), "\(mode) \(name)")
        if name == "dZ2" {
            // Each column of A2 - one_hot_Y sums to 0: only rounding noise is left to compare.
            #expect(abs(t.sum() - Double(expected("dZ2_sum")[0])!) < 1e-9)
        } else if name != "dW1" {
            expectClose([t.sum()], expected(name + "_sum"), relative: 1e-9, "\(mode) sum of \(name)")
        }
    }
    expectClose(g.dW2.storage, expected("dW2"), "\(mode) dW2")
    expectClose(g.db1.storage, expected("db1"), "\(mode) db1")
    if mode == "corrected" { expectClose(g.db2.storage, expected("db2"), "db2") }
    else { #expect(g.db2.count == 1 && abs(g.db2.storage[0]) < 1e-15, "the tutorial's db2 sums to zero") }

    var stepped = net
    stepped.update(g, learningRate: 0.1)
    expectClose(stepped.W1.row(3).storage, expected("W1_after_row3"), "\(mode) W1 after one update")
    expectClose(stepped.b1.storage, expected("b1_after"), "\(mode) b1 after one update")
    expectClose(stepped.W2.storage, expected("W2_after"), "\(mode) W2 after one update")

    let records = net.gradientDescent(data.xTrain, labels: data.yTrain, rule: rule, learningRate: 0.1, iterations: 500, logEvery: 10)
    let ours = records.filter { $0.iteration % 10 == 0 && $0.iteration > 0 }.map { NumpyFormat.scalar($0.accuracy) }
    #expect(ours == expected("accuracy_every_10_from_10"))
    let trainAccuracy = Double(zip(net.predict(data.xTrain), data.yTrain).filter { $0 == $1 }.count) / Double(data.yTrain.count)
    let devAccuracy = Double(zip(net.predict(data.xDev), data.yDev).filter { $0 == $1 }.count) / Double(data.yDev.count)
    #expect(NumpyFormat.scalar(trainAccuracy) == expected("train_accuracy_after_500")[0])
    #expect(NumpyFormat.scalar(devAccuracy) == expected("dev_accuracy_after_500")[0])
    expectClose(net.W1.row(0).storage, expected("W1_final_row0"), "\(mode) W1 after 500 iterations")
    if mode == "tutorial" {
        #expect(records[490].accuracy >= 0.80, "the tutorial's settings reach at least 0.80 at iteration 490")
    }
}

@Test func gradientCheckPassesCorrectedAndExposesTheTutorial() throws {
    var rng = RandomState(seed: 1)
    let net = TwoLayerNetwork(inputs: 20, hidden: 6, outputs: 4, rng: &rng)
    let X = rng.rand(20, 12)
    let labels = (0..<12).map { $0 % 4 }
    let corrected = net.gradientCheck(X, labels: labels, rule: .corrected)
    #expect(corrected.map(\.name) == ["W1", "b1", "W2", "b2"])
    for r in corrected { #expect(r.relativeError < 1e-7, "\(r.name): \(r.relativeError)") }
    // The tutorial divides by 2290 rows while averaging over 1290: W gradients are scaled by 1290/2290,
    // i.e. relative error (1 - s)/(1 + s) = 0.2806; its scalar db is wrong outright.
    let tutorial = net.gradientCheck(X, labels: labels, rule: .tutorial(m: Int((12.0 * 2290 / 1290).rounded())))
    let s = 12.0 / (12.0 * 2290 / 1290).rounded()
    #expect(abs(tutorial[0].relativeError - (1 - s) / (1 + s)) < 1e-6)
    #expect(abs(tutorial[2].relativeError - (1 - s) / (1 + s)) < 1e-6)
    #expect(tutorial[1].relativeError > 0.1 && tutorial[3].relativeError > 0.1)
}
