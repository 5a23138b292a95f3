// The ```network block of a lesson file: one layer per line, `name: kind key=value ...`,
// checked for known kinds and keys and for shapes that fit, with errors naming the line and layer.
import Network

package enum NetworkBlock {
    /// The largest value any layer key (f, out, pad, stride) may take.
    static let maximum = 1 << 20

    /// Lines of the layers `parse` returned, in the same order (for errors about a layer).
    static func lines(_ lines: [(text: String, line: Int)]) -> [Int] {
        lines.filter { raw in
            let text = (raw.text.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? "")
            return !text.trimmingCharacters(in: .whitespaces).isEmpty
        }.map(\.line)
    }

    package static func parse(_ lines: [(text: String, line: Int)], file: String, input: [Int]) throws -> [LayerSpec] {
        var specs = [LayerSpec]()
        var lineOf = [Int]()
        for (raw, n) in lines {
            let text = (raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? "").trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            guard let colon = text.firstIndex(of: ":") else {
                throw LessonError.at(file, line: n, "\"\(text)\" is not a layer; write `name: kind key=value ...` (e.g. `conv1: conv f=3 out=10`).")
            }
            let name = text[..<colon].trimmingCharacters(in: .whitespaces)
            var words = text[text.index(after: colon)...].split(separator: " ").map(String.init)
            guard !name.isEmpty, !words.isEmpty else { throw LessonError.at(file, line: n, "layer \"\(name)\" needs a kind (\(LayerKinds.list)).") }
            if specs.contains(where: { $0.name == name }) { throw LessonError.at(file, line: n, "layer name \"\(name)\" is used twice; names must be unique.") }
            let kind = words.removeFirst()
            var args = [String: String]()
            for w in words {
                let kv = w.split(separator: "=", maxSplits: 1).map(String.init)
                guard kv.count == 2 else { throw LessonError.at(file, line: n, "layer \(name): \"\(w)\" is not key=value.") }
                guard args[kv[0]] == nil else { throw LessonError.at(file, line: n, "layer \(name): \(kv[0]) is given twice; keep one.") }
                args[kv[0]] = kv[1]
            }
            guard let kindType = LayerKinds.named(kind) else {
                throw LessonError.at(file, line: n, "layer \(name): unknown kind \"\(kind)\"; use \(LayerKinds.list).")
            }
            var values = [Int]()
            for key in kindType.keys {
                guard let s = args.removeValue(forKey: key.name) else {
                    if let d = key.defaultValue { values.append(d); continue }
                    throw LessonError.at(file, line: n, "layer \(name): \(kind) needs \(key.name)=N.")
                }
                guard let v = Int(s), v >= 0 else { throw LessonError.at(file, line: n, "layer \(name): \(key.name) must be a whole number ≥ 0, got \"\(s)\".") }
                // Far beyond any network a lesson trains, and small enough that shape sums cannot overflow.
                guard v <= maximum else { throw LessonError.at(file, line: n, "layer \(name): \(key.name)=\(v) is too large; at most \(maximum).") }
                guard v >= key.least else { throw LessonError.at(file, line: n, "layer \(name): \(key.name) must be at least \(key.least).") }
                values.append(v)
            }
            var lr: Double?
            if let s = args.removeValue(forKey: "lr") {
                guard let v = Double(s), v.isFinite, v > 0 else { throw LessonError.at(file, line: n, "layer \(name): lr must be a finite number above 0, got \"\(s)\".") }
                lr = v
            }
            if let extra = args.keys.sorted().first { throw LessonError.at(file, line: n, "layer \(name): unknown key \"\(extra)\" for \(kind).") }
            let k = kindType.init(values: values)
            specs.append(LayerSpec(name: name, kind: k, learningRate: lr))
            lineOf.append(n)
        }
        guard !specs.isEmpty else { throw LessonError("\(file): the ```network block is empty or missing; declare the layers, one per line.") }
        if case .failure(let e) = CNN.shapes(of: specs, input: input) {
            throw LessonError.at(file, line: lineOf[e.layer], "layer \(specs[e.layer].name): \(e.message).")
        }
        return specs
    }
}
