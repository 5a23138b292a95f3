// How much memory this machine can still give a run: the kernel's own estimate (MemAvailable, free
// memory plus what it can reclaim from caches) plus free swap, so a network that would not fit is
// refused before training allocates it.
import Foundation

enum SystemMemory {
    /// Bytes available, or nil where /proc/meminfo cannot be read (then nothing is refused for it).
    static func available(meminfo path: String = "/proc/meminfo") -> Int? {
        // A kernel file: stat says 0 bytes, so it is read up to a bound rather than by its size.
        guard let handle = FileHandle(forReadingAtPath: path), let bytes = try? handle.read(upToCount: 1 << 16) else { return nil }
        try? handle.close()
        var fields = [String: Int]()
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(whereSeparator: { $0 == ":" || $0 == " " })
            if parts.count >= 2, let kB = Int(parts[1]) { fields[String(parts[0])] = kB }
        }
        guard let available = fields["MemAvailable"] else { return nil }
        let total = available.addingReportingOverflow(fields["SwapFree"] ?? 0)
        return total.overflow ? nil : total.partialValue.multipliedReportingOverflow(by: 1024).partialValue
    }
}
