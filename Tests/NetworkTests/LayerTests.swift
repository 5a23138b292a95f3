// Every layer: the naive loops and the vectorised path agree to 1e-10, and one parameterised
// gradient check compares each layer's backward pass with central differences.
import Testing
@testable import Network
@testable import Numerics

func maxDiff(_ a: Tensor<Double>, _ b: Tensor<Double>) -> Double { a.maxAbsDifference(b) }

@Test(arguments: [
    (f: 3, pad: 0, stride: 1, cin: 1, cout: 4, h: 8),
    (f: 3, pad: 1, stride: 2, cin: 3, cout: 5, h: 9),
    (f: 5, pad: 2, stride: 1, cin: 2, cout: 3, h: 7),
    (f: 2, pad: 0, stride: 3, cin: 4, cout: 2, h: 10),
])
func convNaiveAndVectorisedAgree(f: Int, pad: Int, stride: Int, cin: Int, cout: Int, h: Int) {
    var rng = RandomState(seed: 11)
    let conv = Conv2D(weights: rng.randn(cout, f, f, cin), bias: rng.randn(cout), pad: pad, stride: stride)
    let x = Tensor<Double>(shape: [2, h, h + 1, cin], storage: rng.randn(2 * h * (h + 1) * cin).storage)
    let (zn, cn) = conv.forwardNaive(x), (zv, cv) = conv.forward(x)
    #expect(zn.shape == zv.shape)
    #expect(maxDiff(zn, zv) < 1e-10)
    let dz = Tensor<Double>(shape: zn.shape, storage: rng.randn(zn.count).storage)
    let gn = conv.backwardNaive(dz, cache: cn), gv = conv.backward(dz, cache: cv)
    #expect(maxDiff(gn.dx, gv.dx) < 1e-10)
    #expect(maxDiff(gn.dW, gv.dW) < 1e-10)
    #expect(maxDiff(gn.db, gv.db) < 1e-10)
}

@Test func denseAndPoolNaiveAndVectorisedAgree() {
    var rng = RandomState(seed: 12)
    let d = Dense(weights: rng.randn(7, 13), bias: rng.randn(7))
    let x = rng.randn(5, 13)
    let (z, cache) = d.forward(x)
    #expect(maxDiff(z, d.forwardNaive(x)) < 1e-10)
    let dz = rng.randn(5, 7)
    let gv = d.backward(dz, cache: cache), gn = d.backwardNaive(dz, cache: cache)
    #expect(maxDiff(gv.dx, gn.dx) < 1e-10 && maxDiff(gv.dW, gn.dW) < 1e-10 && maxDiff(gv.db, gn.db) < 1e-10)
    let p = MaxPool2D(f: 2)
    let img = Tensor<Double>(shape: [3, 7, 6, 4], storage: rng.randn(3 * 7 * 6 * 4).storage)
    #expect(maxDiff(p.forward(img).out, p.forwardNaive(img)) == 0)
    #expect(p.forward(img).out.shape == [3, 3, 3, 4])
}

/// A scalar loss L = Σ out ⊙ R over one layer, so ∂L/∂out = R and every input and parameter can be checked.
@Test(arguments: ["conv", "conv stride 2 pad 1", "maxpool", "dense", "relu", "flatten", "softmax + cross-entropy"])
func gradientCheck(layer: String) {
    var rng = RandomState(seed: 21)
    let h = 1e-5
    func check(_ name: String, _ analytic: Tensor<Double>, _ numerical: Tensor<Double>) {
        let e = GradientCheck.relativeError(analytic, numerical)
        #expect(e < 1e-7, "\(layer) \(name): relative error \(e)")
    }
    switch layer {
    case "conv", "conv stride 2 pad 1":
        let (pad, stride) = layer == "conv" ? (0, 1) : (1, 2)
        let conv = Conv2D(weights: rng.randn(3, 3, 3, 2), bias: rng.randn(3), pad: pad, stride: stride)
        let x = Tensor<Double>(shape: [2, 6, 5, 2], storage: rng.randn(120).storage)
        let (z, cache) = conv.forward(x)
        let R = Tensor<Double>(shape: z.shape, storage: rng.randn(z.count).storage)
        func L(_ c: Conv2D, _ x: Tensor<Double>) -> Double { zip(c.forward(x).z.storage, R.storage).reduce(0) { $0 + $1.0 * $1.1 } }
        let g = conv.backward(R, cache: cache)
        check("dx", g.dx, GradientCheck.numerical(at: x, h: h) { L(conv, $0) })
        check("dW", g.dW, GradientCheck.numerical(at: conv.weights, h: h) { var c = conv; c.weights = $0; return L(c, x) })
        check("db", g.db, GradientCheck.numerical(at: conv.bias, h: h) { var c = conv; c.bias = $0; return L(c, x) })
    case "maxpool":
        let p = MaxPool2D(f: 2)
        // Distinct values, so no window has a tie a nudge could flip.
        let x = Tensor<Double>(shape: [2, 4, 6, 3], storage: rng.permutation(144).map { Double($0) * 0.01 })
        let (out, cache) = p.forward(x)
        let R = Tensor<Double>(shape: out.shape, storage: rng.randn(out.count).storage)
        check("dx", p.backward(R, cache: cache), GradientCheck.numerical(at: x, h: h) { zip(p.forward($0).out.storage, R.storage).reduce(0) { $0 + $1.0 * $1.1 } })
    case "dense":
        let d = Dense(weights: rng.randn(4, 6), bias: rng.randn(4))
        let x = rng.randn(3, 6)
        let R = rng.randn(3, 4)
        func L(_ d: Dense, _ x: Tensor<Double>) -> Double { zip(d.forward(x).z.storage, R.storage).reduce(0) { $0 + $1.0 * $1.1 } }
        let g = d.backward(R, cache: d.forward(x).cache)
        check("dx", g.dx, GradientCheck.numerical(at: x, h: h) { L(d, $0) })
        check("dW", g.dW, GradientCheck.numerical(at: d.weights, h: h) { var c = d; c.weights = $0; return L(c, x) })
        check("db", g.db, GradientCheck.numerical(at: d.bias, h: h) { var c = d; c.bias = $0; return L(c, x) })
    case "relu", "flatten":
        // Through a whole network: input → layer → dense → softmax, checked end to end by the CNN's backward.
        let specs: [LayerSpec] = [LayerSpec(name: "c", kind: .conv(f: 2, out: 2, pad: 0, stride: 1)), LayerSpec(name: "r", kind: .relu),
                                  LayerSpec(name: "fl", kind: .flatten), LayerSpec(name: "d", kind: .dense(out: 3)), LayerSpec(name: "s", kind: .softmax)]
        var r2 = RandomState(seed: 5)
        let net = try! CNN(specs: specs, inputShape: [4, 4, 1], seed: 3, rng: &r2)
        let x = Tensor<Double>(shape: [2, 4, 4, 1], storage: rng.randn(32).storage)
        let labels = [1, 2]
        let b = net.backward(net.forward(x), labels: labels)
        let numeric = GradientCheck.numerical(at: x, h: h) { SoftmaxCrossEntropy.loss(net.forward($0).probabilities, labels: labels) }
        check("dx through conv, relu, flatten, dense, softmax", b.deltaIn[0]!, numeric)
    default:
        let z = rng.randn(4, 5)
        let labels = [0, 3, 4, 1]
        let analytic = SoftmaxCrossEntropy.delta(SoftmaxCrossEntropy.softmax(z), labels: labels)
        check("dz", analytic, GradientCheck.numerical(at: z, h: h) { SoftmaxCrossEntropy.loss(SoftmaxCrossEntropy.softmax($0), labels: labels) })
    }
}

@Test func shapesAreCheckedAndNamed() {
    let bad: [LayerSpec] = [LayerSpec(name: "conv1", kind: .conv(f: 3, out: 4, pad: 0, stride: 1)),
                            LayerSpec(name: "fc", kind: .dense(out: 10)), LayerSpec(name: "out", kind: .softmax)]
    guard case .failure(let e) = CNN.shapes(of: bad, input: [28, 28, 1]) else { Issue.record("accepted a dense layer on an image"); return }
    #expect(e.layer == 1 && e.message.contains("add a flatten layer"))
    let tutorial: [LayerSpec] = [
        LayerSpec(name: "conv1", kind: .conv(f: 3, out: 10, pad: 0, stride: 1)), LayerSpec(name: "relu1", kind: .relu),
        LayerSpec(name: "pool1", kind: .maxpool(f: 2)), LayerSpec(name: "conv2", kind: .conv(f: 5, out: 16, pad: 0, stride: 1)),
        LayerSpec(name: "relu2", kind: .relu), LayerSpec(name: "flatten", kind: .flatten), LayerSpec(name: "dense1", kind: .dense(out: 100)),
        LayerSpec(name: "relu3", kind: .relu), LayerSpec(name: "dense2", kind: .dense(out: 10)), LayerSpec(name: "softmax", kind: .softmax),
    ]
    let shapes = try! CNN.shapes(of: tutorial, input: [28, 28, 1]).get()
    #expect(shapes[0] == [26, 26, 10] && shapes[2] == [13, 13, 10] && shapes[3] == [9, 9, 16] && shapes[5] == [1296])
}

@Test func weightsFileRoundTripsAndRejectsDamage() throws {
    let specs: [LayerSpec] = [LayerSpec(name: "c", kind: .conv(f: 2, out: 2, pad: 0, stride: 1)), LayerSpec(name: "fl", kind: .flatten),
                              LayerSpec(name: "d", kind: .dense(out: 3)), LayerSpec(name: "s", kind: .softmax)]
    var rng = RandomState(seed: 1)
    let net = try CNN(specs: specs, inputShape: [4, 4, 1], seed: 100, rng: &rng)
    let bytes = WeightsFile.encode(net)
    let back = try WeightsFile.decode(bytes, for: net, name: "w")
    #expect(back == net.parameters)
    #expect(throws: WeightsFile.FormatError.self) { try WeightsFile.decode(Array(bytes.dropLast(3)), for: net, name: "w") }
    #expect(throws: WeightsFile.FormatError.self) { try WeightsFile.decode(Array("PNG!".utf8) + bytes.dropFirst(4), for: net, name: "w") }
    var v2 = bytes; v2[4] = 2
    do { _ = try WeightsFile.decode(v2, for: net, name: "w"); Issue.record("accepted version 2") } catch { #expect("\(error)".contains("version 2")) }
    let other = try CNN(specs: [LayerSpec(name: "fl", kind: .flatten), LayerSpec(name: "d", kind: .dense(out: 3)), LayerSpec(name: "s", kind: .softmax)],
                        inputShape: [4, 4, 1], seed: 100, rng: &rng)
    do { _ = try WeightsFile.decode(bytes, for: other, name: "w"); Issue.record("accepted another architecture") } catch {
        #expect("\(error)".contains("weights for another architecture"))
    }
}
