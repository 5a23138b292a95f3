// Max-pool ties: the error goes to the first maximum of the window in row-major order (numpy's
// argmax, PyTorch's rule). ReLU makes ties common (683k of 865k pool1 windows on the first batch
// hold one), so the rule decides what the step-through's routed δ and the δ pictures show.
import Testing
@testable import Training
@testable import Network
@testable import Numerics

@Test func readablePoolRoutesTiesToTheFirstMaximumInRowMajorOrder() {
    let p = MaxPool2D(f: 2)
    // One image 2×4, two channels. Channel 0: window 0 is a four-way tie of zeros, window 1 ties 5 at
    // (0, 3) and (1, 2). Channel 1: window 0 ties 7 at (1, 0) and (1, 1); window 1 has one maximum.
    let c0: [Double] = [0, 0, 1, 5,
                        0, 0, 5, 2]
    let c1: [Double] = [1, 2, 3, 4,
                        7, 7, 9, 4]
    let x = Tensor<Double>(shape: [1, 2, 4, 2], storage: (0..<8).flatMap { [c0[$0], c1[$0]] })
    let (out, cache) = p.forward(x)
    #expect(out.storage == [0, 7, 5, 9])
    // Flat NHWC index of the winner: pixel · 2 + channel.
    #expect(cache.argmax == [0 * 2 + 0, 4 * 2 + 1, 3 * 2 + 0, 6 * 2 + 1])
    let dx = p.backward(Tensor(shape: [1, 1, 2, 2], storage: [10, 20, 30, 40]), cache: cache)
    var expected = [Double](repeating: 0, count: 16)
    expected[0] = 10; expected[9] = 20; expected[6] = 30; expected[13] = 40
    #expect(dx.storage == expected)
}

/// conv (2×2 filter of ones, no bias) → [ReLU] → max-pool 2 → flatten → dense 2 → softmax on 3×3 images.
/// The conv's four outputs tie, but each comes from a different patch, so dW shows which one won.
func tieNetwork(relu: Bool) throws -> CNN {
    var specs = [LayerSpec(name: "c", kind: .conv(f: 2, out: 1, pad: 0, stride: 1))]
    if relu { specs.append(LayerSpec(name: "r", kind: .relu)) }
    specs += [LayerSpec(name: "p", kind: .maxpool(f: 2)), LayerSpec(name: "fl", kind: .flatten),
              LayerSpec(name: "d", kind: .dense(out: 2)), LayerSpec(name: "sm", kind: .softmax)]
    var rng = RandomState(seed: 1)
    var net = try CNN(specs: specs, inputShape: [3, 3, 1], seed: 100, rng: &rng)
    var params = net.parameters
    params[0] = Tensor(shape: [1, 2, 2, 1], storage: [1, 1, 1, 1])
    params[1] = Tensor(shape: [1], storage: [0])
    params[2] = Tensor(shape: [2, 1], storage: [0.5, -0.25])
    net.parameters = params
    return net
}

@Test(arguments: [false, true], Precision.allCases)
func everyPathRoutesPoolTiesToTheFirstMaximum(relu: Bool, precision: Precision) throws {
    let net = try tieNetwork(relu: relu)
    // Image 0: ink in the four corners, so every conv output is 1 (a four-way tie) and the winner,
    // (0, 0), saw only the top-left pixel. Image 1: a two-way tie between (0, 0) and (0, 1).
    let pixels: [UInt8] = [255, 0, 255,
                           0, 0, 0,
                           255, 0, 255,
                           255, 0, 255,
                           0, 0, 0,
                           0, 0, 0]
    let set = ImageSet(pixels: pixels, labels: [0, 1], height: 3, width: 3)
    for image in 0..<2 {
        let x = set.batch([image][...]), label = [set.labels[image]]
        // δ at the conv's output reaches only the winner, so dW is δ times the winner's patch.
        for naive in [false, true] {
            let pass = net.forward(x, naive: naive)
            let back = net.backward(pass, labels: label, naive: naive)
            let dW = back.gradients[0]!.dW.storage
            #expect(dW[0] != 0 && dW[1] == 0 && dW[2] == 0 && dW[3] == 0, "naive \(naive), image \(image): dW \(dW)")
        }
        let fast = CNNTrainer(net, precision: precision, batchSize: 1, shards: 1).gradients(set, [image])
        let dW = fast[0]!.dW.storage
        #expect(dW[0] != 0 && dW[1] == 0 && dW[2] == 0 && dW[3] == 0, "training path \(precision), image \(image): dW \(dW)")
    }
}

/// The max-pool kernels against the rule written out: the first strict maximum of the window in
/// row-major order wins (its flat input index is kept), the ReLU applied to the value after. Values
/// drawn from {-2, ..., 2} make ties in most windows. Every path: channel counts within one vector of
/// lanes and past it (the loop version: 17, 24, 40 channels), f = 2 and 3, with and without the ReLU.
func poolKernelMatchesTheRule<T: KernelScalar & BinaryFloatingPoint>(_: T.Type) {
    var rng = RandomState(seed: 21)
    for c in [1, 3, 8, 15, 16, 17, 24, 40] {
        for f in [2, 3] {
            for relu in [false, true] {
                let (n, h, w) = (2, 6, 6), (oh, ow) = (6 / f, 6 / f)
                let count = n * h * w * c
                // Slack after each buffer: the vector version reads and writes whole vectors of lanes.
                let slack = 64
                var x = [T](repeating: 0, count: count + slack)
                for i in 0..<count { x[i] = T(Int(rng.randomSample() * 5) - 2) }
                var out = [T](repeating: 0, count: n * oh * ow * c + slack)
                var arg = [Int32](repeating: -1, count: n * oh * ow * c + slack)
                x.withUnsafeBufferPointer { xp in
                    out.withUnsafeMutableBufferPointer { op in
                        arg.withUnsafeMutableBufferPointer { ap in
                            T.maxPool(xp.baseAddress!, op.baseAddress!, ap.baseAddress!, n: n, h: h, w: w, c: c, f: f, oh: oh, ow: ow, relu: relu)
                        }
                    }
                }
                var ties = 0
                for i in 0..<n {
                    for oy in 0..<oh {
                        for ox in 0..<ow {
                            for ch in 0..<c {
                                var best = -T.infinity, at = -1, equal = 0
                                for dy in 0..<f {
                                    for dx in 0..<f {
                                        let q = ((i * h + oy * f + dy) * w + ox * f + dx) * c + ch
                                        if x[q] > best { best = x[q]; at = q; equal = 1 } else if x[q] == best { equal += 1 }
                                    }
                                }
                                if equal > 1 { ties += 1 }
                                let o = ((i * oh + oy) * ow + ox) * c + ch
                                #expect(out[o] == (relu ? max(best, 0) : best) && arg[o] == Int32(at),
                                        "\(T.self) c=\(c) f=\(f) relu=\(relu) window (\(i), \(oy), \(ox), \(ch)): \(out[o]) at \(arg[o]), rule \(best) at \(at)")
                            }
                        }
                    }
                }
                #expect(ties > n * oh * ow * c / 4, "ties built on purpose: \(ties)")
            }
        }
    }
}

@Test func poolKernelsRouteTiesToTheFirstMaximumAtEveryChannelCount() {
    poolKernelMatchesTheRule(Float.self)
    poolKernelMatchesTheRule(Double.self)
}
