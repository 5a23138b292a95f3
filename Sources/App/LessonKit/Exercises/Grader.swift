// Grades a student's outputs against ours, output by output and input set by input set, in the manner
// of backprop-ninja's cmp() (shape, exact, close with cs231n's relative error, the largest difference
// and where), and when an output is wrong, names the mistake: a classic wrong version it matches, a
// sign, a constant factor, swapped axes, a window off by one, or answers copied from the traced image.
// It computes; CheckView says it in words.
import Datasets
import Foundation
import Numerics

/// cs231n's relative error: max |a − b| / max(1e-8, |a| + |b|); "close" below `closeLimit`.
public enum Closeness {
    public static let closeLimit = 1e-7
    static func elementError(_ a: Double, _ b: Double) -> Double { abs(a - b) / max(1e-8, abs(a) + abs(b)) }
    public static func relativeError(_ a: [Double], _ b: [Double]) -> Double {
        zip(a, b).reduce(0) { max($0, elementError($1.0, $1.1)) }
    }
    static func close(_ a: [Double], _ b: [Double]) -> Bool { a.count == b.count && relativeError(a, b) < closeLimit }
}

/// One output on one input set.
public struct OutputComparison: Sendable {
    public let output: String
    public let set: Int
    public let expectedShape: [Int]
    public let shape: [Int]
    public var sameShape: Bool { shape == expectedShape }
    public var exact = false
    public var close = false
    public var relativeError = 0.0
    public var largestDifference = 0.0
    public var largestAt: [Int] = []
    /// Entries that are NaN or infinite: how many, the first, and which kind it is.
    public var nonFinite: (count: Int, first: [Int], value: Double)?
}

/// What is wrong with one output, in the grader's terms (CheckView words it).
public enum Finding: Sendable {
    case mistake(Mistake)
    case sign
    case factor(Double, name: String?, short: String? = nil)
    case varyingFactor([Double])
    case axes(permutation: [Int])
    /// Its shape is one short or long in some axes; `matches` whether the places it has hold the right values.
    case offByOneShape(matches: Bool)
    case shifted(axis: Int, by: Int)
    /// Right on the traced example, wrong on a hidden set.
    case onlyTraced(firstWrongSet: Int)
    case unknown
}

/// The first wrong element of an output, worked out, with the student's value there.
public struct WrongElement: Sendable {
    public let set: Int
    public let index: [Int]
    public let right: ElementSum
    public let yours: Double
}

public struct FunctionGrade: Sendable {
    public let function: ExerciseFunction
    /// rows, set by set, output by output (only where the call returned arrays).
    public var rows: [OutputComparison] = []
    /// A call that did not return its arrays: (set, what happened).
    public var failures: [(set: Int, result: CallResult)] = []
    /// Per wrong output: what kind of mistake, and an element worked out.
    public var findings: [(output: String, finding: Finding, element: WrongElement?)] = []
    public var correct: Bool { failures.isEmpty && !rows.isEmpty && rows.allSatisfy { $0.close && $0.sameShape && $0.nonFinite == nil } }
    /// Whether the code did not run to the end on some set (it could not be graded there).
    public var ungraded: Bool { !failures.isEmpty }
}

public enum Grader {
    /// Grades `results[set]` of one call against the right outputs of each set.
    public static func grade(_ f: ExerciseFunction, inputs: [ExerciseArrays], results: [CallResult?], extraFactors: [ExerciseFactor]) -> FunctionGrade {
        var g = FunctionGrade(function: f)
        let right = inputs.map { f.callReference($0) }
        var given = [[String: NpyArray]?](repeating: nil, count: inputs.count)
        for (s, r) in results.enumerated() {
            switch r {
            case .outputs(let o)?: given[s] = o
            case let other?: g.failures.append((s, other))
            case nil: g.failures.append((s, .notReached))
            }
        }
        for o in f.outputs.map(\.name) {
            var wrongSets = [Int]()
            for s in inputs.indices {
                guard let yours = given[s]?[o], let ours = right[s][o] else { continue }
                let row = compare(o, set: s, yours: yours, ours: ours)
                g.rows.append(row)
                if !(row.close && row.sameShape) && row.nonFinite == nil { wrongSets.append(s) }
            }
            guard let first = wrongSets.first else { continue }
            let finding = diagnose(f, output: o, inputs: inputs, right: right, given: given, wrongSets: wrongSets, extraFactors: extraFactors)
            var element: WrongElement?
            if let yours = given[first]?[o], yours.shape == right[first][o]!.shape,
               let k = yours.values.indices.first(where: { Closeness.elementError(yours.values[$0], right[first][o]!.storage[$0]) >= Closeness.closeLimit }) {
                let index = multiIndex(k, yours.shape)
                element = WrongElement(set: first, index: index, right: f.workedElement(o, at: index, inputs: inputs[first]), yours: yours.values[k])
            }
            g.findings.append((o, finding, element))
        }
        return g
    }

    public static func compare(_ output: String, set: Int, yours: NpyArray, ours: Tensor<Double>) -> OutputComparison {
        var row = OutputComparison(output: output, set: set, expectedShape: ours.shape, shape: yours.shape)
        if let k = yours.values.firstIndex(where: { !$0.isFinite }) {
            row.nonFinite = (yours.values.filter { !$0.isFinite }.count, multiIndex(k, yours.shape), yours.values[k])
            return row
        }
        guard row.sameShape else { return row }
        row.exact = zip(yours.values, ours.storage).allSatisfy { $0 == $1 }
        row.relativeError = Closeness.relativeError(yours.values, ours.storage)
        row.close = row.relativeError < Closeness.closeLimit
        var worst = 0.0, at = 0
        for (k, (a, b)) in zip(yours.values, ours.storage).enumerated() where abs(a - b) > worst { worst = abs(a - b); at = k }
        row.largestDifference = worst
        row.largestAt = multiIndex(at, ours.shape)
        return row
    }

    static func diagnose(_ f: ExerciseFunction, output o: String, inputs: [ExerciseArrays], right: [ExerciseArrays],
                         given: [[String: NpyArray]?], wrongSets: [Int], extraFactors: [ExerciseFactor]) -> Finding {
        // The sets the student's array came back for, with ours.
        let pairs: [(s: Int, yours: NpyArray, ours: Tensor<Double>)] = inputs.indices.compactMap { s in
            guard let y = given[s]?[o], let r = right[s][o], y.values.allSatisfy(\.isFinite) else { return nil }
            return (s, y, r)
        }
        // Right where the numbers were shown, wrong where they were not: copied, not computed.
        if !wrongSets.contains(0), given[0]?[o] != nil { return .onlyTraced(firstWrongSet: wrongSets[0]) }
        // A classic wrong version of this function (its shape may differ from the right one: a bias
        // gradient summed into one number).
        let mistakes = inputs.indices.map { s in f.classicMistakes(inputs[s], right: right[s]) }
        for mistake in mistakes.first ?? [] where mistake.outputs[o] != nil && !pairs.isEmpty {
            // The same slip on each set, found by name: a slip only possible for some shapes (W · δ
            // for a square W) is not on every set's list.
            if pairs.allSatisfy({ p in
                guard let wrong = mistakes[p.s].first(where: { $0.short == mistake.short })?.outputs[o] else { return false }
                return wrong.shape == p.yours.shape && Closeness.close(p.yours.values, wrong.storage)
            }) { return .mistake(mistake) }
        }
        // Two slips at once: a classic wrong version, off by one of the lesson's factors too (the
        // tutorial's code pasted whole: db summed into one number and divided by its m).
        for mistake in mistakes.first ?? [] where mistake.outputs[o] != nil && !pairs.isEmpty {
            for factor in extraFactors where pairs.allSatisfy({ p in
                guard let wrong = mistakes[p.s].first(where: { $0.short == mistake.short })?.outputs[o], let c = factor.value(inputs[p.s]) else { return false }
                return wrong.shape == p.yours.shape && Closeness.close(p.yours.values, wrong.storage.map { $0 * c })
            }) {
                return .mistake(Mistake(mistake.short + " and " + (factor.short ?? "a factor"), mistake.words + " And it is " + factor.words + ".", [:]))
            }
        }
        let sameShape = pairs.allSatisfy { $0.yours.shape == $0.ours.shape }
        if sameShape {
            if pairs.allSatisfy({ Closeness.close($0.yours.values, $0.ours.storage.map { -$0 }) }) { return .sign }
            // A constant factor: named ones first (they may differ from set to set, as a count of positions does).
            let named = inputs.indices.map { s in
                f.constantFactors(inputs[s]).map { (Double?.some($0.0), $0.1, String?.none) } + extraFactors.map { ($0.value(inputs[s]), $0.words, $0.short) }
            }
            for (n, candidate) in (named.first ?? []).enumerated() {
                if let value = candidate.0, pairs.allSatisfy({ p in
                    guard let c = named[p.s][n].0 else { return false }
                    return Closeness.close(p.yours.values, p.ours.storage.map { $0 * c })
                }) {
                    return .factor(value, name: candidate.1, short: candidate.2)
                }
            }
            let factors: [Double?] = pairs.map { p in
                let rr = p.ours.storage.reduce(0) { $0 + $1 * $1 }
                guard rr > 0 else { return nil }
                let c = zip(p.yours.values, p.ours.storage).reduce(0) { $0 + $1.0 * $1.1 } / rr
                return Closeness.close(p.yours.values, p.ours.storage.map { $0 * c }) && c != 0 ? c : nil
            }
            if factors.allSatisfy({ $0 != nil }), let c = factors.first! {
                if factors.allSatisfy({ abs($0! - c) <= 1e-9 * abs(c) }) { return .factor(c, name: nil) }
                return .varyingFactor(factors.map { $0! })
            }
            // Axes swapped where the shape allows it (a square map, a square filter).
            for perm in permutations(pairs[0].ours.shape.count) where perm != Array(0..<perm.count) {
                if pairs.allSatisfy({ p in
                    let t = transpose(p.ours, perm)
                    return t.shape == p.yours.shape && Closeness.close(p.yours.values, t.storage)
                }) { return .axes(permutation: perm) }
            }
            // Shifted by one place along a spatial axis.
            for axis in 0..<min(2, pairs[0].ours.shape.count) where pairs[0].ours.shape.count >= 2 {
                for by in [1, -1] where pairs.allSatisfy({ shiftedMatch($0.yours, $0.ours, axis: axis, by: by) }) {
                    return .shifted(axis: axis, by: by)
                }
            }
            return .unknown
        }
        // A shape that is a permutation of the right one: transposed.
        for perm in permutations(pairs.first?.ours.shape.count ?? 0) {
            if !pairs.isEmpty, pairs.allSatisfy({ p in
                let t = transpose(p.ours, perm)
                return t.shape == p.yours.shape && Closeness.close(p.yours.values, t.storage)
            }) { return .axes(permutation: perm) }
        }
        // One short or one long in some axis: an off-by-one in a loop's range.
        if !pairs.isEmpty, pairs.allSatisfy({ $0.yours.shape.count == $0.ours.shape.count && zip($0.yours.shape, $0.ours.shape).allSatisfy { abs($0 - $1) <= 1 } }) {
            return .offByOneShape(matches: pairs.allSatisfy { overlapMatches($0.yours, $0.ours) })
        }
        return .unknown
    }

    /// All orders of `n` axes (n ≤ 4 here: 24 at most).
    static func permutations(_ n: Int) -> [[Int]] {
        guard n > 1, n <= 5 else { return n == 1 ? [[0]] : [] }
        func perms(_ items: [Int]) -> [[Int]] {
            items.count <= 1 ? [items] : items.flatMap { i in perms(items.filter { $0 != i }).map { [i] + $0 } }
        }
        return perms(Array(0..<n))
    }

    /// numpy's t.transpose(perm).
    static func transpose(_ t: Tensor<Double>, _ perm: [Int]) -> Tensor<Double> {
        let shape = perm.map { t.shape[$0] }
        return Tensor(shape: shape) { o in
            let idx = multiIndex(o, shape)
            var src = [Int](repeating: 0, count: perm.count)
            for (k, p) in perm.enumerated() { src[p] = idx[k] }
            return t.storage[flatOffset(src, t.shape)]
        }
    }

    /// Whether yours[i] ≈ ours[i + by] along `axis` wherever both exist, and differs somewhere.
    static func shiftedMatch(_ yours: NpyArray, _ ours: Tensor<Double>, axis: Int, by: Int) -> Bool {
        var a = [Double](), b = [Double]()
        for k in 0..<ours.count {
            var idx = multiIndex(k, ours.shape)
            idx[axis] += by
            guard idx[axis] >= 0, idx[axis] < ours.shape[axis] else { continue }
            a.append(yours.values[k]); b.append(ours.storage[flatOffset(idx, ours.shape)])
        }
        return !a.isEmpty && a.contains { $0 != 0 } && Closeness.close(a, b)
    }

    /// Whether the places a one-short (or one-long) array has hold the right values, from [0, 0, ...].
    static func overlapMatches(_ yours: NpyArray, _ ours: Tensor<Double>) -> Bool {
        let common = zip(yours.shape, ours.shape).map { min($0, $1) }
        let n = common.reduce(1, *)
        guard n > 0 else { return false }
        var a = [Double](), b = [Double]()
        for k in 0..<n {
            let idx = multiIndex(k, common)
            a.append(yours.values[flatOffset(idx, yours.shape)]); b.append(ours.storage[flatOffset(idx, ours.shape)])
        }
        return Closeness.close(a, b)
    }
}
