// The layer kinds beyond the tutorial's: average pooling, tanh and sigmoid, each by hand-worked
// values, its shape rule, and a float64 gradient check of a network that uses it; and the kind
// registry a network block reads.
import Testing
@testable import Network
@testable import Numerics

@Test func averagePoolingTakesTheMeanAndSharesTheError() {
    // One image, 4 × 5 × 1 (the last column has no whole window and is dropped).
    let x = Tensor<Double>(shape: [1, 4, 5, 1], storage: (0..<20).map(Double.init))
    let pool = AvgPool2D(f: 2)
    let (out, cache) = pool.forward(x, naive: true)
    // Window (0, 0) holds 0, 1, 5, 6: mean 3; window (1, 1) holds 12, 13, 17, 18: mean 15.
    #expect(out.shape == [1, 2, 2, 1])
    #expect(out.storage == [3, 5, 13, 15])
    let back = pool.backward(Tensor(shape: [1, 2, 2, 1], storage: [4, 8, -4, 2]), cache: cache, naive: true, perImageClip: nil)
    #expect(back.gradients == nil)
    // Each input of a window gets a quarter of its error; the dropped column gets none.
    #expect(back.dx.storage == [1, 1, 2, 2, 0,
                                1, 1, 2, 2, 0,
                                -1, -1, 0.5, 0.5, 0,
                                -1, -1, 0.5, 0.5, 0])
    #expect((try? pool.outputShape([4, 5, 3]).get()) == [2, 2, 3])
    guard case .failure(let e) = AvgPool2D(f: 3).outputShape([2, 9, 1]) else { Issue.record("a 3×3 window fits 2 rows"); return }
    #expect(e.message == "a 3×3 pooling window does not fit its 2×9 input")
}

@Test func tanhAndSigmoidSquashAndScaleTheErrorBySlope() {
    let z = Tensor<Double>(shape: [1, 3], storage: [-2, 0, 0.5])
    let delta = Tensor<Double>(shape: [1, 3], storage: [1, 1, -2])
    let (a, cache) = Tanh().forward(z, naive: true)
    #expect(a.storage == [-0.9640275800758169, 0, 0.46211715726000974])  // numpy.tanh
    let dz = Tanh().backward(delta, cache: cache, naive: true, perImageClip: nil).dx
    #expect(dz.storage == [1 - a.storage[0] * a.storage[0], 1, -2 * (1 - a.storage[2] * a.storage[2])])
    let (s, sCache) = Sigmoid().forward(z, naive: true)
    #expect(s.storage == [0.11920292202211755, 0.5, 0.6224593312018546])  // 1 / (1 + numpy.exp(-z))
    let ds = Sigmoid().backward(delta, cache: sCache, naive: true, perImageClip: nil).dx
    #expect(ds.storage[1] == 0.25)
    #expect(abs(ds.storage[2] - -2 * 0.6224593312018546 * (1 - 0.6224593312018546)) < 1e-16)
    // ReLU's gate stops an error as +0, never −0 (a product would give −0 for a negative error).
    let (r, rCache) = ReLU().forward(z, naive: true)
    #expect(r.storage == [0, 0, 0.5])
    let dr = ReLU().backward(Tensor(shape: [1, 3], storage: [-1, -1, -1]), cache: rCache, naive: true, perImageClip: nil).dx
    #expect(dr.storage.map { $0.sign } == [.plus, .plus, .minus])
}

/// A network with every new kind: tanh after the first conv, average pooling, sigmoid after the
/// second conv and after a dense layer.
func networkOfNewKinds(seed: UInt32) throws -> CNN {
    let specs: [LayerSpec] = [
        LayerSpec(name: "c1", kind: .conv(f: 3, out: 3, pad: 1, stride: 1)), LayerSpec(name: "t1", kind: .tanh),
        LayerSpec(name: "p1", kind: .avgpool(f: 2)),
        LayerSpec(name: "c2", kind: .conv(f: 2, out: 4, pad: 0, stride: 1)), LayerSpec(name: "s2", kind: .sigmoid),
        LayerSpec(name: "fl", kind: .flatten), LayerSpec(name: "d1", kind: .dense(out: 6)), LayerSpec(name: "s3", kind: .sigmoid),
        LayerSpec(name: "d2", kind: .dense(out: 3)), LayerSpec(name: "sm", kind: .softmax),
    ]
    var rng = RandomState(seed: seed)
    return try CNN(specs: specs, inputShape: [8, 8, 1], seed: seed, rng: &rng)
}

@Test(arguments: ["tanh + avgpool", "sigmoid"])
func aNetworkOfTheNewKindsPassesTheGradientCheck(which: String) throws {
    var net = try networkOfNewKinds(seed: 3)
    if which == "sigmoid" {
        // The same network with max-pooling and ReLU where tanh and average pooling were: sigmoid alone.
        let specs = net.specs.map { s -> LayerSpec in
            s.name == "t1" ? LayerSpec(name: "r1", kind: .relu) : s.name == "p1" ? LayerSpec(name: "p1", kind: .maxpool(f: 2)) : s
        }
        var rng = RandomState(seed: 3)
        net = try CNN(specs: specs, inputShape: [8, 8, 1], seed: 3, rng: &rng)
    }
    var rng = RandomState(seed: 11)
    let x = rng.normal(mean: 0.5, std: 0.5, shape: [2, 8, 8, 1])
    let checks = try net.gradientCheck(x, labels: [2, 0], limit: 1000)
    #expect(checks.count == 8, "weights and biases of c1, c2, d1, d2")
    #expect(checks.allSatisfy { $0.checked == $0.count })
    let worst = checks.map(\.relativeError).max()!
    print("gradient check, \(which): worst relative error \(worst)")
    #expect(worst < 1e-7)
}

@Test func everyKindIsNamedOnceAndReadsBackFromItsSummary() {
    let words = LayerKinds.all.map { $0.keyword }
    #expect(Set(words).count == words.count)
    #expect(LayerKinds.list == "conv, relu, tanh, sigmoid, maxpool, avgpool, flatten, dense or softmax")
    for kind in [ConvKind(f: 3, out: 10, pad: 1, stride: 2), AvgPool2D(f: 2), Tanh(), Sigmoid(), DenseKind(out: 7)] as [any LayerKind] {
        let type = LayerKinds.named(type(of: kind).keyword)!
        #expect(type.init(values: kind.values).summary == kind.summary)
    }
    #expect(AvgPool2D(f: 2).summary == "avgpool f=2")
    #expect(Tanh().summary == "tanh")
}
