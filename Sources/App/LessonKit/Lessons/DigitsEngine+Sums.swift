// Lesson 1's worked sums, term by term: the step's worked examples and the quiz's questions take
// their terms from here, so a question is the same sum the step writes out.
import Network
import Numerics

extension DigitsEngine {
    /// dZ1[i, n] = (Σ_k W2[k, i] · dZ2[k, n]) · g'(Z1[i, n]): the sum before the ReLU's gate.
    func hiddenErrorTerms(_ net: TwoLayerNetwork, _ g: TwoLayerNetwork.Gradients, unit i: Int, image n: Int) -> [WorkedSum.Term] {
        let (outputs, hidden, m) = (net.W2.shape[0], net.W2.shape[1], g.dZ2.shape[1])
        return (0..<outputs).map { k in .init(net.W2.storage[k * hidden + i], g.dZ2.storage[k * m + n]) }
    }

    /// dW1[i, j] = 1/m Σ_n dZ1[i, n] · X[j, n]: one product per image, before the 1/m.
    func firstWeightTerms(_ f: TwoLayerNetwork.ForwardCache, _ g: TwoLayerNetwork.Gradients, unit i: Int, pixel j: Int) -> [WorkedSum.Term] {
        let m = g.dZ1.shape[1]
        return (0..<m).map { .init(g.dZ1.storage[i * m + $0], f.X.storage[j * m + $0]) }
    }
}
