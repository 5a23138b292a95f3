// `lesson check`'s words: a table per function in the manner of cmp() (each output on each input set:
// shape, exact, close, cs231n's relative error, the largest difference and where), then for a wrong
// output the mistake it looks like and its first wrong element worked out term by term; for a class,
// one line per submission; for handing in, the same as Markdown with the code.
import Foundation

public enum CheckView {
    static func shape(_ s: [Int]) -> String { s.count == 1 ? "(\(s[0]),)" : "(" + s.map(String.init).joined(separator: ", ") + ")" }
    static func number(_ x: Double) -> String { x == 0 ? "0" : String(format: "%.1e", x) }
    /// Each line of `s` after `indent`, broken at spaces within `width`; a broken line goes on two further in.
    static func wrapped(_ s: String, width: Int, indent: String) -> [String] {
        s.split(separator: "\n", omittingEmptySubsequences: false).flatMap { line in
            TextColumns.wrap(indent + line, width: width, indent: indent + "  ")
        }
    }
    static func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }

    /// What the check found, for a terminal `width` wide.
    public static func text(_ r: CheckResult, lesson: String, example: String, width: Int) -> String {
        var out = ["lesson check \(lesson) \(r.exercise.name): \(r.source)"]
        func say(_ s: String, indent: String = "") { out += wrapped(s, width: width, indent: indent) }
        let hidden = r.sets.count - 1
        say(hidden > 0 ? "Input sets: traced = \(example); hidden 1 and 2 = other shapes and values, not shown to you."
                       : "Input set: traced = \(example) (answer files are graded on it alone).")
        if let p = r.problem, r.grades.isEmpty {
            out.append("")
            say(problemText(p, r))
            appendPrinted(r, &out)
            return out.joined(separator: "\n") + "\n"
        }
        for g in r.grades {
            // A function the run never reached (the time limit came first) has nothing to show.
            if g.rows.isEmpty && groupedFailures(g, r).isEmpty { continue }
            out += ["", g.function.signature]
            if !g.rows.isEmpty {
                out.append("  " + pad("set", 10) + pad("output", 7) + pad("shape", 15) + pad("exact", 6) + pad("close", 6) + pad("rel. error", 11) + pad("max |diff|", 11) + "at")
                for row in g.rows {
                    var line = "  " + pad(r.sets[row.set], 10) + pad(row.output, 7) + pad(shape(row.shape), 15)
                    if let bad = row.nonFinite {
                        line += "\(bad.value.isNaN ? "NaN" : "infinity") at \(indexText(bad.first)) (\(bad.count) of \(row.shape.reduce(1, *)) entries)"
                    } else if !row.sameShape {
                        line += "wrong shape: expected \(shape(row.expectedShape))"
                    } else {
                        line += pad(row.exact ? "yes" : "no", 6) + pad(row.close ? "yes" : "NO", 6) + pad(number(row.relativeError), 11)
                            + pad(number(row.largestDifference), 11) + (row.largestDifference > 0 ? indexText(row.largestAt) : "")
                    }
                    while line.hasSuffix(" ") { line.removeLast() }
                    out.append(line)
                }
            }
            for (sets, text) in groupedFailures(g, r) { say((sets.count == r.sets.count && sets.count > 1 ? "On every input set: " : "On \(sets.joined(separator: " and ")): ") + text, indent: "  ") }
            for f in g.findings { out += findingText(f.output, f.finding, f.element, g, r, width: width) }
            if g.correct { out.append("  correct") }
        }
        out.append("")
        if let p = r.problem { say(problemText(p, r)) }
        if !r.notGiven.isEmpty { say("Not given, so not graded: \(r.notGiven.joined(separator: ", ")).") }
        say(verdict(r))
        if r.exitStatus != 0 { appendPrinted(r, &out) }
        return out.joined(separator: "\n") + "\n"
    }

    /// The last line: correct, what is wrong, or why it could not be graded.
    public static func verdict(_ r: CheckResult) -> String {
        switch r.exitStatus {
        case 0:
            let names = r.grades.map(\.function.name)
            return "correct: every output of \(names.joined(separator: " and ")) matches on \(r.sets.count == 1 ? "the traced example" : "all \(r.sets.count) input sets")."
        case 1:
            // "dW1, db1 and dW2 of backward_prop", function by function.
            var parts = [String](), wrongCount = 0
            for g in r.grades {
                var seen = Set<String>()
                let outs = (g.findings.map(\.output) + g.rows.filter { $0.nonFinite != nil }.map(\.output)).filter { seen.insert($0).inserted }
                guard !outs.isEmpty else { continue }
                wrongCount += outs.count
                let list = outs.count == 1 ? outs[0] : outs.dropLast().joined(separator: ", ") + " and " + outs.last!
                parts.append("\(list) of \(g.function.name)")
            }
            let all = r.grades.reduce(0) { $0 + $1.function.outputs.count }
            return "wrong: \(parts.joined(separator: "; "))." + (wrongCount < all ? " The rest is right." : "")
        default:
            return "not graded: the code did not run to the end (see above); fix that and check again."
        }
    }

    /// A few words for a teacher's table.
    public static func short(_ r: CheckResult) -> String {
        if let p = r.problem {
            switch p {
            case .noPython: return "not graded: python3 missing"
            case .noNumpy: return "not graded: numpy missing"
            case .unreadable: return "not graded: file unreadable"
            case .syntax(let line, let message, _): return "not graded: \(message.split(separator: ":").first ?? "SyntaxError") at line \(line)"
            case .atImport: return "not graded: raised when loaded"
            case .timedOut(let s): return "not graded: over \(number(s).replacingOccurrences(of: ".0e+00", with: "")) s"
            case .ended: return "not graded: python3 ended early"
            }
        }
        if r.exitStatus == 0 { return "correct" }
        var parts = [String]()
        for g in r.grades {
            for (_, result) in g.failures.prefix(1) { parts.append("\(g.function.name): \(failureShort(result))") }
            // Outputs wrong the same way share one entry: "dW1, db1: ReLU gate left out".
            var said = [(outputs: [String], what: String)]()
            for f in g.findings {
                let what = findingShort(f.finding)
                if let k = said.firstIndex(where: { $0.what == what }) { said[k].outputs.append(f.output) } else { said.append(([f.output], what)) }
            }
            parts += said.map { "\($0.outputs.joined(separator: ", ")): \($0.what)" }
            for row in g.rows where row.nonFinite != nil && !parts.contains(where: { $0.hasPrefix(row.output + ":") }) { parts.append("\(row.output): NaN or inf") }
        }
        return (r.exitStatus == 2 ? "not graded: " : "wrong: ") + parts.joined(separator: "; ")
    }

    static func failureShort(_ c: CallResult) -> String {
        switch c {
        case .missing: return "missing"
        case .notImplemented: return "not written"
        case .exception(let t): return String(t.split(separator: "\n").last ?? "exception").split(separator: ":").first.map(String.init) ?? "exception"
        case .returned: return "returned the wrong things"
        case .stopped, .notReached: return "stopped"
        case .outputs: return "ran"
        }
    }

    static func findingShort(_ f: Finding) -> String {
        switch f {
        case .mistake(let m): return m.short
        case .sign: return "sign flipped"
        case .factor(_, _, let short?): return short
        case .factor(let c, _, _): return c >= 1 ? "scaled × \(String(format: "%.4g", c))" : "scaled ÷ \(String(format: "%.4g", 1 / c))"
        case .varyingFactor: return "off by a varying factor"
        case .axes: return "axes swapped"
        case .offByOneShape: return "off by one (shape)"
        case .shifted: return "shifted one place"
        case .onlyTraced: return "right only on the traced example"
        case .unknown: return "wrong values"
        }
    }

    static func problemText(_ p: StudentRun.Problem, _ r: CheckResult) -> String {
        switch p {
        case .noPython: return "python3 is not installed, so your code cannot be run; install it (Debian: sudo apt-get install python3 python3-numpy), or grade arrays with --answer."
        case .noNumpy(let m): return "python3 cannot import numpy (\(m)); install it (Debian: sudo apt-get install python3-numpy, or python3 -m pip install numpy)."
        case .unreadable(let m): return "\(r.source) cannot be read as UTF-8 Python (\(m)); save it as UTF-8 text."
        case .syntax(let line, let message, let text):
            return "\(r.source) line \(line): \(message)" + (text.isEmpty ? "" : ":\n    " + text.trimmingCharacters(in: .whitespaces)) + "\nNothing could be graded; fix the line and check again."
        case .atImport(let trace): return "Loading \(r.source) raised an exception before any function was called:\n" + trace.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n")
        case .timedOut(let seconds):
            let running = r.grades.flatMap { g in g.failures.compactMap { f -> String? in if case .stopped = f.result { return "\(g.function.name) on the \(r.sets[f.set]) set" }; return nil } }
            return "Stopped after \(NumberText.short(seconds)) s (the time limit; --timeout SECONDS changes it)" + (running.first.map { ": \($0) was still running" } ?? "") + ". Look for a loop that never ends."
        case .ended(let status, let signal):
            if let signal { return "python3 was ended by signal \(signal) before every call returned (a crash in a C extension, or memory?)." }
            return "python3 exited with status \(status ?? 0) before every call returned (does your code call exit()?)."
        }
    }

    static func appendPrinted(_ r: CheckResult, _ out: inout [String]) {
        let lines = r.printed.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty }
        guard !lines.isEmpty else { return }
        out.append("What your code printed\(lines.count > 12 ? " (the first 12 of \(lines.count) lines)" : ""):")
        out += lines.prefix(12).map { "  | " + $0 }
    }

    /// Each failure's words, with the sets it happened on (the same failure on every set said once).
    static func groupedFailures(_ g: FunctionGrade, _ r: CheckResult) -> [(sets: [String], text: String)] {
        var groups = [(sets: [String], text: String)]()
        for (s, result) in g.failures {
            let text: String
            switch result {
            case .missing: text = "\(r.source) has no function \(g.function.name); define it with that name: def \(g.function.name)(\(g.function.parameters.map(\.name).joined(separator: ", "))):"
            case .notImplemented: text = "\(g.function.name) still raises NotImplementedError: write its body."
            case .exception(let trace): text = "\(g.function.name) raised an exception:\n" + trace.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n")
            case .returned(let m): text = "\(g.function.name): \(m)."
            case .stopped, .notReached, .outputs: continue  // the line under the tables says why it stopped
            }
            if let k = groups.firstIndex(where: { $0.text == text }) { groups[k].sets.append(r.sets[s]) } else { groups.append(([r.sets[s]], text)) }
        }
        return groups
    }

    static func findingText(_ output: String, _ finding: Finding, _ element: WrongElement?, _ g: FunctionGrade, _ r: CheckResult, width: Int) -> [String] {
        var out = [String]()
        func say(_ s: String, _ indent: String = "  ") { out += wrapped(s, width: width, indent: indent) }
        let rows = g.rows.filter { $0.output == output }
        let wrong = rows.filter { !($0.close && $0.sameShape) }.map { r.sets[$0.set] }
        let on = wrong.count == rows.count && rows.count > 1 ? "on all \(rows.count) input sets" : "on \(wrong.joined(separator: " and "))"
        let expected = rows.first.map { shape($0.expectedShape) } ?? ""
        let yourShape = rows.first(where: { !$0.sameShape }).map { shape($0.shape) } ?? ""
        switch finding {
        case .mistake(let m): say("\(output) is wrong \(on), the way a classic slip makes it: \(m.words)")
        case .sign: say("\(output) is wrong \(on): it is the right \(output) with every sign flipped. Check the sign of a difference (ŷ − y, not y − ŷ) or a stray minus.")
        case .factor(let c, let name, _):
            say("\(output) is wrong \(on): it is the right \(output) times \(String(format: "%.6g", c))" + (name.map { ": \($0)." } ?? ", one constant factor. Look for a division or a product that does not belong."))
        case .varyingFactor(let cs):
            say("\(output) is wrong \(on): on each input set it is the right \(output) times one number, but the number changes with the input (\(cs.map { String(format: "%.4g", $0) }.joined(separator: ", "))): something scales it by a size of the input.")
        case .axes(let perm):
            let moved = perm.indices.filter { perm[$0] != $0 }
            let which = moved.count == 2 ? "axes \(moved[0]) and \(moved[1]) swapped" : "its axes in the order \(perm)"
            let layout = g.function.outputs.first { $0.name == output }.map { " (\(output) is \($0.about.prefix { $0 != ":" }))" } ?? ""
            let what = yourShape.isEmpty ? "its values are the right ones with \(which)" : "it has shape \(yourShape) where \(expected) was asked: the right values with \(which)"
            say("\(output) is wrong \(on): \(what)\(layout). A transpose, or loop indices in the wrong slots.")
        case .offByOneShape(let matches):
            say("\(output) has shape \(yourShape) where \(expected) was asked: one too few or too many in some axis, an off-by-one in a loop's range (a stride-1 window over H fits H − f + 1 places)." + (matches ? " The places it has hold the right values." : ""))
        case .shifted(let axis, let by):
            say("\(output) is wrong \(on): its values are the right ones moved by one place along axis \(axis) (your [i] holds the right [i\(by > 0 ? "+" : "-")1]): a window offset off by one.")
        case .onlyTraced(let s):
            say("\(output) is right on the traced example but wrong on \(r.sets[s]): the function must compute from its arguments. Numbers or shapes copied from the lesson's output fit the traced image only.")
        case .unknown:
            say("\(output) is wrong \(on), and not in any of the classic ways lesson knows; compare your first wrong element with its worked sum:")
        }
        if let e = element {
            out.append("  The first wrong element, \(output)\(indexText(e.index)) on the \(r.sets[e.set]) set:")
            out += sumLines(e.right, width: width)
            out.append("    right: \(String(format: "%.8g", e.right.value))   yours: \(String(format: "%.8g", e.yours))")
        }
        return out
    }

    /// A worked sum as the step shows one: the formula, the terms that carry it (largest first), the rest in a line.
    static func sumLines(_ s: ElementSum, width: Int, shown: Int = 5) -> [String] {
        var out = wrapped(s.formula, width: width, indent: "    ")
        if let because = s.because { out += wrapped(because, width: width, indent: "      ") }
        let sorted = s.terms.sorted { abs($0.value) > abs($1.value) }
        if !s.terms.isEmpty || s.zeroTerms > 0 {
            let total = s.terms.count + s.zeroTerms
            out.append("      \(total) term\(total == 1 ? "" : "s")" + (s.zeroTerms > 0 ? ", \(s.zeroTerms) of them 0" : "") + (sorted.count > shown ? "; the \(shown) largest:" : ":"))
            for t in sorted.prefix(shown) {
                let factors = t.factors.count > 1 ? " = " + t.factors.map { String(format: "%.6g", $0) }.joined(separator: " × ") : ""
                out.append("      \(t.text)\(factors) = \(String(format: "%.6g", t.value))")
            }
            if sorted.count > shown {
                let rest = sorted.dropFirst(shown).reduce(0) { $0 + $1.value }
                out.append("      \(sorted.count - shown) smaller non-zero term\(sorted.count - shown == 1 ? "" : "s"): \(String(format: "%.6g", rest)) together")
            }
            if let plus = s.plus { out.append("      + \(plus.text) = \(String(format: "%.6g", plus.value))") }
        }
        return out
    }

    /// The check as Markdown to hand in: the result, then the code that was graded.
    public static func markdown(_ r: CheckResult, text: String, lesson: String, source: String?) -> String {
        var md = ["# lesson check \(lesson) \(r.exercise.name)", "", "**\(r.source)**: \(short(r))", "", "```", text.trimmingCharacters(in: .newlines), "```", ""]
        if let source {
            md += ["## \(r.source)", "", "```python", source.trimmingCharacters(in: .newlines), "```", ""]
        }
        return md.joined(separator: "\n")
    }

    /// A class's submissions, one line each.
    public static func table(_ results: [(file: String, result: CheckResult)], lesson: String, exercise: String, width: Int) -> String {
        let correct = results.filter { $0.result.exitStatus == 0 }.count
        var out = ["lesson check \(lesson) \(exercise): \(results.count) submissions, \(correct) correct", ""]
        let w = min(max(results.map(\.file.count).max() ?? 4, 4) + 2, 30)
        out.append(pad("file", w) + "result")
        for (file, result) in results {
            let lines = TextColumns.wrap(short(result), width: max(20, width - w), indent: "")
            out.append(pad(file, w) + (lines.first ?? ""))
            out += lines.dropFirst().map { String(repeating: " ", count: w) + $0 }
        }
        return out.joined(separator: "\n") + "\n"
    }
}
