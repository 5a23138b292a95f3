// The lesson file format (documented in Lessons/README.md): Markdown narrative, one ```settings block,
// and `## ` sections that each end in a ```step block naming one engine action.
import Foundation

/// One step: a heading, its narrative, and the action the engine performs.
public struct LessonStep: Sendable, Equatable {
    public let title: String
    public let narrative: String
    public let action: String
    /// `key=value` words after the action on the step line.
    public let arguments: [String: String]
    /// What `--stop-at` and friends call it: `name=` if given, else the action.
    public let name: String
    public let line: Int
    /// The questions `--quiz` asks at this step (its ```quiz block), in order.
    public var quiz: [QuizLine] = []
    /// The step's ```exercise block, line by line (empty: the step has no exercise); `Exercise` reads it.
    public var exercise: [BlockLine] = []
}

/// A line of a fenced block, with its line number for error messages.
public struct BlockLine: Sendable, Equatable {
    public let text: String
    public let line: Int
}

/// One line of a step's ```quiz block: the kind of question, optional `at=i,j,k` (the element to ask
/// about; without it, the step's worked example), and the line for error messages.
public struct QuizLine: Sendable, Equatable {
    public let kind: String
    public let at: [Int]?
    public let line: Int
    public init(kind: String, at: [Int]?, line: Int) { self.kind = kind; self.at = at; self.line = line }
}

/// A setting as written in the file, with its line for error messages.
public struct RawSetting: Sendable, Equatable {
    public let key: String
    public let value: String
    public let line: Int
}

public struct LessonFile: Sendable {
    public let path: String
    public let title: String
    public let introduction: String
    public let settings: [RawSetting]
    /// Extra fenced blocks by kind (e.g. `network`), with the line each content line came from.
    public let blocks: [String: [(text: String, line: Int)]]
    public let steps: [LessonStep]

    public static func load(_ url: URL) throws -> LessonFile {
        // A lesson file is text of a few dozen kilobytes; 16 MB is far past any.
        let data: [UInt8]
        if !FileManager.default.fileExists(atPath: url.path) {
            throw LessonError("\(url.path): cannot read the lesson file (no such file); check the path.")
        }
        data = try BoundedRead.bytes(url, limit: 16 << 20, what: url.path, why: "a lesson file is text of a few dozen kilobytes")
        guard let text = String(validating: data, as: UTF8.self) else {
            throw LessonError("\(url.path): the lesson file is not UTF-8 text; save it as UTF-8.")
        }
        return try parse(text, path: url.path)
    }

    public static func parse(_ original: String, path: String) throws -> LessonFile {
        // A file saved on Windows: CRLF line endings (one Character in Swift, so "\n" would not split
        // them) and perhaps a byte-order mark. Both are read as if they were not there.
        var text = original.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw LessonError("\(path): the lesson file is empty; it needs a title, a ```settings block and at least one step.")
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { String($0).replacingOccurrences(of: "\r", with: "") }
        var title: String?
        var intro = [String]()
        var settings = [RawSetting]()
        var sawSettings = false
        var blocks = [String: [(text: String, line: Int)]]()
        var networkLine: Int?
        var stepNames = Set<String>()
        var steps = [LessonStep]()
        // The section being read: its heading, narrative lines and step line.
        var section: (title: String, line: Int, narrative: [String], step: (text: String, line: Int)?, quiz: [QuizLine], exercise: [BlockLine])?

        func closeSection() throws {
            guard let s = section else { return }
            guard let step = s.step else {
                throw LessonError.at(path, line: s.line, "section \"\(s.title)\" has no ```step block; add one naming the action to run.")
            }
            var words = step.text.split(separator: " ").map(String.init)
            let action = words.removeFirst()
            var args = [String: String]()
            for w in words {
                let kv = w.split(separator: "=", maxSplits: 1).map(String.init)
                guard kv.count == 2, !kv[0].isEmpty, !kv[1].isEmpty else {
                    throw LessonError.at(path, line: step.line, "\"\(w)\" is not key=value; write step arguments as key=value.")
                }
                guard args[kv[0]] == nil else { throw LessonError.at(path, line: step.line, "\(kv[0]) is given twice; keep one.") }
                args[kv[0]] = kv[1]
            }
            let name = args.removeValue(forKey: "name") ?? action
            // A set of the names so far: a lesson of 100,000 steps is read in linear time.
            if !stepNames.insert(name).inserted {
                throw LessonError.at(path, line: step.line, "a step named \"\(name)\" already exists; give this one a different name=.")
            }
            steps.append(LessonStep(title: s.title, narrative: trimBlankLines(s.narrative), action: action,
                                    arguments: args, name: name, line: step.line, quiz: s.quiz, exercise: s.exercise))
            section = nil
        }

        var i = 0
        while i < lines.count {
            let line = lines[i]
            let lineNumber = i + 1
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("```") {
                let info = String(trimmed.dropFirst(3)).trimmingCharacters(in: .whitespaces)
                var content = [(text: String, line: Int)]()
                var j = i + 1
                var closed = false
                while j < lines.count {
                    if lines[j].trimmingCharacters(in: .whitespaces).hasPrefix("```") { closed = true; break }
                    content.append((lines[j], j + 1))
                    j += 1
                }
                guard closed else {
                    throw LessonError.at(path, line: lineNumber, "this ``` code fence is never closed; add a closing ``` line.")
                }
                switch info {
                case "settings":
                    if sawSettings { throw LessonError.at(path, line: lineNumber, "a second ```settings block; keep all settings in one block.") }
                    if section != nil || !steps.isEmpty { throw LessonError.at(path, line: lineNumber, "the ```settings block must come before the first step section.") }
                    sawSettings = true
                    for (text, n) in content {
                        let body = text.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
                        let t = body.trimmingCharacters(in: .whitespaces)
                        if t.isEmpty { continue }
                        guard let colon = t.firstIndex(of: ":") else {
                            throw LessonError.at(path, line: n, "\"\(t)\" is not a setting; write settings as `key: value`.")
                        }
                        let key = t[..<colon].trimmingCharacters(in: .whitespaces)
                        let value = t[t.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                        guard !key.isEmpty, !value.isEmpty else {
                            throw LessonError.at(path, line: n, "\"\(t)\" needs both a key and a value (`key: value`).")
                        }
                        if settings.contains(where: { $0.key == key }) {
                            throw LessonError.at(path, line: n, "setting \"\(key)\" is given twice; keep one.")
                        }
                        settings.append(RawSetting(key: key, value: value, line: n))
                    }
                case "step":
                    guard section != nil else {
                        throw LessonError.at(path, line: lineNumber, "a ```step block outside a `## ` section; put it under a heading.")
                    }
                    if section!.step != nil {
                        throw LessonError.at(path, line: lineNumber, "section \"\(section!.title)\" already has a step; start a new `## ` section for another.")
                    }
                    let stepLines = content.filter { !$0.text.trimmingCharacters(in: .whitespaces).isEmpty }
                    guard stepLines.count == 1 else {
                        throw LessonError.at(path, line: lineNumber, "a ```step block holds exactly one line: the action and optional key=value arguments.")
                    }
                    section!.step = (stepLines[0].text.trimmingCharacters(in: .whitespaces), stepLines[0].line)
                case "quiz":
                    guard section != nil else {
                        throw LessonError.at(path, line: lineNumber, "a ```quiz block outside a `## ` section; put it under the step whose numbers it asks about.")
                    }
                    for (text, n) in content {
                        if let q = try quizLine(text, line: n, path: path) { section!.quiz.append(q) }
                    }
                case "exercise":
                    guard section != nil else {
                        throw LessonError.at(path, line: lineNumber, "an ```exercise block outside a `## ` section; put it under the step whose numbers it uses.")
                    }
                    if !section!.exercise.isEmpty {
                        throw LessonError.at(path, line: lineNumber, "section \"\(section!.title)\" already has an ```exercise block; keep one per step.")
                    }
                    section!.exercise = content.map { BlockLine(text: $0.text, line: $0.line) }
                    if section!.exercise.isEmpty { section!.exercise = [BlockLine(text: "", line: lineNumber)] }
                case "network":
                    // One network per lesson: a second block would be joined to the first without a word.
                    if let first = networkLine {
                        throw LessonError.at(path, line: lineNumber, "a second ```network block (the first is at line \(first)); a lesson has one network: merge the two, or remove one.")
                    }
                    networkLine = lineNumber
                    blocks[info, default: []].append(contentsOf: content)
                case "words":
                    // Words may be spread over the lesson, a block beside each step that uses them.
                    blocks[info, default: []].append(contentsOf: content)
                default:
                    // An ordinary code block is narrative.
                    let raw = lines[i...j]
                    if section != nil { section!.narrative.append(contentsOf: raw) } else { intro.append(contentsOf: raw) }
                }
                i = j + 1
                continue
            }
            if trimmed.hasPrefix("# ") && title == nil && section == nil {
                title = String(trimmed.dropFirst(2)).trimmingCharacters(in: .whitespaces)
            } else if trimmed.hasPrefix("## ") {
                try closeSection()
                section = (String(trimmed.dropFirst(3)).trimmingCharacters(in: .whitespaces), lineNumber, [], nil, [], [])
            } else if section != nil {
                section!.narrative.append(line)
            } else {
                intro.append(line)
            }
            i += 1
        }
        try closeSection()
        guard let title else { throw LessonError.at(path, line: 1, "the lesson has no title; start it with a `# Title` line.") }
        guard sawSettings else { throw LessonError("\(path): no ```settings block; add one with at least `engine: NAME`.") }
        guard !steps.isEmpty else { throw LessonError("\(path): no steps; add a `## ` section ending in a ```step block.") }
        return LessonFile(path: path, title: title, introduction: trimBlankLines(intro), settings: settings,
                          blocks: blocks, steps: steps)
    }
}

extension LessonFile {
    /// `kind` or `kind at=i,j,k`, `#` starting a comment; nil for a blank line.
    static func quizLine(_ text: String, line: Int, path: String) throws -> QuizLine? {
        let body = (text.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? "")
            .trimmingCharacters(in: .whitespaces)
        guard !body.isEmpty else { return nil }
        var words = body.split(separator: " ").map(String.init)
        let kind = words.removeFirst()
        guard kind.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else {
            throw LessonError.at(path, line: line, "\"\(kind.prefix(40))\" is not a kind of question; write one per line, e.g. `conv-output` or `conv-output at=6,9,2`.")
        }
        var at: [Int]?
        for w in words {
            guard w.hasPrefix("at="), at == nil else {
                throw LessonError.at(path, line: line, "\"\(w.prefix(40))\": a quiz line takes only at=i,j,... (the element to ask about), once.")
            }
            let parts = w.dropFirst(3).split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !parts.isEmpty, parts.count <= 4, parts.allSatisfy({ $0.map { (0...1_048_576).contains($0) } ?? false }) else {
                throw LessonError.at(path, line: line, "\"\(w.prefix(40))\": at= takes the element's index, numbers from 0 separated by commas (e.g. at=6,9,2).")
            }
            at = parts.map { $0! }
        }
        return QuizLine(kind: kind, at: at, line: line)
    }
}

func trimBlankLines(_ lines: [String]) -> String {
    var l = lines[...]
    while let f = l.first, f.trimmingCharacters(in: .whitespaces).isEmpty { l = l.dropFirst() }
    while let b = l.last, b.trimmingCharacters(in: .whitespaces).isEmpty { l = l.dropLast() }
    return l.joined(separator: "\n")
}
