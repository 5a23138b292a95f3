// One run's output folder. A folder always describes one run: when a run first writes into it, the
// files the previous run's run.json lists are removed (and nothing else: `--out .` never loses a
// user's file, and a run never removes its own input), leftovers of killed writes are cleaned, and
// every file this run writes is remembered so its run.json can list them, even when it stops early.
import Foundation
import Rendering

public final class OutputSession {
    /// A file in the way that is not ours (see `url(_:)`).
    public struct ForeignFile: Error, CustomStringConvertible { public let description: String }

    public let folder: URL
    /// Files this run reads (e.g. --weights): kept even when the previous run wrote them.
    let inputs: Set<String>
    /// Names of the files this run wrote into the folder, in order.
    public private(set) var written: [String] = []
    /// Names of the previous run's files removed when this run started writing.
    public private(set) var removed: [String] = []
    /// Whether this run has touched the folder (made it, cleared it or written into it).
    public private(set) var started = false

    /// The folder itself, open and locked while this run writes into it (-1 until then).
    private var lock: Int32 = -1

    public init(folder: URL, inputs: [URL] = []) {
        self.folder = folder.standardizedFileURL
        self.inputs = Set(inputs.map { $0.standardizedFileURL.resolvingSymlinksInPath().path })
    }

    deinit { if lock >= 0 { close(lock) } }

    /// The folder, made, locked and cleared of the previous run on first use.
    public func start() throws {
        guard !started else { return }
        try OutputFolder.prepare(folder)
        try lockFolder()
        try clearPreviousRun()
        // Only now is the folder this run's: a refusal above leaves it (and a stranger's run.json) alone.
        started = true
    }

    /// Where file `name` of this run goes (the folder is started first). A file of that name that this
    /// run did not write and no earlier run of ours listed is the user's: the run stops rather than
    /// write over it.
    public func url(_ name: String) throws -> URL {
        try start()
        let u = folder.appendingPathComponent(name)
        guard !written.contains(name) else { return u }
        // lstat: a symbolic link of that name (even a dangling one) is there too. A folder in the way is
        // said by the write itself.
        var st = stat()
        if lstat(u.path, &st) == 0, (st.st_mode & S_IFMT) != S_IFDIR, !inputs.contains(u.resolvingSymlinksInPath().path) {
            throw ForeignFile(description: "\(u.path) is already there, and no run of lesson wrote it; nothing was written over it. Move it, or pass another --out folder.")
        }
        return u
    }

    /// Two runs into one folder would leave it describing neither: the folder is locked (flock on the
    /// folder itself, no file of ours left in it) while this run writes, and a second run is refused at
    /// once. The lock goes with the process, however it ends.
    func lockFolder() throws {
        guard lock < 0 else { return }
        let fd = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }  // a folder that cannot be opened is said by the first write into it
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let busy = errno == EWOULDBLOCK
            close(fd)
            guard busy else { return }
            throw LessonError("--out \(folder.path): another lesson run is writing into this folder right now; wait for it to finish, or pass another --out folder.")
        }
        lock = fd
    }

    /// Notes a file this run wrote (anything outside the folder is not the folder's business).
    public func didWrite(_ url: URL) {
        let u = url.standardizedFileURL
        guard u.deletingLastPathComponent().path == folder.path else { return }
        if !written.contains(u.lastPathComponent) { written.append(u.lastPathComponent) }
    }

    /// A plain file name: no folder part, not "." or "..", not hidden.
    static func isPlainName(_ s: String) -> Bool {
        !s.isEmpty && !s.contains("/") && !s.hasPrefix(".") && s != RunRecord.fileName
    }

    func clearPreviousRun() throws {
        let fm = FileManager.default
        // Temporary files of our writes whose process was killed between writing and renaming: only
        // `.lesson-NAME.PID.tmp` (a user's `.x.123.tmp` is theirs).
        for name in (try? fm.contentsOfDirectory(atPath: folder.path)) ?? [] {
            let parts = name.split(separator: ".")
            guard name.hasPrefix(AtomicFile.temporaryPrefix), name.hasSuffix(".tmp"), parts.count >= 3, let pid = Int32(parts[parts.count - 2]) else { continue }
            if pid != getpid(), kill(pid, 0) != 0, errno == ESRCH { try? fm.removeItem(at: folder.appendingPathComponent(name)) }
        }
        let recordURL = folder.appendingPathComponent(RunRecord.fileName)
        guard fm.fileExists(atPath: recordURL.path) else { return }
        var isDir: ObjCBool = false
        _ = fm.fileExists(atPath: recordURL.path, isDirectory: &isDir)
        if isDir.boolValue {
            throw LessonError("\(recordURL.path): a folder of that name is in the way; move or rename it, or pass another --out folder.")
        }
        // Read bounded, as every file is: a pipe or a huge file of that name is not a run.json of ours.
        guard let bytes = try? BoundedRead.bytes(recordURL, limit: RunRecord.maxBytes, what: recordURL.path, why: ""),
              let previous = try? RunRecord.decode(bytes) else {
            throw LessonError("--out \(folder.path) holds a run.json that lesson did not write (or cannot read); move it, or pass another --out folder.")
        }
        for name in previous.files ?? [] where Self.isPlainName(name) {
            let u = folder.appendingPathComponent(name)
            if inputs.contains(u.resolvingSymlinksInPath().path) { continue }
            var d: ObjCBool = false
            guard fm.fileExists(atPath: u.path, isDirectory: &d), !d.boolValue else { continue }
            do { try fm.removeItem(at: u); removed.append(name) } catch {
                throw LessonError("cannot remove \(u.path), a file of the previous run in this folder; check its permissions, or pass another --out folder.")
            }
        }
        try? fm.removeItem(at: recordURL)
    }
}
