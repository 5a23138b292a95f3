// Lesson 1's training path against the tutorial's gradient descent (TwoLayerNetwork, the reference):
// one block is the same computation byte for byte (given the same BLAS: single-threaded, as the
// training path runs it; OpenBLAS's threaded dgemm rounds differently); several blocks differ only in
// how dW1 and dW2 are summed, and never with the thread count.
import Testing
@testable import Training
@testable import Network
@testable import Numerics

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
