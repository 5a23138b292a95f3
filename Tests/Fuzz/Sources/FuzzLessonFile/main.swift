// libFuzzer target: the lesson-file reader, from bytes through UTF-8 validation, the Markdown
// structure and settings to the engine's own checks (a CNN's layer stack and its shapes).
import FuzzSupport
import LessonKit

runFuzzer { data, size in
    guard let text = String(validating: bytes(data, size), as: UTF8.self) else { return 0 }
    if let file = try? LessonFile.parse(text, path: "fuzz.md") {
        _ = try? LessonRunner.prepare(file)
    }
    return 0
}
