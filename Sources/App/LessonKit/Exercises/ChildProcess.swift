// A student's program, run as a child we do not trust to behave: in its own process group (so an
// endless loop, and anything it started, is killed whole at the time limit), standard input from
// /dev/null (an input() call fails instead of waiting), its printed output kept up to a bound and the
// rest read and dropped, Ctrl-C on `lesson` ending it too. No sandbox: it is the student's own code.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public struct ChildOutcome: Sendable {
    /// The exit status, or nil if a signal ended it (or the time limit did).
    public let status: Int32?
    public let signal: Int32?
    public let timedOut: Bool
    /// What it printed to standard output and error, at most `limit` bytes of it.
    public let output: String
    public let droppedBytes: Int
    public let seconds: Double
}

public enum ChildProcess {
    /// Runs `arguments` (found on PATH) for at most `timeout` seconds (it starts in our folder: glibc's
    /// spawn-in-a-folder is not reachable from Swift, so a program that needs another changes to it).
    /// Throws only when it cannot start.
    public static func run(_ arguments: [String], environment: [String: String] = [:],
                           timeout: Double, limit: Int = 64 << 10) throws -> ChildOutcome {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw LessonError("cannot make a pipe to run \(arguments[0]) (\(String(cString: strerror(errno)))).") }
        let (readEnd, writeEnd) = (fds[0], fds[1])
        defer { close(readEnd) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 2)
        posix_spawn_file_actions_addclose(&actions, readEnd)
        posix_spawn_file_actions_addclose(&actions, writeEnd)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group (killed whole), default signal handling (we ignore SIGPIPE), nothing blocked.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        posix_spawnattr_setpgroup(&attributes, 0)
        var defaults = sigset_t(), none = sigset_t()
        sigemptyset(&defaults); sigemptyset(&none)
        for s in [SIGPIPE, SIGINT, SIGTERM, SIGHUP] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &none)

        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv { free(p) }; for p in envp { free(p) } }

        var pid: pid_t = 0
        let started = Date()
        let spawned = posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, envp)
        close(writeEnd)
        guard spawned == 0 else {
            if spawned == ENOENT { throw ChildMissing(program: arguments[0]) }
            throw LessonError("cannot run \(arguments[0]): \(String(cString: strerror(spawned))).")
        }

        var kept = [UInt8](), dropped = 0, status: Int32 = 0, exited = false, timedOut = false, interrupted = false
        var buffer = [UInt8](repeating: 0, count: 16 << 10)
        var open = true
        _ = fcntl(readEnd, F_SETFL, fcntl(readEnd, F_GETFL) | O_NONBLOCK)
        while true {
            if open {
                var p = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
                _ = poll(&p, 1, 50)
                while true {
                    let n = read(readEnd, &buffer, buffer.count)
                    if n > 0 {
                        let room = max(0, limit - kept.count)
                        kept += buffer[0..<min(n, room)]
                        dropped += max(0, n - room)
                    } else {
                        if n == 0 { open = false }
                        break
                    }
                }
            } else {
                usleep(20_000)
            }
            if !exited {
                let r = waitpid(pid, &status, WNOHANG)
                if r == pid { exited = true }
            }
            // Done once it has exited and its output is drained (or nothing it started holds the pipe).
            if exited && !open { break }
            if exited, Date().timeIntervalSince(started) > timeout + 1 { break }
            if !exited, Date().timeIntervalSince(started) > timeout { timedOut = true; break }
            if Interrupt.requested { interrupted = true; break }
        }
        // Anything left in its group (an endless loop, a process it started) goes now.
        kill(-pid, SIGKILL)
        if !exited { waitpid(pid, &status, 0) }
        if interrupted { try Interrupt.check("while the student's code ran") }
        let seconds = Date().timeIntervalSince(started)
        let signalled = (status & 0x7F) != 0 && (status & 0x7F) != 0x7F
        return ChildOutcome(status: signalled || timedOut ? nil : (status >> 8) & 0xFF, signal: signalled && !timedOut ? status & 0x7F : nil,
                            timedOut: timedOut, output: String(decoding: kept, as: UTF8.self), droppedBytes: dropped, seconds: seconds)
    }
}

/// The program to run is not installed.
public struct ChildMissing: Error {
    public let program: String
}
