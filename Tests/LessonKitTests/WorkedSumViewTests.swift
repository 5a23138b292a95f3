// Issue 30, item 1: a long worked sum is shown by the terms that carry its value (its largest non-zero
// products, then a line for the other non-zero ones and one for the zeros, saying which factor made them
// 0); a short one, and every one under --full, term by term in index order.
import Foundation
@testable import LessonKit
import Testing
import TestSupport

/// The lines the terminal view prints for `sum`.
func printed(_ sum: WorkedSum, full: Bool = false, width: Int = 80) -> [String] {
    var view = TerminalView(words: Words(Words.runner), width: width, color: false, full: full)
    return view.lines(.sum(sum))
}

/// A printed value of a written-out sum back to a number: "(-0.5)" is -0.5.
func number(_ s: Substring) -> Double? { Double(s.trimmingCharacters(in: CharacterSet(charactersIn: "()"))) }

/// What the view wrote of one elided sum, read back from its text.
struct ElidedSum {
    var shown: [(a: Double, b: Double)] = []
    var nonZero = 0, others = 0, zeros = 0, count = 0
    var othersTotal = 0.0
}

/// Every elided sum in `text`: the terms on the lines from an `= ` to the line "+ K smaller non-zero
/// products: Σ = r" (or "+ no other non-zero product"), then the "+ Z of T products are 0" line.
func elidedSums(_ text: String) throws -> [ElidedSum] {
    let lines = text.split(separator: "\n").map(String.init)
    var sums = [ElidedSum]()
    for (i, line) in lines.enumerated() {
        let more = line.firstMatch(of: #/^\s*\+ (\d+) smaller non-zero products?: Σ = (\S+)$/#)
        guard more != nil || line.hasSuffix("+ no other non-zero product"), i > 0 else { continue }
        var start = i - 1
        while start > 0 && !lines[start].trimmingCharacters(in: .whitespaces).hasPrefix("= ") { start -= 1 }
        var s = ElidedSum()
        let written = lines[start..<i].joined(separator: " ")
        for m in written.matches(of: #/(\(?-?[0-9.e+-]+\)?)·(\(?-?[0-9.e+-]+\)?)/#) {
            s.shown.append((try #require(number(m.output.1)), try #require(number(m.output.2))))
        }
        if let more { s.others = Int(more.output.1)!; s.othersTotal = try #require(Double(more.output.2)) }
        s.nonZero = s.shown.count + s.others
        if i + 1 < lines.count, let m = lines[i + 1].firstMatch(of: #/\+ (\d+) of (\d+) products are 0/#) {
            s.zeros = Int(m.output.1)!; s.count = Int(m.output.2)!
        } else {
            s.count = s.nonZero
        }
        sums.append(s)
    }
    return sums
}

@Suite struct WorkedSumViewTests {
    /// conv1's backward example in miniature: 40 products, most of them 0 because x or δ is.
    func sparse() -> WorkedSum {
        var terms = [WorkedSum.Term]()
        for i in 0..<40 {
            let x = i < 24 ? 0.0 : Double(i) / 40, d = i % 5 == 0 ? 0.0 : (i % 2 == 0 ? 1 : -1) * Double(i % 7) / 10
            terms.append(.init(x, d))
        }
        let total = terms.reduce(0.0) { $0 + $1.a * $1.b }
        return WorkedSum(name: "dW", index: [0, 2], formula: Phrase("f"), why: Phrase("w"), terms: terms, factors: ["x", "δ"], result: total)
    }

    @Test func aLongSumShowsItsLargestNonZeroTermsThenTheRest() throws {
        let w = sparse()
        let lines = printed(w)
        let text = lines.joined(separator: "\n")
        #expect(!text.contains("0·"), "no product with a zero factor is written out: \(text)")
        let s = try #require(try elidedSums(text).first)
        let nonZero = w.terms.filter { $0.a * $0.b != 0 }
        let sizes = nonZero.map { abs($0.a * $0.b) }.sorted(by: >)
        #expect(s.shown.count == TerminalView.sumShown && s.nonZero == nonZero.count)
        // The shown terms are the largest, in order of size, and none is 0.
        for (n, t) in s.shown.enumerated() { #expect(abs(abs(t.a * t.b) - sizes[n]) <= 1e-7 * sizes[n], "term \(n)") }
        #expect(s.others == nonZero.count - s.shown.count && s.zeros == w.terms.count - nonZero.count && s.count == w.terms.count)
        // Shown and rest add up to the element (to the 8 digits printed).
        let shown = s.shown.reduce(0.0) { $0 + $1.a * $1.b }
        #expect(abs(shown + s.othersTotal - w.result) <= 1e-6 * abs(w.result), "\(shown) + \(s.othersTotal) against \(w.result)")
        let zeroX = w.terms.filter { $0.a == 0 }.count, zeroDeltaOnly = w.terms.filter { $0.a != 0 && $0.b == 0 }.count
        #expect(text.contains("\(s.zeros) of 40 products are 0: x is 0 in \(zeroX), δ in the other \(zeroDeltaOnly)"), "\(text)")
        #expect(lines.allSatisfy { TextColumns.width($0) <= 80 }, "\(lines)")
    }

    @Test func fullAndShortSumsKeepEveryTermInIndexOrder() {
        let w = sparse()
        let full = printed(w, full: true).joined(separator: " ")
        #expect(full.contains("(40 products)") && !full.contains("largest"))
        #expect(full.components(separatedBy: "·").count - 1 == 40)
        let short = WorkedSum(name: "z", index: [0], formula: Phrase("f"), why: Phrase("w"), terms: [.init(0, 1), .init(2, 3), .init(-1, 4)],
                              factors: ["x", "W"], result: 2)
        #expect(printed(short).joined(separator: " ").contains("= 0·1 + 2·3 + (-1)·4  (3 products)"))
    }

    @Test func aSumOfZerosSaysSo() {
        let terms = (0..<30).map { WorkedSum.Term($0 < 10 ? 0 : 1, 0) }
        let w = WorkedSum(name: "dW", index: [0], formula: Phrase("f"), why: Phrase("w"), terms: terms, factors: ["x", "δ"], result: 0)
        let text = printed(w).joined(separator: "\n")
        #expect(text.contains("= 0: all 30 products are 0, x is 0 in 10, δ in the other 20"), "\(text)")
        #expect(!text.contains("·"))
    }

    /// Every elided sum the default step-throughs print: shown terms non-zero and the largest, counts that
    /// add up, and shown + rest equal to the element; for each, the run.json terms give the same largest
    /// terms and add up to the element to 1e-12.
    @Test(arguments: [
        ["run", "1", "--to", "backward-first"],
        ["run", "3", "--to", "input-gradient"],
        ["run", "3", "--to", "input-gradient", "--pretrained"],
    ])
    func everyElidedSumOfTheLessonsShowsTheTermsThatCarryIt(_ arguments: [String]) throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try runLesson(arguments + ["--out", dir.path, "--width", "80"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stdout.contains("0·0 + 0·0"), "a row of zero products")
        let sums = try elidedSums(r.stdout)
        // Lesson 3: conv2's forward group, dense1's δ_in, conv2's dW and conv1's dW at least.
        #expect(sums.count >= (arguments[1] == "1" ? 1 : 4), "\(sums.count) elided sums")
        for s in sums {
            #expect(s.shown.allSatisfy { $0.a * $0.b != 0 })
            let sizes = s.shown.map { abs($0.a * $0.b) }
            #expect(sizes == sizes.sorted(by: >), "largest first: \(sizes)")
            #expect(s.shown.count + s.others == s.nonZero && s.nonZero + s.zeros == s.count)
        }
        if arguments[1] == "3" {
            // conv2's patch and filter are printed at the input channel whose products the sum writes out.
            let lines = r.stdout.split(separator: "\n").map(String.init)
            let patch = try #require(lines.firstIndex { $0.hasPrefix("patch  shape (5, 5, 10)") })
            let shown = try #require(lines[patch...].lazy.compactMap { $0.firstMatch(of: #/channel (\d+) of 10 · all 250/#) }.first)
            let written = try #require(lines.indices.first { i in
                lines[i].hasPrefix("  input channel ") && i + 1 < lines.count && lines[i + 1].hasPrefix("    = ") })
            #expect(lines[written].hasPrefix("  input channel \(shown.output.1): "), "\(lines[written]) against channel \(shown.output.1)")
        }
        // The ungrouped sums against their exact terms in run.json.
        let record = try JSONDecoder().decode(RunRecord.self, from: Data(contentsOf: dir.appendingPathComponent("run.json")))
        var checked = 0
        for sum in try #require(record.sums) where sum.terms.count > TerminalView.sumWhole {
            let products = sum.terms.map { $0[0] * $0[1] }
            let order = products.indices.filter { products[$0] != 0 }.sorted { (abs(products[$0]), $1) > (abs(products[$1]), $0) }
            let top = Array(order.prefix(TerminalView.sumShown))
            let written = top.map { TerminalView.term(sum.terms[$0][0]) + "·" + TerminalView.term(sum.terms[$0][1]) }.joined(separator: " + ")
            // Ungrouped sums write their terms as one run (joined across the wrapped lines).
            guard r.stdout.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }).joined(separator: " ").contains("= " + written) else { continue }
            let rest = products.indices.filter { products[$0] != 0 && !top.contains($0) }.reduce(0.0) { $0 + products[$1] }
            let whole = (top.reduce(0.0) { $0 + products[$1] } + rest + (sum.bias ?? 0)) * (sum.scale ?? 1)
            #expect(abs(whole - sum.result) <= 1e-12 * max(1, abs(sum.result)), "\(sum.step) \(sum.name)\(sum.index)")
            checked += 1
        }
        #expect(checked >= (arguments[1] == "1" ? 1 : 3), "ungrouped elided sums checked against run.json: \(checked)")
    }
}
