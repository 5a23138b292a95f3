// The lesson's words: formula texts, sentences with numbers, notes and table headers, kept in the
// lesson file's ```words blocks (`key: text with {placeholders}`) so a teacher rewords them without
// Swift. Placeholders take a Python-style format spec: {loss:.6f}, {share:.1%}, {n:,}, {n:s} ("s" unless 1);
// {{ and }} are braces themselves. Which keys and placeholder names an engine fills is WordsCatalog's.
import Foundation
import Numerics

public struct Words: Sendable {
    public private(set) var texts: [String: String] = [:]
    /// The line of the lesson file each key is given on (for messages).
    public private(set) var lines: [String: Int] = [:]
    /// Used for a key this file does not give (the shipped lesson of the same engine).
    public var fallback: [String: String] = [:]

    public init(_ texts: [String: String] = [:]) { self.texts = texts }

    /// The runner's own sentences (not a lesson's), which a lesson file may still reword.
    public static let runner = [
        "runner.skipped": "({steps} ran without output to reach {name})",
        // A step with an ```exercise block ends by pointing to it.
        "runner.exercise": "Your turn, write it yourself: {command}",
        // A training's health (HealthLog): a line per epoch, and a warning when a layer goes wrong (a
        // lesson's own words say what the line means: health.intro).
        "health.line": "{unit} {index} health: {layers}",
        "health.line-range": "{unit}s {first}-{index} health: {layers}",
        "health.layer": "{layer} {log:+.1f}",
        "health.layer-dead": "{layer} {log:+.1f} dead {share:.0%}",
        "health.layer-saturated": "{layer} {log:+.1f} saturated {share:.0%}",
        "health.warning": "Warning: {what}",
        "health.at-batch": "in epoch {epoch}, batch {batch}",
        "health.at-iteration": "at iteration {iteration}",
        "health.at-epoch": "in epoch {epoch}",
        "health.block-one": "{unit} {index}",
        "health.block-range": "{unit}s {first}-{last}",
        "health.run-batch": "{count} batches",
        "health.run-iteration": "{count} iterations",
        "health.run-epoch": "{count} epochs",
        "health.exploding": "updates are exploding in {layers}: {at}, one step moved weights by up to {ratio:.2g} of their size (10^{log:.1f}; about 10^-3 is healthy), so what was learnt is thrown about. Try a smaller learning-rate (now {lr:g}), e.g. --set learning-rate={smaller:g}.",
        "health.vanishing": "updates are vanishing in {layers}: for {run} in a row each step moved weights by under 1e-5 of their size (now up to 10^{log:.1f}; about 10^-3 is healthy), so they hardly learn. Try a larger learning-rate (now {lr:g}), e.g. --set learning-rate={larger:g}.",
        "health.vanishing-still": "updates have stopped in {layers}: for {run} in a row no step moved its weights at all, so they no longer learn (their units pass no error back: dead or saturated). Try a smaller learning-rate from the start (now {lr:g}), e.g. --set learning-rate={smaller:g}, or {init}.",
        "health.layer-still": "{layer} unmoved",
        "health.layer-still-dead": "{layer} unmoved dead {share:.0%}",
        "health.layer-still-saturated": "{layer} unmoved saturated {share:.0%}",
        "health.dead": "{layer}'s units are dying: at least {dead} of its {units} gave 0 for every image on every {step} of {block}. A dead unit passes no error back, so it cannot learn its way out. Try a smaller learning-rate (now {lr:g}) or {init}.",
        // A lesson's own words may say which init keeps its units alive.
        "health.dead-init": "another init",
        "health.diverging": "the loss is diverging: {at} the mean loss was {loss:.4g}, over twice the first {step}'s {first:.4g}. Try a smaller learning-rate (now {lr:g}), e.g. --set learning-rate={smaller:g}.",
        // --watch: the screen redrawn while a lesson trains (WatchScreen).
        "watch.title": "Watching {title} learn",
        "watch.where": "{unit} {epoch}/{epochs}",
        "watch.where-batch": "batch {batch}/{batches}",
        "watch.where-rate": "{rate:,.0f} img/s",
        "watch.where-eta": "ETA {eta}",
        "watch.where-pace": "paced {pace:.2f} s/{step}",
        "watch.paused": "PAUSED in {unit} {epoch}/{epochs}",
        "watch.loss": "loss, per {step}",
        "watch.accuracy": "accuracy: train / batch, test / epoch",
        "watch.x-axis": "  {unit}s →",
        "watch.table.columns": "layer | activation | units | grad rms | log10 update/weight | clipped",
        "watch.dead": "{share:.0%} dead",
        "watch.saturated": "{share:.0%} satur.",
        "watch.more-layers": "(and {more} more layer{more:s}: a taller terminal shows them)",
        "watch.after-pool": "*{layer} read after its max-pool",
        "watch.legend": "● update/weight on −6…0, │ the guide (−3)",
        "watch.filters": "{layer}'s {f}×{f} filters as they learn, each on its own scale (− blue, + red):",
        "watch.filters-plain": "{layer}'s {f}×{f} filters as they learn, each on its own scale (= - below 0, + # above):",
        "watch.keys": "Space pause · Ctrl-C stop (the curves so far are kept)",
        "watch.keys-paused": "Space resume · Ctrl-C stop",
        // --quiet: the files a run wrote, in one line at its end.
        "runner.wrote-files": "wrote {count} file{count:s} to {folder}",
        // A long worked sum: its largest non-zero products, then the rest in a line each (TerminalView).
        "sum.more": "{more} smaller non-zero product{more:s}: Σ = {total:.8g}",
        "sum.no-more": "no other non-zero product",
        // What a worked sum's groups are (WorkedSum.groupName): one line per group with its subtotal.
        "sum.group.input-channel": "input channel",
        "sum.group.filter": "filter",
        "sum.zeros-plain": "{zeros} of {count} products are 0",
        "sum.zeros-first": "{zeros} of {count} products are 0: {a} is 0 there",
        "sum.zeros-second": "{zeros} of {count} products are 0: {b} is 0 there",
        "sum.zeros-both": "{zeros} of {count} products are 0: {a} is 0 in {za}, {b} in the other {zb}",
        "sum.all-zero-plain": "0: all {count} products are 0",
        "sum.all-zero-first": "0: all {count} products are 0, {a} is 0 there",
        "sum.all-zero-second": "0: all {count} products are 0, {b} is 0 there",
        "sum.all-zero-both": "0: all {count} products are 0, {a} is 0 in {za}, {b} in the other {zb}",
        // --quiz: what the pager and the worksheet say around a lesson's questions.
        "quiz.heading": "Your turn · question {n} of {total} · {kind}",
        "quiz.sheet-heading": "Question {n} · {kind}",
        "quiz.keys": "(type your value, then Enter · h a hint · Enter alone shows the answer · q quit)",
        "quiz.prompt": "your value: {element} =",
        "quiz.not-a-number": "({typed} is not a number: digits, a point or a decimal comma, a minus, an exponent like 1e-3)",
        "quiz.hint": "Hint, the first terms:",
        "quiz.hint-step": "Hint:",
        "quiz.right": "Right: {answer:.8g} is within {tolerance:.2g} of {element} = {value:.8g}.",
        "quiz.wrong": "Not quite: you said {answer:.8g}; {element} = {value:.8g} (an answer within {tolerance:.2g} counts). Worked out:",
        "quiz.revealed": "{element} = {value:.8g} (not scored). Worked out:",
        "quiz.table.columns": "quantity | right | wrong | shown",
        "quiz.score": "Quiz score: {right} right, {wrong} wrong, {revealed} shown without an answer, of {asked} asked.",
        "quiz.score-file": "the questions with their inputs, then the answer key",
        "quiz.none-checkable": "(no element of {name} is worth asking here: every one is below 1e-4 or its terms cancel; the question is left out)",
        "quiz.outside": "(at={at} is not an element of {name} {shape}: the step's worked example is asked instead)",
        "quiz.how.worked": "the step's worked example",
        "quiz.how.named": "the element the lesson's quiz names",
        "quiz.how.largest-checkable": "the largest whose terms do not cancel out",
        "quiz.kind.conv-output": "conv output",
        "quiz.kind.conv-group": "conv term group",
        "quiz.kind.max-pool": "max-pool",
        "quiz.kind.loss": "loss",
        "quiz.kind.pool-route": "δ through max-pool",
        "quiz.kind.dense-delta": "dense δ",
        "quiz.kind.dense-dW": "dense dW",
        "quiz.kind.conv-dW": "conv dW",
        "quiz.kind.conv-delta-in": "conv δ_in",
        "quiz.kind.pool-zero": "max-pool δ, not the winner",
        "quiz.kind.relu-gate": "ReLU gate",
        "quiz.kind.dW1": "dW1",
        "quiz.kind.softmax": "softmax",
        "quiz.kind.sigmoid": "sigmoid",
        "quiz.kind.delta": "δ",
        "quiz.kind.dW": "dW, one image",
    ]

    /// Reads every ```words block of `file`: `key: text`, a text continuing on indented lines.
    public init(file: LessonFile) throws {
        var current: String?
        for (raw, line) in file.blocks["words"] ?? [] {
            if raw.trimmingCharacters(in: .whitespaces).isEmpty { current = nil; continue }
            if raw.first == " " || raw.first == "\t", let key = current {
                texts[key]! += " " + raw.trimmingCharacters(in: .whitespaces)
                continue
            }
            guard let colon = raw.firstIndex(of: ":") else {
                throw LessonError.at(file.path, line: line, "\"\(raw.prefix(60))\" is not a word entry; write `key: text` (continue a long text on indented lines).")
            }
            let key = raw[..<colon].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || "._-".contains($0) }) else {
                throw LessonError.at(file.path, line: line, "\"\(key)\" is not a word key; use letters, digits, dots and dashes (e.g. forward.z).")
            }
            guard texts[key] == nil else { throw LessonError.at(file.path, line: line, "the word \"\(key)\" is given twice; keep one.") }
            texts[key] = raw[raw.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            lines[key] = line
            current = key
        }
        for key in texts.keys.sorted(by: { lines[$0]! < lines[$1]! }) {
            if let problem = Words.check(texts[key]!) {
                throw LessonError.at(file.path, line: lines[key]!, "the word \"\(key)\": \(problem).")
            }
        }
    }

    /// The text for `key`; `\\n` in it is a line break (a continuation line is joined with a space).
    public func text(_ key: String) -> String? {
        (texts[key] ?? fallback[key]).map { $0.replacingOccurrences(of: "\\n ", with: "\n").replacingOccurrences(of: "\\n", with: "\n") }
    }

    /// The phrase with its placeholders filled; without words for it, its values in a plain list.
    public func render(_ phrase: Phrase) -> String {
        // Phrases inside the phrase first, with these words.
        let values = phrase.values.mapValues { v -> Value in if case .phrase(let p) = v { return .text(render(p)) }; return v }
        guard let template = text(phrase.key) else {
            return values.keys.sorted().map { "\($0) = \(Words.format(values[$0]!, spec: ""))" }.joined(separator: ", ")
        }
        return Words.fill(template, values)
    }

    /// A value as a sentence or table cell shows it: a phrase through these words, anything else by `spec`.
    public func format(_ v: Value, spec: String) -> String {
        if case .phrase(let p) = v { return render(p) }
        return Words.format(v, spec: spec)
    }

    /// Whether there is a text for the key (a note without words is left out).
    public func has(_ key: String) -> Bool { text(key) != nil }

    /// A broken template (an unclosed brace, an unknown format spec) found when the file is read.
    static func check(_ template: String) -> String? {
        var open = false, i = template.startIndex
        while i < template.endIndex {
            let c = template[i], next = template.index(after: i)
            if !open && (c == "{" || c == "}") && next < template.endIndex && template[next] == c { i = template.index(after: next); continue }
            if c == "{" { if open { return "unbalanced { } (write {{ and }} for braces themselves)" }; open = true }
            if c == "}" { if !open { return "unbalanced { } (write {{ and }} for braces themselves)" }; open = false }
            i = next
        }
        if open { return "a { is never closed (write {{ for a brace itself)" }
        for (_, spec) in placeholders(template) where !spec.isEmpty && spec != "and" && FormatSpec(spec) == nil {
            return "\"\(spec)\" is not a format spec (use e.g. .4f, .2e, .3g, .1%, d, ,, and for a list)"
        }
        return nil
    }

    /// The `{name:spec}` placeholders of a template, in order ({{ and }} are not placeholders).
    public static func placeholders(_ template: String) -> [(name: String, spec: String)] {
        var out = [(String, String)]()
        walk(template) { piece in if case .placeholder(let name, let spec) = piece { out.append((name, spec)) } }
        return out
    }

    /// `{name}` and `{name:spec}` replaced by the values; an unknown name is kept as written.
    static func fill(_ template: String, _ values: [String: Value]) -> String {
        var out = ""
        walk(template) { piece in
            switch piece {
            case .text(let t): out += t
            case .placeholder(let name, let spec): out += values[name].map { format($0, spec: spec) } ?? "{" + name + (spec.isEmpty ? "" : ":" + spec) + "}"
            }
        }
        return out
    }

    enum Piece { case text(Substring), placeholder(name: String, spec: String) }

    /// A template as text and placeholders: {{ and }} are a brace, `{…}` up to the next } a placeholder
    /// (its name before the first colon, the spec after), and a lone brace text.
    static func walk(_ template: String, _ visit: (Piece) -> Void) {
        var i = template.startIndex, start = i
        while i < template.endIndex {
            let c = template[i], next = template.index(after: i)
            if (c == "{" || c == "}") && next < template.endIndex && template[next] == c {
                visit(.text(template[start..<next]))
                i = template.index(after: next); start = i
                continue
            }
            if c == "{", let close = template[next...].firstIndex(of: "}") {
                visit(.text(template[start..<i]))
                let parts = template[next..<close].split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
                visit(.placeholder(name: String(parts[0]), spec: parts.count > 1 ? String(parts[1]) : ""))
                i = template.index(after: close); start = i
                continue
            }
            i = next
        }
        visit(.text(template[start..<template.endIndex]))
    }

    /// A value as the spec asks; without one, numbers as numpy shows a float64 scalar.
    public static func format(_ v: Value, spec: String) -> String {
        switch v {
        case .text(let s): return s
        case .index(let i):
            // {x:and} a list as words ("0, 2 and 5"); {x:s} "s" unless the list holds one item.
            if spec == "and" { return i.count < 2 ? i.map(String.init).joined() : i.dropLast().map(String.init).joined(separator: ", ") + " and " + String(i.last!) }
            if spec == "s" { return i.count == 1 ? "" : "s" }
            return "[" + i.map(String.init).joined(separator: ", ") + "]"
        case .phrase(let p): return p.key  // rendered by `render`/`format(_:spec:)`, which have the words
        case .shape(let s): return "(" + s.map(String.init).joined(separator: ", ") + (s.count == 1 ? ",)" : ")")
        case .array(let a):
            return a.integers ? NumpyFormat.format(a.values.map { Int($0) }, shape: a.shape)
                : NumpyFormat.format(Tensor<Double>(shape: a.shape, storage: a.values))
        case .int(let n):
            guard let f = FormatSpec(spec), !spec.isEmpty else { return String(n) }
            return f.apply(Double(n), isInteger: true)
        case .number(let x):
            guard let f = FormatSpec(spec), !spec.isEmpty else { return NumpyFormat.scalar(x) }
            return f.apply(x, isInteger: false)
        }
    }
}

/// Python's format mini-language, the part lessons need: [sign][width][,][.precision][type].
struct FormatSpec {
    var sign: Character?
    var width = 0
    var grouping = false
    var precision: Int?
    var type: Character?

    init?(_ spec: String) {
        var s = Substring(spec)
        if let c = s.first, c == " " || c == "+" { sign = c; s = s.dropFirst() }
        let digits = s.prefix { $0.isNumber }
        if !digits.isEmpty { width = Int(digits) ?? 0; s = s.dropFirst(digits.count) }
        if s.first == "," { grouping = true; s = s.dropFirst() }
        if s.first == "." {
            s = s.dropFirst()
            let p = s.prefix { $0.isNumber }
            guard !p.isEmpty, let n = Int(p), n <= 20 else { return nil }
            precision = n
            s = s.dropFirst(p.count)
        }
        if let c = s.first { guard "fegd%s".contains(c) else { return nil }; type = c; s = s.dropFirst() }
        guard s.isEmpty, width <= 200 else { return nil }
    }

    func apply(_ x: Double, isInteger: Bool) -> String {
        var body: String
        switch type {
        case "s": return x == 1 ? "" : "s"
        case "%": body = String(format: "%.\(precision ?? 6)f", x * 100) + "%"
        case "e": body = String(format: "%.\(precision ?? 6)e", x)
        case "g": body = String(format: "%.\(precision ?? 6)g", x)
        case "f": body = String(format: "%.\(precision ?? 6)f", x)
        case "d":
            // An integer format on nan, inf or a number past Int's range (a word may ask for it) is not a trap.
            body = x.isFinite && abs(x) < 9e18 ? String(Int(x.rounded())) : (x.isFinite ? String(format: "%.0f", x) : NumpyFormat.scalar(x))
        default: body = isInteger ? String(Int(x)) : (precision.map { String(format: "%.\($0)f", x) } ?? NumpyFormat.scalar(x))
        }
        if grouping { body = FormatSpec.group(body) }
        if let sign, !body.hasPrefix("-") { body = String(sign) + body }
        return body.count < width ? String(repeating: " ", count: width - body.count) + body : body
    }

    /// 1234567.5 → 1,234,567.5
    static func group(_ s: String) -> String {
        let negative = s.hasPrefix("-")
        let digits = negative ? s.dropFirst() : Substring(s)
        let intPart = digits.prefix { $0.isNumber }
        var out = ""
        for (k, c) in intPart.enumerated() {
            if k > 0 && (intPart.count - k) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (negative ? "-" : "") + out + digits.dropFirst(intPart.count)
    }
}
