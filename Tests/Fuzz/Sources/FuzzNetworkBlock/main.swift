// Structure-aware libFuzzer target: lesson-3 files whose ```network block and settings are built
// from the fuzzer's choices (every kind in LayerKinds.all with its keys, batch, image counts), so the shape
// arithmetic and the memory estimate meet huge and edge numbers instead of mostly broken text.
// Every input must be accepted or refused with an error: no trap, no sanitizer report, no hang.
import FuzzSupport
import LessonKit
import Network

let kinds = LayerKinds.all

runFuzzer { data, size in
    var c = Choices(bytes(data, size))
    var layers = [String]()
    for i in 0..<(1 + c.below(10)) {
        let kind = kinds[c.below(kinds.count)]
        // Every key of the kind, each sometimes left to its default (a required one then missing).
        let keys = kind.keys.filter { _ in c.below(8) != 0 }.map { " \($0.name)=\(c.interesting())" }
        layers.append("l\(i): \(kind.keyword)" + keys.joined())
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
