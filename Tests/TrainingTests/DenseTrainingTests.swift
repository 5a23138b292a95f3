// Lesson 1's training path against the tutorial's gradient descent (TwoLayerNetwork, the reference):
// one block is the same computation byte for byte (given the same BLAS: single-threaded, as the
// training path runs it; OpenBLAS's threaded dgemm rounds differently); several blocks differ only in
// how dW1 and dW2 are summed, and never with the thread count.
import Testing
@testable import Training
@testable import Network
@testable import Numerics
import CKernels

/// m images of 784 pixels as the columns of X (pixel bytes / 255, as lesson 1 loads them), labels 0-9.
func denseData(_ m: Int, seed: UInt32) -> (X: Tensor<Double>, labels: [Int]) {
    var rng = RandomState(seed: seed)
    let bytes = (0..<(784 * m)).map { _ in rng.randomSample() < 0.8 ? 0 : Double(Int(rng.randomSample() * 256)) }
    return (Tensor(shape: [784, m], storage: bytes.map { $0 / 255 }), (0..<m).map { _ in Int(rng.randomSample() * 10) })
}

@Test(arguments: [TwoLayerNetwork.GradientRule.tutorial(m: 500), .corrected])
func oneBlockIsTheTutorialsGradientDescentByteForByte(rule: TwoLayerNetwork.GradientRule) {
    let (X, labels) = denseData(300, seed: 3)
    var rng = RandomState(seed: 0)
    var slow = TwoLayerNetwork(rng: &rng)
    var fast = slow
    let a = BLASThreads.with(1) { slow.gradientDescent(X, labels: labels, rule: rule, learningRate: 0.1, iterations: 12, logEvery: 5) }
    let b = DenseTraining.gradientDescent(&fast, X, labels: labels, rule: rule, learningRate: 0.1, iterations: 12, logEvery: 5)
    #expect(a.map(\.loss) == b.map(\.loss) && a.map(\.accuracy) == b.map(\.accuracy) && a.map(\.predictions) == b.map(\.predictions))
    #expect(slow.W1 == fast.W1 && slow.b1 == fast.b1 && slow.W2 == fast.W2 && slow.b2 == fast.b2)
}

@Test func blocksChangeOnlyTheLastBitsAndThreadsNothing() {
    let (X, labels) = denseData(300, seed: 4)
    var rng = RandomState(seed: 1)
    var slow = TwoLayerNetwork(rng: &rng)
    let start = slow
    let a = BLASThreads.with(1) { slow.gradientDescent(X, labels: labels, rule: .tutorial(m: 400), learningRate: 0.1, iterations: 10, logEvery: 3) }
    var results = [TwoLayerNetwork]()
    for threads in [1, 2, 5] {
        var fast = start
        let b = DenseTraining.gradientDescent(&fast, X, labels: labels, rule: .tutorial(m: 400), learningRate: 0.1, iterations: 10,
                                              logEvery: 3, block: 64, wholeUpTo: 0, threads: threads)
        #expect(b.count == a.count && zip(a, b).allSatisfy { abs($0.loss - $1.loss) <= 1e-12 * abs($0.loss) && $0.accuracy == $1.accuracy })
        for (s, f) in [(slow.W1, fast.W1), (slow.b1, fast.b1), (slow.W2, fast.W2), (slow.b2, fast.b2)] {
            #expect(s.maxAbsDifference(f) <= 1e-10 * (s.storage.map(abs).max() ?? 1))
        }
        results.append(fast)
    }
    for r in results.dropFirst() { #expect(r.W1 == results[0].W1 && r.W2 == results[0].W2 && r.b1 == results[0].b1 && r.b2 == results[0].b2) }
    // One block of all 300 (sets up to 4,096 images are one block) is the reference's bytes; five
    // blocks of 64 (the last of 44) are not.
    var one = start
    _ = DenseTraining.gradientDescent(&one, X, labels: labels, rule: .tutorial(m: 400), learningRate: 0.1, iterations: 10, logEvery: 3)
    #expect(one.W1 == slow.W1 && one.W2 == slow.W2)
    #expect(results[0].W1 != slow.W1, "several blocks sum dW1 in another order")
}

// The packed path (CKernels/Dense.c): X as bytes in tiles of 16 columns that keep only their non-zero
// pixel rows, unpacked to exact doubles, the products in our own kernels.

@Test func unpackingIsTheDivisionByTwoHundredFiftyFiveForEveryByte() {
    // 256 bytes and then 13 more (a count that is not a multiple of the kernel's 8 lanes).
    let bytes = (0..<256).map { UInt8($0) } + (0..<13).map { UInt8(250 - 17 * $0) }
    var out = [Double](repeating: -1, count: bytes.count)
    lesson_unit_from_bytes_f64(bytes, &out, bytes.count)
    for (b, x) in zip(bytes, out) { #expect(x.bitPattern == (Double(b) / 255).bitPattern, "byte \(b)") }
}

@Test func packedTilesKeepTheNonZeroRowsAndUnpackToXItself() throws {
    var (X, _) = denseData(37, seed: 5)   // 3 tiles, the last of 5 columns
    for p in 0..<784 where p % 3 == 0 { for j in 0..<37 { X.storage[p * 37 + j] = 0 } }   // rows blank in every tile
    let packed = try #require(PackedPixels(X))
    let k = 784, width = PackedPixels.width
    #expect(packed.rowStart.count == 4 && packed.rowStart[0] == 0)
    for t in 0..<3 {
        let columns = (t * width)..<min(37, (t + 1) * width)
        var rows = 0
        for p in 0..<k {
            let values = columns.map { X.storage[p * 37 + $0] }
            let r = Int(packed.rowOf[t * k + p])
            if values.allSatisfy({ $0 == 0 }) { #expect(r == -1, "tile \(t) pixel \(p) is blank"); continue }
            #expect(r == rows, "rows in pixel order"); rows += 1
            let q = Int(packed.rowStart[t]) + r
            #expect(Int(packed.pixel[q]) == p)
            var unpacked = [Double](repeating: -1, count: width)
            lesson_unit_from_bytes_f64(packed.bytes + q * width, &unpacked, width)
            #expect(Array(unpacked.prefix(columns.count)) == values, "tile \(t) pixel \(p)")
            #expect(unpacked.dropFirst(columns.count).allSatisfy { $0 == 0 }, "padding past the last column")
        }
        #expect(Int(packed.rowStart[t + 1] - packed.rowStart[t]) == rows)
        #expect(rows < k - k / 3, "blank rows are left out")
    }
    X.storage[5] = 0.3   // not a byte / 255
    #expect(PackedPixels(X) == nil)
}

@Test func packedKernelsMatchTheReadablePathForOddShapes() {
    // 7 hidden units (not a multiple of the kernels' row tiles), 333 images (a partial last tile),
    // blocks of 40 rounded up to 48; the corrected rule (the max-subtracting softmax, per-unit db).
    let (X, labels) = denseData(333, seed: 6)
    var rng = RandomState(seed: 2)
    var slow = TwoLayerNetwork(hidden: 7, rng: &rng)
    let start = slow
    let a = BLASThreads.with(1) { slow.gradientDescent(X, labels: labels, rule: .corrected, learningRate: 0.2, iterations: 8, logEvery: 2) }
    var results = [TwoLayerNetwork]()
    for threads in [1, 2, 3] {
        var fast = start
        let b = DenseTraining.gradientDescent(&fast, X, labels: labels, rule: .corrected, learningRate: 0.2, iterations: 8,
                                              logEvery: 2, block: 40, wholeUpTo: 0, threads: threads)
        #expect(b.count == a.count && zip(a, b).allSatisfy { abs($0.loss - $1.loss) <= 1e-12 * abs($0.loss) && $0.predictions == $1.predictions })
        for (s, f) in [(slow.W1, fast.W1), (slow.b1, fast.b1), (slow.W2, fast.W2), (slow.b2, fast.b2)] {
            #expect(s.shape == f.shape && s.maxAbsDifference(f) <= 1e-10 * (s.storage.map(abs).max() ?? 1))
        }
        results.append(fast)
    }
    for r in results.dropFirst() { #expect(r.W1 == results[0].W1 && r.b1 == results[0].b1 && r.W2 == results[0].W2 && r.b2 == results[0].b2) }
}

@Test(arguments: ["overflowing softmax", "NaN weight"])
func aDivergingRunFailsWhereTheReadableOneFails(_ how: String) {
    // W2 × 1000 overflows the tutorial's softmax (no maximum subtracted): dZ1 is NaN, and the kernels,
    // which skip zero pixels, hand those blocks to OpenBLAS; the run stops at once. A NaN in W1 keeps
    // the kernels out of every iteration (its unit's Z1 is NaN, which the ReLU turns into 0, so the run
    // goes on). Either way the NaNs land where the reference's do.
    var (X, labels) = denseData(200, seed: 7)
    for p in 0..<784 where (p / 2) % 3 == 0 { for j in 0..<200 { X.storage[p * 200 + j] = 0 } }   // pairs of pixels blank in every image, as MNIST's corners
    var rng = RandomState(seed: 3)
    var slow = TwoLayerNetwork(rng: &rng)
    if how == "NaN weight" { slow.W1.storage[3 * 784 + 400] = .nan } else { slow.W2 = slow.W2 * 1000 }
    var fast = slow
    let a = BLASThreads.with(1) { slow.gradientDescent(X, labels: labels, rule: .tutorial(m: 200), learningRate: 0.1, iterations: 5, logEvery: 1) }
    let b = DenseTraining.gradientDescent(&fast, X, labels: labels, rule: .tutorial(m: 200), learningRate: 0.1, iterations: 5,
                                          logEvery: 1, block: 64, wholeUpTo: 0)
    if how == "NaN weight" {
        #expect(a.count == 5 && zip(a, b).allSatisfy { abs($0.loss - $1.loss) <= 1e-12 * abs($0.loss) })
    } else {
        #expect(a.count == 1 && !a[0].loss.isFinite, "the reference fails at once")
    }
    #expect(a.count == b.count && a.map { $0.loss.isFinite } == b.map { $0.loss.isFinite })
    #expect(slow.W1.storage.map(\.isNaN) == fast.W1.storage.map(\.isNaN) && slow.W2.storage.map(\.isNaN) == fast.W2.storage.map(\.isNaN))
    #expect(slow.W1.storage.contains { $0.isNaN })
}
