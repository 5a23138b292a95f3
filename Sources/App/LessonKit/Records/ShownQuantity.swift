// run.json's copy of every quantity a run showed: the same text the terminal (at 80 columns) and the
// handout show, its statistics, and its values up to a size cap (lesson 1's full-data image matrix
// has 47 million; past the cap the summary and statistics stand for them).
import Foundation

public struct ShownQuantity: Codable, Sendable {
    /// Quantities with more values than this keep only their shown text and statistics.
    public static let valueCap = 10_000
    public let step: String
    public let name: String
    public let shape: [Int]
    public let role: String
    public let formula: String?
    /// The values as the views show them (numpy's text, summarised past 100 values unless --full).
    public let shown: String
    /// What the views say was left out, with the statistics of the whole.
    public let summary: String?
    public let min: Double?
    public let max: Double?
    public let mean: Double?
    public let zeros: Double?
    /// Every value, in C order, when there are at most `valueCap`.
    public let values: [Double]?
    /// true: the views show it only under --full (run.json keeps it either way).
    public var fullOnly: Bool? = nil

    static func all(_ records: [(step: Int, record: Record)], steps: [LessonStep], words: Words, full: Bool) -> [ShownQuantity] {
        let view = TerminalView(words: words, width: Report.width, color: false, full: full)
        return records.compactMap { entry in
            guard case .quantity(let q) = entry.record, entry.step >= 1, entry.step <= steps.count else { return nil }
            let (shown, summary) = view.shown(q)
            let s = Statistics(q.array.values)
            // JSON has no NaN or infinity: a diverged value's statistics are left out.
            func finite(_ x: Double) -> Double? { x.isFinite ? x : nil }
            let values = q.array.count <= valueCap && q.array.values.allSatisfy(\.isFinite) ? q.array.values : nil
            var shownQuantity = ShownQuantity(step: steps[entry.step - 1].name, name: q.name, shape: q.scalar ? [] : q.array.shape, role: q.role.rawValue,
                                              formula: q.formula.flatMap { words.has($0.key) ? words.render($0) : nil }, shown: shown, summary: summary,
                                              min: finite(s.min), max: finite(s.max), mean: finite(s.mean), zeros: s.zeroShare, values: values)
            if q.onlyWhenFull { shownQuantity.fullOnly = true }
            return shownQuantity
        }
    }
}

/// run.json's copy of a worked sum: the element, its terms and what they add up to.
public struct ShownSum: Codable, Sendable {
    public let step: String
    public let name: String
    public let index: [Int]
    /// Each term's two factors.
    public let terms: [[Double]]
    public let bias: Double?
    public let scale: Double?
    public let result: Double

    static func all(_ records: [(step: Int, record: Record)], steps: [LessonStep]) -> [ShownSum] {
        records.compactMap { entry in
            guard case .sum(let w) = entry.record, entry.step >= 1, entry.step <= steps.count else { return nil }
            return ShownSum(step: steps[entry.step - 1].name, name: w.name, index: w.index, terms: w.terms.map { [$0.a, $0.b] },
                            bias: w.bias, scale: w.scale, result: w.result)
        }
    }
}
