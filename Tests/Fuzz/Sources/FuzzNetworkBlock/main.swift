// Structure-aware libFuzzer target: lesson-3 files whose ```network block and settings are built
// from the fuzzer's choices (layer kinds, f, out, pad, stride, batch, image counts), so the shape
// arithmetic and the memory estimate meet huge and edge numbers instead of mostly broken text.
// Every input must be accepted or refused with an error: no trap, no sanitizer report, no hang.
import FuzzSupport
import LessonKit
import Network

let kinds = ["conv", "relu", "maxpool", "flatten", "dense", "softmax"]

runFuzzer { data, size in
    var c = Choices(bytes(data, size))
    var layers = [String]()
    for i in 0..<(1 + c.below(10)) {
        let kind = kinds[c.below(kinds.count)]
        var line = "l\(i): \(kind)"
        switch kind {
        case "conv": line += " f=\(c.interesting()) out=\(c.interesting()) pad=\(c.interesting()) stride=\(c.interesting())"
        case "maxpool": line += " f=\(c.interesting())"
        case "dense": line += " out=\(c.interesting())"
        default: break
        }
        layers.append(line)
    }
    if c.below(2) == 0 { layers.append("sm: softmax") }
    let text = """
    # Fuzz

    ```settings
    engine: cnn
    batch: \(1 + c.interesting() % 60_000)
    train-images: \(1 + c.interesting() % 60_000)
    test-images: \(1 + c.interesting() % 10_000)
    precision: \(c.below(2) == 0 ? "float32" : "float64")
    ```

    ```network
    \(layers.joined(separator: "\n"))
    ```

    ## Step
    ```step
    train
    ```
    """
    if let file = try? LessonFile.parse(text, path: "fuzz.md") { _ = try? LessonRunner.prepare(file) }
    return 0
}
