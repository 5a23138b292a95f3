// libFuzzer target: the weights loader, against a small CNN whose architecture line matches the
// corpus file weights-small.lnw (the same network FuzzTests uses).
import FuzzSupport
import Network
import Numerics

var rng = RandomState(seed: 0)
let network = try! CNN(specs: [LayerSpec(name: "c", kind: .conv(f: 3, out: 2, pad: 0, stride: 1)), LayerSpec(name: "r", kind: .relu),
                               LayerSpec(name: "f", kind: .flatten), LayerSpec(name: "d", kind: .dense(out: 10)), LayerSpec(name: "s", kind: .softmax)],
                       inputShape: [28, 28, 1], seed: 100, rng: &rng)
let shapes = network.parameters.map(\.shape)

runFuzzer { data, size in
    if let params = try? WeightsFile.decode(bytes(data, size), for: network, name: "fuzz.lnw") {
        precondition(params.map(\.shape) == shapes)
    }
    // The network-free reader `lesson diff` uses.
    if let file = try? WeightsFile.read(bytes(data, size), name: "fuzz.lnw") {
        precondition(file.tensors.allSatisfy { $0.count == $0.shape.reduce(1, *) })
    }
    return 0
}
