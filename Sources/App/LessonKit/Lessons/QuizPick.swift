// Which element a question asks about, the same rule in every lesson: the one the quiz line names
// (if it lies inside the quantity), else the step's worked example while it is worth checking, else
// the largest element that is (Question.checkable: |value| ≥ 1e-4, terms that do not cancel out).
import Foundation

enum QuizPick {
    static func pick<S: Sequence>(_ line: QuizLine, name: String, shape: [Int], worked: Int?, candidates: S, out: RecordStream,
                     make: (Int) -> Question?) -> Question? where S.Element == Int {
        if let at = line.at {
            if at.count == shape.count, zip(at, shape).allSatisfy({ $0 < $1 }) {
                let flat = at.enumerated().reduce(0) { $0 * shape[$1.offset] + $1.element }
                return make(flat).map { $0.chosen(.named) }
            }
            sayOutside(at, name: name, shape: shape, out: out)
        }
        if let worked, let q = make(worked), q.checkable { return q.chosen(.worked) }
        var best: Question?
        for c in candidates {
            guard let q = make(c), q.checkable else { continue }
            if best.map({ abs(q.value) > abs($0.value) }) ?? true { best = q }
        }
        if best == nil { out.say("quiz.none-checkable", ["name": .text(name)]) }
        return best?.chosen(.largestCheckable)
    }

    /// The line saying a quiz line's at= lies outside the quantity, so the step's own choice is asked.
    static func sayOutside(_ at: [Int], name: String, shape: [Int], out: RecordStream) {
        out.say("quiz.outside", ["at": .index(at), "name": .text(name), "shape": .shape(shape)])
    }

    /// A quiz line's at= of the wrong rank, found when the file is read.
    static func checkRank(_ q: QuizLine, _ rank: Int, file: LessonFile) throws {
        if let at = q.at, at.count != rank {
            throw LessonError.at(file.path, line: q.line, rank == 0 ? "\(q.kind) asks about one number; leave out at=."
                                 : "\(q.kind) at= takes \(rank) numbers (the element's index), got \(at.count).")
        }
    }
}
