// Ctrl-C during a lesson: the handler only raises a flag; training loops look at it after each
// iteration or mini-batch, stop cleanly, keep what they have drawn, and the CLI exits with 130.
import Foundation
import Synchronization

public enum Interrupt {
    static let flag = Atomic<Bool>(false)

    /// Routes SIGINT to the flag instead of killing the process.
    public static func install() {
        signal(SIGINT) { _ in Interrupt.flag.store(true, ordering: .relaxed) }
        // A parent may hand us SIGINT blocked (some test runners and process launchers do); unblock it,
        // or Ctrl-C would wait forever as a pending signal.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    public static var requested: Bool { flag.load(ordering: .relaxed) }

    /// Throws `LessonInterrupted` if Ctrl-C was pressed: between steps, and inside long ones.
    public static func check(_ whereabouts: String) throws {
        if requested { throw LessonInterrupted(description: "interrupted \(whereabouts); what was written so far is kept.") }
    }
}

/// Thrown once an interrupted lesson has saved what it could; the CLI turns it into exit status 130.
public struct LessonInterrupted: Error, CustomStringConvertible {
    public let description: String
    /// The command that goes on from where the run stopped, said on a line of its own.
    public var resume: String? = nil
    public init(description: String, resume: String? = nil) { self.description = description; self.resume = resume }
}
