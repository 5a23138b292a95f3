// Issue 32: `lesson` installed like a tool (a prefix, run from any folder, completions, --version
// naming its lessons), `lesson list` saying how long each lesson takes, `--bare`, and notebooks whose
// cells, run again, print and draw what they hold.
import Foundation
import Testing
import TestSupport

/// Runs an installed `lesson` as a shell finds it: by its bare name on the PATH (so argv[0] says nothing of
/// where it lies), from `directory`, with no LESSON_HOME.
func runInstalled(_ binary: URL, _ arguments: [String], in directory: URL) throws -> RunResult {
    let path = binary.deletingLastPathComponent().path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
    return try runLesson(["lesson"] + arguments, in: directory, environment: ["PATH": path], binary: URL(fileURLWithPath: "/usr/bin/env"))
}

@Suite(.serialized) struct InstalledToolTests {
    @Test func installsIntoAPrefixAndRunsFromAnotherFolder() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let prefix = dir.appendingPathComponent("prefix"), elsewhere = dir.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        let install = try runLesson(["install", "--prefix", prefix.path])
        #expect(install.status == 0, "\(install.stderr)")
        #expect(install.stdout.contains("to uninstall: rm -rf \(prefix.path)/bin/lesson \(prefix.path)/share/lesson"), "\(install.stdout)")
        let binary = prefix.appendingPathComponent("bin/lesson")
        let fm = FileManager.default
        #expect(fm.isExecutableFile(atPath: binary.path))
        for shipped in ["03-cnn.md", "README.md", "data/mnist/SHA256SUMS", "weights/03-cnn.lnw"] {
            #expect(fm.fileExists(atPath: prefix.appendingPathComponent("share/lesson/Lessons/" + shipped).path), "\(shipped) installed")
        }

        // From a folder with no Lessons/ of its own, the installed lessons are found and say where.
        let version = try runInstalled(binary, ["--version"], in: elsewhere)
        #expect(version.status == 0 && version.stdout.contains("lessons: \(prefix.path)/share/lesson/Lessons"), "\(version.stdout)")
        let run = try runInstalled(binary, ["run", "2", "--quiet"], in: elsewhere)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("wrote 8 files to Output/lesson-2/"), "--out is relative to the current folder: \(run.stdout)")
        #expect(fm.fileExists(atPath: elsewhere.appendingPathComponent("Output/lesson-2/letters.png").path))
        let pretrained = try runInstalled(binary, ["run", "3", "--pretrained", "--quiet", "--stop-at", "evaluate"], in: elsewhere)
        #expect(pretrained.status == 0 && pretrained.stdout.contains("98.50%"), "\(pretrained.stdout) \(pretrained.stderr)")

        // From a folder that has its own Lessons/ (a clone), those win: editing a lesson needs no reinstall.
        let clone = try runInstalled(binary, ["--version"], in: repositoryRoot)
        #expect(clone.stdout.contains("lessons: \(repositoryRoot.path)/Lessons"), "\(clone.stdout)")

        // Completions that bash loads and that complete the subcommands.
        let bash = prefix.appendingPathComponent("share/bash-completion/completions/lesson")
        let zsh = prefix.appendingPathComponent("share/zsh/site-functions/_lesson")
        let zshScript = try String(contentsOf: zsh, encoding: .utf8)
        #expect(zshScript.hasPrefix("#compdef lesson"))
        let complete = try capture("/bin/bash", ["-c", "source '\(bash.path)' && complete -p lesson"])
        #expect(complete.status == 0 && complete.stdout.contains("lesson"), "bash completion: \(complete.stdout)")
        let script = try String(contentsOf: bash, encoding: .utf8)
        for sub in ["install", "run", "list", "steps", "diff", "bench"] { #expect(script.contains(sub), "completes \(sub)") }

        // Installing again over an installation, from the installed copy itself, keeps it whole and leaves
        // no temporary files behind.
        let again = try runInstalled(binary, ["install", "--prefix", prefix.path], in: elsewhere)
        #expect(again.status == 0 && again.stdout.contains("lessons      \(prefix.path)/share/lesson/Lessons (from \(prefix.path)/share/lesson/Lessons)"), "\(again.stdout) \(again.stderr)")
        #expect(try runInstalled(binary, ["run", "2", "--quiet"], in: elsewhere).status == 0)
        for folder in ["bin", "share/lesson"] {
            let names = try fm.contentsOfDirectory(atPath: prefix.appendingPathComponent(folder).path)
            #expect(!names.contains { $0.hasPrefix(".lesson-install") }, "\(folder): \(names)")
        }
        // An installed copy knows the commit it was built from when the build came from a clone.
        if let commit = try? String(contentsOf: prefix.appendingPathComponent("share/lesson/commit"), encoding: .utf8) {
            #expect(version.stdout.contains("git commit \(commit.trimmingCharacters(in: .whitespacesAndNewlines).prefix(12))"), "\(version.stdout)")
        }
    }

    @Test func installIntoAPlaceThatCannotBeWrittenSaysWhatToDo() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        // A file where the prefix's bin folder should be.
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("prefix"), withIntermediateDirectories: true)
        try Data("not a folder".utf8).write(to: dir.appendingPathComponent("prefix/bin"))
        let r = try runLesson(["install", "--prefix", dir.appendingPathComponent("prefix").path])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("lesson: error: cannot create \(dir.path)/prefix/bin") && r.stderr.contains("--prefix DIR"), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1)
    }

    @Test func listSaysHowLongEachLessonTakesAndAQuickerWay() throws {
        let r = try runLesson(["list"])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.allSatisfy { $0.count <= 80 }, "\(lines)")
        let cnn = try #require(lines.firstIndex { $0.hasPrefix(" 3  cnn") })
        let said = lines[(cnn + 1)...].prefix { $0.hasPrefix("   ") }.map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        #expect(said.hasPrefix("about ") && said.contains("quick: --pretrained") && said.contains("--epochs 1"), "\(said)")
        let letters = try #require(lines.firstIndex { $0.hasPrefix(" 2  letters") })
        #expect(lines[letters + 1].trimmingCharacters(in: .whitespaces) == "under a second")
    }

    @Test func bareRunPrintsOnlyWhatTheStepComputes() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let full = try runLesson(["run", "2", "--stop-at", "forward-first", "--out", dir.appendingPathComponent("a").path])
        let bare = try runLesson(["run", "2", "--stop-at", "forward-first", "--bare", "--out", dir.appendingPathComponent("b").path])
        #expect(full.status == 0 && bare.status == 0)
        for frame in ["Lesson 2 ·", "── Step", "ran without output", "wrote "] {
            #expect(full.stdout.contains(frame) && !bare.stdout.contains(frame), "\(frame)")
        }
        #expect(bare.stdout.contains("z1") && full.stdout.contains(bare.stdout.trimmingCharacters(in: .newlines)), "the step's own lines, unchanged")
    }

    /// The notebook's code cells, run again in a shell from the notebook's folder, print the text the
    /// cells hold and draw the pictures they embed (Tests/replay_notebook.py; nbformat validates first).
    @Test(arguments: [
        ["3", "--epochs", "1", "--set", "train-images=4096"],
        ["2", "--seed", "3", "--set", "epochs=20", "--full"],
    ])
    func notebookCellsReproduceTheirRun(_ arguments: [String]) throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try runLesson(["run"] + arguments + ["--notebook", "--quiet", "--out", dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        let notebook = dir.appendingPathComponent("lesson-\(arguments[0]).ipynb")
        let nb = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: notebook)) as? [String: Any])
        let text = ((nb["cells"] as? [[String: Any]]) ?? []).compactMap { ($0["source"] as? [String])?.joined() }.joined(separator: "\n")
        // Every flag of the run, and a folder of its own per cell; training once, then its weights.
        #expect(text.contains("!lesson run \(arguments[0]) \(arguments.dropFirst().joined(separator: " ")) --width 80 --bare --stop-at "), "\(text.prefix(3000))")
        if arguments[0] == "3" {
            #expect(text.contains("--weights lesson-3-cells/18-train/weights.lnw --width 80 --bare --stop-at evaluate --out lesson-3-cells/20-evaluate"))
            #expect(text.contains("--width 80 --bare --stop-at train --out lesson-3-cells/18-train") && !text.contains("--weights lesson-3-cells/18-train/weights.lnw --width 80 --bare --stop-at train "))
            #expect(text.contains("display(Image(filename=\"lesson-3-cells/19-plot-cost/cost.png\"))"))
        }
        let replay = try capture("/usr/bin/python3", [repositoryRoot.appendingPathComponent("Tests/replay_notebook.py").path, notebook.path, lessonBinary.path])
        let cells = try stepNames(arguments[0] == "3" ? "03-cnn.md" : "02-letters.md").count
        #expect(replay.status == 0 && replay.stdout.contains("\(cells) of \(cells) cells reproduce"), "\(replay.stdout)")
    }
}
