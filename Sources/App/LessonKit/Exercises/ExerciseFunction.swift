// What a student writes in an exercise: one function of the catalogue (conv_backward, relu_backward,
// ...), with its parameters and outputs, our reference for it on any inputs of the right kind, the
// classic wrong versions of it, two input sets the student never sees, and each output element's
// worked sum. Lesson files choose functions from this catalogue by name (an ```exercise block).
import Foundation
import Numerics

/// Named arrays: one call's inputs, or its outputs. A whole-number input (a pool size, a label) is a
/// 0-d tensor.
public typealias ExerciseArrays = [String: Tensor<Double>]

public struct ExerciseParameter: Sendable {
    public let name: String
    /// Written as int64 .npy; a 0-d one is handed to Python as an int (for `range(f)` and indexing).
    public let integer: Bool
    /// An array of whole numbers (labels), handed over as an int64 array.
    public let integerArray: Bool
    /// The shape in the tutorial's letters and what it holds, for the docstring and the task.
    public let about: String
    init(_ name: String, integer: Bool = false, integerArray: Bool = false, _ about: String) {
        self.name = name; self.integer = integer || integerArray; self.integerArray = integerArray; self.about = about
    }
}

/// One classic wrong version of a function: what it computes instead, in words, and the outputs it gives.
public struct Mistake: Sendable {
    /// A few words for a teacher's table ("filter not turned 180°").
    public let short: String
    /// What the student did, as a sentence that names the slip without giving the answer.
    public let words: String
    /// The wrong version's outputs (only those the slip changes).
    public let outputs: ExerciseArrays
    public init(_ short: String, _ words: String, _ outputs: ExerciseArrays) { self.short = short; self.words = words; self.outputs = outputs }
}

/// A factor a student's output may be off by that the lesson knows and the function does not (the
/// mini-batch size; the tutorial's count of rows), with its words. Its value may depend on the input
/// set: dividing by a hard-coded 2,290 is a different factor for each set's number of images.
public struct ExerciseFactor: Sendable {
    public let words: String
    /// A teacher's table's few words ("÷ 2290, the tutorial's m"); nil: "scaled × c".
    public let short: String?
    /// Its value on an input set; nil where it does not apply.
    public let value: @Sendable (ExerciseArrays) -> Double?
    public init(_ words: String, short: String? = nil, value: @escaping @Sendable (ExerciseArrays) -> Double?) {
        self.words = words; self.short = short; self.value = value
    }
    public static func constant(_ c: Double, _ words: String) -> ExerciseFactor { ExerciseFactor(words) { _ in c } }
}

/// One output element worked out term by term, as the step shows it: the formula, its non-zero terms,
/// anything added after the sum (a bias), and the value.
public struct ElementSum: Sendable {
    public struct Term: Sendable {
        public let text: String  // "x[3, 4, 0] · δ[3, 4, 0]"
        public let factors: [Double]
        public let value: Double
    }
    public let formula: String
    public var terms: [Term] = []
    /// Terms that are 0 (left out of the list, counted).
    public var zeroTerms = 0
    public var plus: (text: String, value: Double)?
    /// A value that is not a sum (a maximum, a gate): what decides it, in words.
    public var because: String?
    public let value: Double
}

public struct ExerciseFunction: Sendable {
    public let name: String
    public let parameters: [ExerciseParameter]
    public let outputs: [ExerciseParameter]
    /// The docstring's first line: what the function computes.
    public let summary: String
    /// The formula to start from, one line per output (the task shows it; no code).
    public let formulas: [String]
    let reference: @Sendable (ExerciseArrays) -> ExerciseArrays
    /// The classic wrong versions, given the inputs and the right outputs.
    let mistakes: @Sendable (ExerciseArrays, ExerciseArrays) -> [Mistake]
    /// Constant factors a student may be off by, with their names ("the number of positions, 81").
    let factors: @Sendable (ExerciseArrays) -> [(Double, String)]
    /// Two input sets of other shapes and values, with ties and zeros where they test something.
    let hidden: @Sendable (inout RandomState) -> [ExerciseArrays]
    /// Output `name`'s element at `index` worked out from the inputs.
    let worked: @Sendable (String, [Int], ExerciseArrays) -> ElementSum

    public func callReference(_ inputs: ExerciseArrays) -> ExerciseArrays { reference(inputs) }
    public func hiddenSets(seed: UInt32) -> [ExerciseArrays] {
        var rng = RandomState(seed: seed)
        return hidden(&rng)
    }
    public func workedElement(_ output: String, at index: [Int], inputs: ExerciseArrays) -> ElementSum { worked(output, index, inputs) }
    public func classicMistakes(_ inputs: ExerciseArrays, right: ExerciseArrays) -> [Mistake] { mistakes(inputs, right) }
    public func constantFactors(_ inputs: ExerciseArrays) -> [(Double, String)] { factors(inputs) }

    /// `conv_backward(x, W, delta) -> (dx, dW, db)`
    public var signature: String {
        let outs = outputs.map(\.name)
        return "\(name)(\(parameters.map(\.name).joined(separator: ", "))) -> " + (outs.count == 1 ? outs[0] : "(" + outs.joined(separator: ", ") + ")")
    }
}

public enum ExerciseCatalogue {
    public static let all: [ExerciseFunction] = [
        ConvExercises.forward, ConvExercises.backward, PoolExercises.forward, PoolExercises.backward,
        DenseExercises.forward, DenseExercises.backward, DenseExercises.reluBackward, DenseExercises.softmaxDelta,
        DigitsExercises.backwardProp, LettersExercises.backProp,
    ]
    public static func named(_ name: String) -> ExerciseFunction? { all.first { $0.name == name } }
}

// MARK: Helpers the catalogue shares

/// "[3, 4, 0]"
func indexText(_ i: [Int]) -> String { "[" + i.map(String.init).joined(separator: ", ") + "]" }

/// The flat C-order offset of `index` in `shape`, and back.
func flatOffset(_ index: [Int], _ shape: [Int]) -> Int {
    var o = 0
    for (i, d) in zip(index, shape) { o = o * d + i }
    return o
}
func multiIndex(_ offset: Int, _ shape: [Int]) -> [Int] {
    var o = offset, out = [Int](repeating: 0, count: shape.count)
    for k in stride(from: shape.count - 1, through: 0, by: -1) where shape[k] > 0 { out[k] = o % shape[k]; o /= shape[k] }
    return out
}

/// Normal draws of `shape`, rounded to `places` decimals (so a student printing them sees short numbers).
func draw(_ rng: inout RandomState, _ shape: [Int], places: Double = 2) -> Tensor<Double> {
    let scale = pow(10, places)
    return rng.normal(mean: 0, std: 1, shape: shape).map { ($0 * scale).rounded() / scale }
}

/// A 0-d tensor holding a whole number.
func integer(_ n: Int) -> Tensor<Double> { Tensor(shape: [], storage: [Double(n)]) }

/// The terms of a sum with their factors; zeros counted, not listed.
func sum(_ formula: String, _ parts: [(String, [Double])], plus: (String, Double)? = nil) -> ElementSum {
    var terms = [ElementSum.Term](), zeros = 0, total = 0.0
    for (text, factors) in parts {
        let v = factors.reduce(1, *)
        total += v
        if v == 0 { zeros += 1 } else { terms.append(.init(text: text, factors: factors, value: v)) }
    }
    var s = ElementSum(formula: formula, terms: terms, zeroTerms: zeros, value: total + (plus?.1 ?? 0))
    if let plus { s.plus = (plus.0, plus.1) }
    return s
}

extension Tensor where Scalar == Double {
    /// The element at a full index, any rank (the exercises' arrays are 0-d to 4-d).
    func at(_ index: Int...) -> Double { storage[flatOffset(index, shape)] }
}

/// A value in a worked sum's words: six significant digits, as numpy's %g would print it.
func shortValue(_ x: Double) -> String { String(format: "%.6g", x) }
