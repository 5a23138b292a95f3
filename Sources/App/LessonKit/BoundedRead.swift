// Files the program reads whole (weights, lesson files, run.json) are checked before they are read: a
// regular file, no larger than its kind can be, so a huge or endless file is a message, not an abort.
import Foundation
import Datasets

enum BoundedRead {
    /// The bytes of `url`, refused without reading when it is not a regular file or is over `limit`
    /// bytes; `what` starts each message ("--weights w.lnw").
    static func bytes(_ url: URL, limit: Int, what: String, why: String) throws -> [UInt8] {
        switch FileRead.bounded(url.path, limit: limit) {
        case .bytes(let bytes): return bytes
        case .missing: throw LessonError("\(what): no such file; check the path.")
        case .notRegular: throw LessonError("\(what): not a regular file (a folder, a pipe or a device); pass the file itself.")
        case .tooLarge(let size): throw LessonError("\(what): \(size) bytes, more than \(limit) (\(why)); it is not the file expected, or it is damaged.")
        case .grew: throw LessonError("\(what): it changed while being read; try again.")
        case .unreadable(let e) where e == EACCES || e == EPERM: throw LessonError("\(what): cannot read it (permission denied); check its permissions.")
        case .unreadable: throw LessonError("\(what): cannot read it; check the path and permissions.")
        }
    }
}
