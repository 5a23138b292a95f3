// Lesson 1's data set-up, as the tutorial does it: N rows of label + pixels, shuffled with the seed,
// the first rows held out as a dev set, pixels divided by 255, samples as columns.
import Datasets
import Foundation
import Numerics

package struct DigitsData {
    package let xTrain: Tensor<Double>  // (784, m_train)
    package let yTrain: [Int]
    let xDev: Tensor<Double>    // (784, m_dev)
    let yDev: [Int]
    /// Rows loaded before the split: the tutorial's `m`.
    package let rowsLoaded: Int
    let devName: String
    let verified: Bool

    /// Pixels of `indices` as columns of a (784, n) matrix, divided by 255.
    static func columns(_ set: LabelledImages, _ indices: [Int]) -> Tensor<Double> {
        let p = set.pixelsPerImage, n = indices.count
        var out = [Double](repeating: 0, count: p * n)
        set.pixels.withUnsafeBufferPointer { px in
            for (j, idx) in indices.enumerated() {
                let base = idx * p
                for i in 0..<p { out[i * n + j] = Double(px[base + i]) / 255 }
            }
        }
        return Tensor(shape: [p, n], storage: out)
    }

    /// Subset mode: the first `rows` training images, shuffled (as `np.random.shuffle(data)` on the rows),
    /// split into dev (first `devRows`) and train. Full mode: all training images shuffled, the test set as dev.
    package static func prepare(directory: URL, full: Bool, rows: Int, devRows: Int, rng: inout RandomState) throws -> DigitsData {
        let (train, report) = try MNIST.load(.train, from: directory)
        if full {
            var order = Array(0..<train.count)
            rng.shuffle(&order)  // the same draws as shuffling the rows themselves
            let (test, _) = try MNIST.load(.test, from: directory)
            return DigitsData(xTrain: columns(train, order), yTrain: order.map { Int(train.labels[$0]) },
                              xDev: columns(test, Array(0..<test.count)), yDev: test.labels.map(Int.init),
                              rowsLoaded: train.count, devName: "test", verified: report.verified)
        }
        guard rows <= train.count else {
            throw LessonError("rows is \(rows), but the data set has only \(train.count) training images; lower the rows setting.")
        }
        var order = Array(0..<rows)
        rng.shuffle(&order)
        let dev = Array(order[0..<devRows]), tr = Array(order[devRows...])
        return DigitsData(xTrain: columns(train, tr), yTrain: tr.map { Int(train.labels[$0]) },
                          xDev: columns(train, dev), yDev: dev.map { Int(train.labels[$0]) },
                          rowsLoaded: rows, devName: "dev", verified: report.verified)
    }
}
