// Typed lesson settings: each engine declares its keys, types, ranges and defaults, and the values
// from the file (and flags) are checked against that schema with errors that name the line.
import Foundation

public struct SettingSpec: Sendable {
    public enum Kind: Sendable {
        case integer(ClosedRange<Int>)
        /// A finite number; `above` is exclusive.
        case number(above: Double, max: Double)
        case flag
        case choice([String])
        case text
    }
    public let key: String
    public let kind: Kind
    /// nil: the setting is required.
    public let defaultValue: String?
    public let help: String

    public init(_ key: String, _ kind: Kind, default defaultValue: String?, _ help: String) {
        self.key = key; self.kind = kind; self.defaultValue = defaultValue; self.help = help
    }

    func check(_ value: String, where location: String) throws {
        switch kind {
        case .integer(let range):
            guard let v = Int(value) else { throw LessonError("\(location): \(key) must be a whole number, got \"\(value)\".") }
            guard range.contains(v) else {
                throw LessonError("\(location): \(key) must be between \(range.lowerBound) and \(range.upperBound), got \(v).")
            }
        case .number(let above, let max):
            guard let v = Double(value), v.isFinite else { throw LessonError("\(location): \(key) must be a finite number, got \"\(value)\".") }
            // An `above` just under 0 is how a spec says "0 or more": said so, not as -1e-300.
            let lower = above < 0 && above > -1e-200 ? "at least 0" : "greater than \(NumberText.short(above))"
            guard v > above, v <= max else { throw LessonError("\(location): \(key) must be \(lower) and at most \(NumberText.short(max)), got \(value).") }
        case .flag:
            guard ["true", "false", "yes", "no", "on", "off"].contains(value.lowercased()) else {
                throw LessonError("\(location): \(key) must be true or false, got \"\(value)\".")
            }
        case .choice(let options):
            guard options.contains(value) else {
                throw LessonError("\(location): \(key) must be one of \(options.joined(separator: ", ")), got \"\(value)\".")
            }
        case .text: break
        }
    }
}

enum NumberText {
    static func short(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x) }
    /// "1 epoch", "2 epochs": a count with its noun in the right number (`plural` for irregular ones).
    static func count(_ n: Int, _ noun: String, plural: String? = nil) -> String { "\(n) \(n == 1 ? noun : plural ?? noun + "s")" }
}

/// Checked settings, read by key.
public struct LessonSettings: Sendable {
    public private(set) var values: [String: String]
    let specs: [SettingSpec]
    /// Where each value that is not a default came from: "FILE:LINE: key: value" or the flag as typed.
    private var sources: [String: String] = [:]

    /// Checks the file's settings against `specs`: unknown keys, missing required ones, bad values.
    public init(file: LessonFile, specs: [SettingSpec]) throws {
        var v = [String: String]()
        for s in specs { if let d = s.defaultValue { v[s.key] = d } }
        for raw in file.settings where raw.key != "engine" {
            guard let spec = specs.first(where: { $0.key == raw.key }) else {
                let known = specs.map(\.key).sorted().joined(separator: ", ")
                throw LessonError.at(file.path, line: raw.line, "unknown setting \"\(raw.key)\"; this lesson's settings are: \(known).")
            }
            try spec.check(raw.value, where: "\(file.path):\(raw.line)")
            v[raw.key] = raw.value
            sources[raw.key] = "\(file.path):\(raw.line): \(raw.key): \(raw.value)"
        }
        for s in specs where v[s.key] == nil {
            throw LessonError("\(file.path): the required setting \"\(s.key)\" is missing; add `\(s.key): VALUE` to the ```settings block (\(s.help)).")
        }
        self.values = v
        self.specs = specs
    }

    /// Overrides a setting from a command-line flag, checked like a file value. `instead` says what to
    /// use in its place when the lesson has no such setting.
    public mutating func override(_ key: String, _ value: String, flag: String, instead: String? = nil) throws {
        guard let spec = specs.first(where: { $0.key == key }) else {
            let known = specs.map(\.key).sorted().joined(separator: ", ")
            throw LessonError("\(flag) does not apply to this lesson (it has no \(key) setting); "
                              + (instead.map { $0 + "." } ?? "its settings are: \(known)."))
        }
        try spec.check(value, where: flag)
        values[key] = value
        sources[key] = flag
    }

    /// How an error names the value of `key`: the flag as typed (`--at -1,0`), the file's line
    /// (`03-cnn.md:20: worked-at: -1,0`), or `flag` with the value when it is the default.
    public func said(_ key: String, flag: String) -> String { sources[key] ?? "\(flag) \(values[key] ?? "")" }

    public func has(_ key: String) -> Bool { specs.contains { $0.key == key } }
    public func string(_ key: String) -> String { values[key]! }
    public func int(_ key: String) -> Int { Int(values[key]!)! }
    public func double(_ key: String) -> Double { Double(values[key]!)! }
    public func bool(_ key: String) -> Bool { ["true", "yes", "on"].contains(values[key]!.lowercased()) }
}
