// The letters tutorial's data: A, B and C drawn on 5×6 grids of 0s and 1s, with one-hot labels.
import Numerics

public enum Letters {
    public static let names = ["A", "B", "C"]
    public static let height = 5
    public static let width = 6

    static let pictures: [[Double]] = [
        [0, 0, 1, 1, 0, 0,
         0, 1, 0, 0, 1, 0,
         1, 1, 1, 1, 1, 1,
         1, 0, 0, 0, 0, 1,
         1, 0, 0, 0, 0, 1],
        [0, 1, 1, 1, 1, 0,
         0, 1, 0, 0, 1, 0,
         0, 1, 1, 1, 1, 0,
         0, 1, 0, 0, 1, 0,
         0, 1, 1, 1, 1, 0],
        [0, 1, 1, 1, 1, 0,
         0, 1, 0, 0, 0, 0,
         0, 1, 0, 0, 0, 0,
         0, 1, 0, 0, 0, 0,
         0, 1, 1, 1, 1, 0],
    ]

    /// Letter `i` as a (1, 30) row vector, the tutorial's `x[i]`.
    public static func input(_ i: Int) -> Tensor<Double> {
        Tensor(shape: [1, width * height], storage: pictures[i])
    }

    /// The one-hot label of letter `i` as (1, 3).
    public static func label(_ i: Int) -> Tensor<Double> {
        Tensor(shape: [1, names.count], storage: (0..<names.count).map { $0 == i ? 1 : 0 })
    }

    /// All three labels as the tutorial's `y`, shape (3, 3).
    public static var labels: Tensor<Double> {
        Tensor(shape: [3, 3], storage: (0..<9).map { $0 / 3 == $0 % 3 ? 1 : 0 })
    }
}
