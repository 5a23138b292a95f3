// Ctrl-C during a lesson, or SIGTERM, SIGHUP, a closed output pipe: the handler only raises a flag;
// training loops look at it after each iteration or mini-batch, stop cleanly, keep what they have
// drawn, write run.json as interrupted, and the CLI exits with 128 + the signal (130 for Ctrl-C).
import Foundation
import Synchronization

public enum Interrupt {
    /// The signal that asked the run to stop (the first one), 0 while none has.
    static let flag = Atomic<Int32>(0)

    /// The signals that end a run the way Ctrl-C does.
    static let stopping = [SIGINT, SIGTERM, SIGHUP]

    /// Routes SIGINT, SIGTERM and SIGHUP to the flag instead of killing the process; a closed pipe on
    /// standard output (`lesson run 3 | head`) becomes a write error that `check` turns into SIGPIPE's stop.
    public static func install() {
        for s in stopping {
            // sigaction without SA_RESTART (signal() would restart): a read waiting at the pager's prompt
            // returns EINTR, so `kill -INT` or `-TERM` from outside stops the run there too.
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { n in _ = Interrupt.flag.compareExchange(expected: 0, desired: n, ordering: .relaxed) }
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            sigaction(s, &action, nil)
        }
        signal(SIGPIPE, SIG_IGN)
        // A parent may hand us these blocked (some test runners and process launchers do); unblock them,
        // or Ctrl-C would wait forever as a pending signal.
        var set = sigset_t()
        sigemptyset(&set)
        for s in stopping { sigaddset(&set, s) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// A test hook: LESSON_INTERRUPT_AT="E,B" sends the process SIGINT once batch B of epoch E has been
    /// trained ("E,B,15" sends signal 15), so a test stops training at a chosen batch, however loaded
    /// the machine is, instead of racing a signal against the output.
    static let planned: (epoch: Int, batch: Int, signal: Int32)? = {
        guard let text = ProcessInfo.processInfo.environment["LESSON_INTERRUPT_AT"] else { return nil }
        let n = text.split(separator: ",").map { Int($0) }
        guard n.count == 2 || n.count == 3, let e = n[0], let b = n[1] else { return nil }
        let signal = n.count == 3 ? n[2].flatMap { Int32(exactly: $0) } ?? SIGINT : SIGINT
        return stopping.contains(signal) ? (e, b, signal) : nil
    }()

    /// Called after each trained batch: raises the planned signal when this is the batch the hook names.
    public static func batchTrained(epoch: Int, batch: Int) {
        if let p = planned, p.epoch == epoch, p.batch == batch { raise(p.signal) }
    }

    /// Ctrl-C read as a key (a screen that reads keys itself, like --watch's): as if SIGINT had come.
    public static func typed() { _ = flag.compareExchange(expected: 0, desired: SIGINT, ordering: .relaxed) }

    public static var requested: Bool {
        // Standard output closed under us (its reader went away) or not writable: stop as SIGPIPE would.
        if ferror(stdout) != 0 { _ = flag.compareExchange(expected: 0, desired: SIGPIPE, ordering: .relaxed) }
        return flag.load(ordering: .relaxed) != 0
    }

    /// The signal that stopped the run (SIGINT when none did).
    public static var signalNumber: Int32 { let s = flag.load(ordering: .relaxed); return s == 0 ? SIGINT : s }

    /// "interrupted", or for another signal what stopped the run ("stopped by SIGTERM").
    public static var verb: String {
        switch signalNumber {
        case SIGINT: return "interrupted"
        case SIGTERM: return "stopped by SIGTERM"
        case SIGHUP: return "stopped by SIGHUP (the terminal closed)"
        case SIGPIPE: return "stopped: standard output was closed or could not be written"
        default: return "stopped by signal \(signalNumber)"
        }
    }

    /// Throws `LessonInterrupted` if Ctrl-C was pressed (or another stopping signal came): between
    /// steps, and inside long ones.
    public static func check(_ whereabouts: String) throws {
        if requested { throw LessonInterrupted(description: "\(verb) \(whereabouts); what was written so far is kept.") }
    }
}

/// Thrown once an interrupted lesson has saved what it could; the CLI turns it into exit status 130.
public struct LessonInterrupted: Error, CustomStringConvertible {
    public let description: String
    /// The command that goes on from where the run stopped, said on a line of its own.
    public var resume: String? = nil
    public init(description: String, resume: String? = nil) { self.description = description; self.resume = resume }
}
