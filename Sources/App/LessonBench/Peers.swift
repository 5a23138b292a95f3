// The peers `lesson bench` measures itself against, run as they are when they can be: the PyTorch CNN
// (../shared/bench/peer_cnn_torch.py, float32 and float64) and the tutorial's own numpy code for
// lesson 1 (Tests/peers/dense_numpy.py). Each prints its figures; a peer that cannot run is skipped
// with the reason, and the targets that need it say so.
import Foundation

struct Peer {
    /// Seconds per run as the peer reports them (s/epoch, or s for all iterations).
    let runs: [Double]
    var median: Double { Bench.median(runs) }

    /// `python3 script args`; nil (and why) when there is no python3, no script, or it fails.
    static func run(_ script: URL, _ arguments: [String]) -> (peer: Peer?, why: String?) {
        guard FileManager.default.fileExists(atPath: script.path) else { return (nil, "\(script.path) is not there") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script.path] + arguments
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return (nil, "python3 could not be started") }
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return (nil, "\(script.lastPathComponent) exited with status \(p.terminationStatus) (is torch or numpy installed?)") }
        // "rep 0: 3.296 s/epoch, ..." (the CNN peer, one line per rep) or "...: 36.12 s" (the dense peer).
        var runs = [Double]()
        for line in text.split(separator: "\n") {
            if line.hasPrefix("rep "), let colon = line.firstIndex(of: ":"),
               let v = Double(line[line.index(after: colon)...].split(separator: " ").first ?? "") { runs.append(v) }
            else if line.hasPrefix("peer numpy"), let v = Double(line.split(separator: " ").dropLast().last ?? "") { runs.append(v) }
        }
        return runs.isEmpty ? (nil, "\(script.lastPathComponent) printed no timing") : (Peer(runs: runs), nil)
    }
}
