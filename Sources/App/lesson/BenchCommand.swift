// `lesson bench`: what the lessons spend their time on, timed against their targets.
import ArgumentParser
import Foundation
import LessonBench
import LessonKit
import Numerics
import Training

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time CNN training (float32 and float64), one image forward+backward, the dense net, loading, pictures and lesson 2.",
        discussion: """
        Each figure is the median of --runs timed runs after a warm-up. Training is timed as the \
        PyTorch peer times it (one 60,000-image epoch at batch 512, no evaluation), so the two can be \
        compared: python3 ../shared/bench/peer_cnn_torch.py. A full run takes about 5 minutes; \
        --quick times shorter stretches (24 training batches, 20 dense iterations) and scales them.
        """)

    @Flag(help: "A sanity check in under a minute: shorter timed stretches, scaled up.")
    var quick = false

    @Option(help: "Timed runs per measurement (the median is reported).")
    var runs = 3

    @Flag(help: "Print the results as JSON instead of a table.")
    var json = false

    @Option(help: "Folder with the four MNIST .gz files. Default: Lessons/data/mnist.")
    var data: String?

    func validate() throws {
        if runs < 1 || runs > 100 { throw ValidationError("--runs must be between 1 and 100, got \(runs).") }
    }

    func run() throws {
        do {
            let library = try LessonLibrary.locate()
            let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            var options = BenchOptions(mnistDirectory: data.map { URL(fileURLWithPath: $0, relativeTo: cwd).standardizedFileURL }
                                       ?? library.directory.appendingPathComponent("data/mnist"),
                                       lessonsDirectory: library.directory,
                                       executable: LessonLibrary.executable)
            options.quick = quick
            options.runs = runs
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: options.mnistDirectory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw LessonError("\(data != nil ? "--data " : "")\(options.mnistDirectory.path) is not a folder; pass the folder that holds the four MNIST .gz files.")
            }
            if !json {
                print("lesson bench\(quick ? " --quick" : ""): \(runs) timed runs each, medians; \(Cores.available) cores, OpenBLAS \(BLASThreads.count) threads by default")
                print("OPENBLAS_CORETYPE=\(ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? "(unset)") OPENBLAS_L2_SIZE=\(ProcessInfo.processInfo.environment["OPENBLAS_L2_SIZE"] ?? "(unset)")")
                fflush(stdout)
            }
            let results = try LessonBench.Bench.run(options) { r in
                if !json && isatty(2) != 0 { fputs("  done: \(r.name)\n", stderr) }
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(results), as: UTF8.self))
            } else {
                print(LessonBench.Bench.table(results))
            }
        } catch { fail(error) }
    }
}
