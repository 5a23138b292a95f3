// Structure-aware libFuzzer target: weights files built field by field from the fuzzer's choices
// (version, architecture length, tensor count, ranks, dimensions such as [2³²−1, 2³²−1, 0], payload
// length), read by the network-free reader `lesson diff` uses and decoded against a small CNN.
import FuzzSupport
import Network
import Numerics

var rng = RandomState(seed: 0)
let network = try! CNN(specs: [LayerSpec(name: "c", kind: .conv(f: 3, out: 2, pad: 0, stride: 1)), LayerSpec(name: "r", kind: .relu),
                               LayerSpec(name: "f", kind: .flatten), LayerSpec(name: "d", kind: .dense(out: 10)), LayerSpec(name: "s", kind: .softmax)],
                       inputShape: [28, 28, 1], seed: 100, rng: &rng)
let valid = WeightsFile.encode(network)
let architecture = WeightsFile.architecture(network)

runFuzzer { data, size in
    var c = Choices(bytes(data, size))
    var out = Array("LSNW".utf8)
    func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
    u32(c.below(8) == 0 ? UInt32(truncatingIfNeeded: c.interesting()) : 1)
    let arch = c.below(2) == 0 ? architecture : String(repeating: "x", count: c.below(64))
    u32(c.below(8) == 0 ? UInt32(truncatingIfNeeded: c.interesting()) : UInt32(arch.utf8.count))
    out += Array(arch.utf8)
    let shapes = network.parameters.map(\.shape)
    let count = c.below(4) == 0 ? c.interesting() : shapes.count
    u32(UInt32(truncatingIfNeeded: count))
    for t in 0..<min(count, 8) {
        let real = t < shapes.count ? shapes[t] : [1]
        let rank = c.below(4) == 0 ? c.interesting() : real.count
        u32(UInt32(truncatingIfNeeded: rank))
        var n = 1
        for d in 0..<min(rank, 8) {
            let v = c.below(4) == 0 ? c.interesting() : (d < real.count ? real[d] : 1)
            u32(UInt32(truncatingIfNeeded: v))
            n = n.multipliedReportingOverflow(by: Int(UInt32(truncatingIfNeeded: v))).partialValue
        }
        let values = c.below(4) == 0 ? c.below(64) : min(max(n, 0), 4096)
        for _ in 0..<values { withUnsafeBytes(of: Double(c.below(200) - 100).bitPattern.littleEndian) { out += $0 } }
    }
    if c.below(4) == 0 { out += (0..<c.below(16)).map { _ in c.byte() } }
    if let params = try? WeightsFile.decode(out, for: network, name: "fuzz.lnw") {
        precondition(params.map(\.shape) == shapes && WeightsFile.encode({ var n = network; n.parameters = params; return n }()) == out)
    }
    if let file = try? WeightsFile.read(out, name: "fuzz.lnw") {
        precondition(file.tensors.allSatisfy { $0.count == $0.shape.reduce(1, *) && $0.count > 0 })
    }
    _ = valid
    return 0
}
