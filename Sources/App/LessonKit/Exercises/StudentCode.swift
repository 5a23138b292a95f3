// Runs a student's solution.py in a child python3 on every input set: a small harness we write to a
// scratch folder loads the file, calls each function on .npy inputs, saves what it returns as .npy and
// records, call by call, what happened (a status file rewritten after each step, so a time limit or a
// crash still tells which call was running). Nothing the student's code does reaches `lesson` itself.
import Datasets
import Foundation
import Numerics

/// What running the student's code gave for one call on one input set.
public enum CallResult: Sendable {
    case outputs([String: NpyArray])
    case missing
    case notImplemented
    /// Its own traceback lines (the student's frames) and the exception.
    case exception(String)
    /// It returned something other than the outputs asked for (a count, None, text).
    case returned(String)
    /// The time limit or a crash came while this call ran.
    case stopped
    /// The run ended (time limit, crash) before this call began.
    case notReached
}

public struct StudentRun: Sendable {
    public enum Problem: Sendable, Equatable {
        case noPython
        case noNumpy(String)
        case unreadable(String)
        case syntax(line: Int, message: String, text: String)
        /// Running the file itself (its top level) raised: a traceback.
        case atImport(String)
        case timedOut(seconds: Double)
        case ended(status: Int32?, signal: Int32?)
    }
    /// Why nothing, or not everything, could be graded.
    public var problem: Problem?
    /// results[set][call]; nil where it never got that far.
    public var results: [[CallResult?]]
    /// What the student's code printed (bounded).
    public var printed: String
    public var seconds: Double
}

public enum StudentCode {
    /// Seconds a check may take by default (`--timeout`).
    public static let defaultTimeout = 10.0

    /// Runs `solution`'s functions on each input set (sets[s][c]: call c's inputs on set s).
    public static func run(_ solution: URL, calls: [Exercise.Call], sets: [[ExerciseArrays]], timeout: Double) throws -> StudentRun {
        let fm = FileManager.default
        let scratch = fm.temporaryDirectory.appendingPathComponent("lesson-check-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try fm.createDirectory(at: scratch, withIntermediateDirectories: false)
        defer { try? fm.removeItem(at: scratch) }
        var jobCalls = [[String: Any]]()
        for (s, set) in sets.enumerated() {
            for (c, call) in calls.enumerated() {
                let f = call.function
                var inputs = [String](), integers = [Bool](), outs = [String]()
                for p in f.parameters {
                    let url = scratch.appendingPathComponent("in-\(s)-\(c)-\(p.name).npy")
                    let t = set[c][p.name]!
                    let bytes = p.integer ? NpyFile.encode(integers: t.storage.map { Int($0) }, shape: t.shape) : NpyFile.encode(t)
                    try Data(bytes).write(to: url)
                    inputs.append(url.path); integers.append(p.integer)
                }
                for o in f.outputs { outs.append(scratch.appendingPathComponent("out-\(s)-\(c)-\(o.name).npy").path) }
                jobCalls.append(["set": s, "call": c, "function": f.name, "inputs": inputs, "integers": integers,
                                 "outputs": f.outputs.map(\.name), "out": outs])
            }
        }
        let statusURL = scratch.appendingPathComponent("status.json")
        // The student's code runs in its own folder, as `python3 solution.py` there would.
        let job: [String: Any] = ["solution": solution.standardizedFileURL.path, "calls": jobCalls, "status": statusURL.path,
                                  "folder": solution.standardizedFileURL.deletingLastPathComponent().path]
        let jobURL = scratch.appendingPathComponent("job.json"), harnessURL = scratch.appendingPathComponent("harness.py")
        try JSONSerialization.data(withJSONObject: job).write(to: jobURL)
        try Data(harness.utf8).write(to: harnessURL)

        let outcome: ChildOutcome
        do {
            outcome = try ChildProcess.run(["python3", "-B", "-u", harnessURL.path, jobURL.path],
                                           environment: ["OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "PYTHONIOENCODING": "utf-8"],
                                           timeout: timeout)
        } catch is ChildMissing {
            return StudentRun(problem: .noPython, results: [], printed: "", seconds: 0)
        }
        var run = StudentRun(problem: nil, results: Array(repeating: Array(repeating: nil, count: calls.count), count: sets.count),
                             printed: outcome.output + (outcome.droppedBytes > 0 ? "\n[\(outcome.droppedBytes) more bytes of output not kept]" : ""),
                             seconds: outcome.seconds)
        // The status file is the harness's own (a few kilobytes); a student's code could overwrite it, so
        // it is read bounded and parsed as untrusted.
        let status = (try? BoundedRead.bytes(statusURL, limit: 1 << 20, what: "status", why: ""))
            .flatMap { try? JSONSerialization.jsonObject(with: Data($0)) as? [String: Any] }
        if let load = status?["load"] as? [String: Any] {
            let message = load["message"] as? String ?? ""
            switch load["kind"] as? String {
            case "numpy": run.problem = .noNumpy(message)
            case "syntax": run.problem = .syntax(line: load["line"] as? Int ?? 0, message: message, text: load["text"] as? String ?? "")
            case "unreadable": run.problem = .unreadable(message)
            default: run.problem = .atImport(message)
            }
            return run
        }
        for r in status?["calls"] as? [[String: Any]] ?? [] {
            guard let s = r["set"] as? Int, let c = r["call"] as? Int, sets.indices.contains(s), calls.indices.contains(c) else { continue }
            let message = r["message"] as? String ?? ""
            switch r["kind"] as? String {
            case "ok": run.results[s][c] = readOutputs(calls[c].function, scratch: scratch, set: s, call: c)
            case "missing": run.results[s][c] = .missing
            case "not-implemented": run.results[s][c] = .notImplemented
            case "exception": run.results[s][c] = .exception(message)
            case "returns", "not-numeric": run.results[s][c] = .returned(message)
            default: run.results[s][c] = .stopped  // "running": the limit or a crash came during this call
            }
        }
        if outcome.timedOut { run.problem = .timedOut(seconds: timeout) } else if outcome.status != 0 || status == nil {
            run.problem = .ended(status: outcome.status, signal: outcome.signal)
        }
        return run
    }

    static func readOutputs(_ f: ExerciseFunction, scratch: URL, set s: Int, call c: Int) -> CallResult {
        var arrays = [String: NpyArray]()
        for o in f.outputs {
            let url = scratch.appendingPathComponent("out-\(s)-\(c)-\(o.name).npy")
            // 256 MB is far past any output of these exercises (the largest is 26×26×10 numbers).
            guard let bytes = try? BoundedRead.bytes(url, limit: 256 << 20, what: o.name, why: ""),
                  let array = try? NpyFile.decode(bytes, name: o.name) else {
                return .returned("\(o.name) is more than 256 MB or could not be read back")
            }
            arrays[o.name] = array
        }
        return .outputs(arrays)
    }

    /// The harness the child runs: python3 harness.py job.json.
    static let harness = #"""
    import sys, os, json, types, traceback

    def main():
        job = json.load(open(sys.argv[1]))
        status = {"calls": []}
        def save():
            with open(job["status"] + ".tmp", "w") as f:
                json.dump(status, f)
            os.replace(job["status"] + ".tmp", job["status"])
        try:
            import resource  # a runaway allocation fails as MemoryError instead of taking the machine
            resource.setrlimit(resource.RLIMIT_AS, (8 << 30, 8 << 30))
        except Exception:
            pass
        try:
            import numpy as np
        except Exception as e:
            status["load"] = {"kind": "numpy", "message": str(e)}; save(); return
        solution = job["solution"]
        os.chdir(job["folder"])
        sys.path.insert(0, job["folder"])

        def student_trace(e):
            lines = []
            for f in traceback.extract_tb(e.__traceback__):
                if os.path.abspath(f.filename) == solution:
                    lines.append("line %d, in %s: %s" % (f.lineno, f.name, (f.line or "").strip()))
            lines.append("".join(traceback.format_exception_only(type(e), e)).strip())
            return "\n".join(lines)

        try:
            with open(solution, encoding="utf-8") as f:
                code = compile(f.read(), solution, "exec")
        except SyntaxError as e:
            status["load"] = {"kind": "syntax", "line": e.lineno or 0, "message": "%s: %s" % (type(e).__name__, e.msg),
                              "text": (e.text or "").rstrip()}
            save(); return
        except (OSError, UnicodeDecodeError, ValueError) as e:
            status["load"] = {"kind": "unreadable", "message": str(e)}; save(); return
        module = types.ModuleType("solution")
        module.__file__ = solution
        sys.modules["solution"] = module
        try:
            exec(code, module.__dict__)
        except BaseException as e:
            status["load"] = {"kind": "exception", "message": student_trace(e)}; save(); return
        save()
        for call in job["calls"]:
            r = {"set": call["set"], "call": call["call"], "kind": "running"}
            status["calls"].append(r)
            fn = getattr(module, call["function"], None)
            if not callable(fn):
                r["kind"] = "missing"; save(); continue
            args = []
            for path, is_int in zip(call["inputs"], call["integers"]):
                a = np.load(path)
                args.append(int(a) if is_int and a.ndim == 0 else a)
            save()
            try:
                result = fn(*args)
            except NotImplementedError:
                r["kind"] = "not-implemented"; save(); continue
            except BaseException as e:
                r["kind"] = "exception"; r["message"] = student_trace(e); save(); continue
            names = call["outputs"]
            if len(names) == 1:
                result = (result,)
            elif not isinstance(result, (tuple, list)) or len(result) != len(names):
                got = ("a tuple of %d" % len(result)) if isinstance(result, (tuple, list)) else type(result).__name__
                r["kind"] = "returns"
                r["message"] = "it returned %s; return the %d arrays (%s), in that order" % (got, len(names), ", ".join(names))
                save(); continue
            problem = None
            for name, value, path in zip(names, result, call["out"]):
                if value is None:
                    problem = "%s is None: the function returned nothing for it (a missing return?)" % name; break
                try:
                    arr = np.asarray(value, dtype=np.float64)
                except Exception as e:
                    problem = "%s is a %s, not an array of numbers (%s)" % (name, type(value).__name__, e); break
                np.save(path, np.array(arr, order="C"))  # ascontiguousarray would make a 0-d array 1-d
            if problem:
                r["kind"] = "not-numeric"; r["message"] = problem
            else:
                r["kind"] = "ok"
            save()

    main()
    """#
}
