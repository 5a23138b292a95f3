// Loss functions the lessons report.
import Numerics

public enum Loss {
    // loss = Σ (out - y)² / n, the letters tutorial's `loss` (it divides by n = len(y), the number of letters)
    public static func letterTutorialMSE(_ out: Tensor<Double>, _ y: Tensor<Double>, divisor n: Int) -> Double {
        (out - y).storage.reduce(0) { $0 + $1 * $1 } / Double(n)
    }
}
