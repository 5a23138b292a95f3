// PNG encoding and decoding through libpng's simplified `png_image` API, and atomic file writes.
// The png_image struct is released with png_image_free on every path, success or failure.
import CPNG
import Foundation

public struct PNGError: Error, CustomStringConvertible {
    public let description: String
}

public enum PNGFile {
    /// The canvas as PNG bytes (8-bit RGBA, or RGB when every pixel is opaque). Written once, into a
    /// buffer of libpng's own size bound, with its FAST flag: these pictures are flat colours and text
    /// (measured: `lesson run 2 --quiet`, 65 % of it PNG encoding, 0.20 → 0.06 s).
    public static func encode(_ canvas: Canvas) throws -> [UInt8] {
        var image = png_image()
        image.version = CPNG_IMAGE_VERSION
        image.width = png_uint_32(canvas.width)
        image.height = png_uint_32(canvas.height)
        image.flags = CPNG_IMAGE_FLAG_FAST
        let pixels = canvas.width * canvas.height
        let opaque = canvas.pixels.withUnsafeBufferPointer { p in stride(from: 3, to: p.count, by: 4).allSatisfy { p[$0] == 255 } }
        let channels = opaque ? 3 : 4
        let rows: [UInt8]
        if opaque {
            image.format = CPNG_FORMAT_RGB
            rows = [UInt8](unsafeUninitializedCapacity: pixels * 3) { dst, count in
                canvas.pixels.withUnsafeBufferPointer { src in
                    for i in 0..<pixels { dst[3 * i] = src[4 * i]; dst[3 * i + 1] = src[4 * i + 1]; dst[3 * i + 2] = src[4 * i + 2] }
                }
                count = pixels * 3
            }
        } else {
            image.format = CPNG_FORMAT_RGBA
            rows = canvas.pixels
        }
        defer { png_image_free(&image) }
        var size = cpng_image_png_size_max(&image)
        var out = [UInt8](repeating: 0, count: Int(size))
        let written = rows.withUnsafeBytes { buf in
            out.withUnsafeMutableBytes { dst in
                png_image_write_to_memory(&image, dst.baseAddress, &size, 0, buf.baseAddress, png_int_32(canvas.width * channels), nil)
            }
        }
        guard written != 0, Int(size) <= out.count else { throw PNGError(description: pngMessage(image, "encoding the PNG")) }
        out.removeSubrange(Int(size)...)
        return out
    }

    /// Decodes PNG bytes into an RGBA canvas.
    public static func decode(_ bytes: [UInt8]) throws -> Canvas {
        var image = png_image()
        image.version = CPNG_IMAGE_VERSION
        defer { png_image_free(&image) }
        let begun = bytes.withUnsafeBytes { png_image_begin_read_from_memory(&image, $0.baseAddress, $0.count) }
        guard begun != 0 else { throw PNGError(description: pngMessage(image, "reading the PNG header")) }
        image.format = CPNG_FORMAT_RGBA
        let w = Int(image.width), h = Int(image.height)
        var canvas = Canvas(width: w, height: h)
        let finished = canvas.pixels.withUnsafeMutableBytes {
            png_image_finish_read(&image, nil, $0.baseAddress, png_int_32(w * 4), nil)
        }
        guard finished != 0 else { throw PNGError(description: pngMessage(image, "decoding the PNG")) }
        return canvas
    }

    public static func read(_ url: URL) throws -> Canvas {
        try decode([UInt8](Data(contentsOf: url)))
    }

    /// Encodes and writes atomically: the file appears whole or not at all.
    public static func write(_ canvas: Canvas, to url: URL) throws {
        try AtomicFile.write(Data(try encode(canvas)), to: url)
    }

    private static func pngMessage(_ image: png_image, _ doing: String) -> String {
        var m = image.message
        let text = withUnsafeBytes(of: &m) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return "libpng failed while \(doing): \(text.isEmpty ? "unknown error" : text)"
    }
}

/// Why a file could not be written, said the way a user can act on it.
public struct FileWriteError: Error, CustomStringConvertible {
    public let description: String
}

/// Writes files through a temporary sibling and a rename, so readers never see half a file.
public enum AtomicFile {
    /// The temporary sibling a write goes through: `.lesson-NAME.PID.tmp`, a name no user would pick
    /// (only such files are ever cleaned up), whose pid lets a later run tell a leftover of a killed
    /// process (its pid no longer running) from a write in progress.
    public static func temporaryURL(for url: URL, pid: Int32 = ProcessInfo.processInfo.processIdentifier) -> URL {
        url.deletingLastPathComponent().appendingPathComponent("\(temporaryPrefix)\(url.lastPathComponent).\(pid).tmp")
    }
    public static let temporaryPrefix = ".lesson-"

    /// `bytes` written as `write(_:to:)` writes a Data, without first copying them into one.
    public static func write(bytes: [UInt8], to url: URL) throws {
        try bytes.withUnsafeBytes { raw in
            let data = raw.baseAddress.map { Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: $0), count: raw.count, deallocator: .none) } ?? Data()
            try write(data, to: url)
        }
    }

    public static func write(_ data: Data, to url: URL) throws {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), isDir.boolValue {
            throw FileWriteError(description: "cannot write \(url.path): a folder of that name is in the way; move or rename it, or pass another --out folder.")
        }
        let temp = temporaryURL(for: url)
        let fd = open(temp.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw explain(errno, writing: url, needed: data.count) }
        var failure: Int32 = 0
        data.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 { if errno == EINTR { continue }; failure = errno; return }
                done += n
            }
        }
        if close(fd) != 0 && failure == 0 { failure = errno }
        if failure == 0 && rename(temp.path, url.path) != 0 { failure = errno }
        if failure != 0 {
            unlink(temp.path)
            throw explain(failure, writing: url, needed: data.count)
        }
    }

    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }

    /// One sentence for a failed write: what went wrong in words, and what to do.
    public static func explain(_ code: Int32, writing url: URL, needed: Int) -> FileWriteError {
        let path = url.path
        switch code {
        case ENOSPC, EDQUOT:
            var fs = statvfs()
            let free = statvfs(url.deletingLastPathComponent().path, &fs) == 0 ? Int(fs.f_bavail) * Int(fs.f_frsize) : -1
            return FileWriteError(description: "cannot write \(path): the disk is full (the file needs \(bytes(needed))\(free >= 0 ? ", \(bytes(free)) free" : "")); free some space or pass --out on another disk.")
        case EACCES, EPERM, EROFS:
            return FileWriteError(description: "cannot write \(path): \(code == EROFS ? "the disk is read-only" : "permission denied"); pass a writable --out folder.")
        case EISDIR:
            return FileWriteError(description: "cannot write \(path): a folder of that name is in the way; move or rename it, or pass another --out folder.")
        case ENOENT, ENOTDIR:
            // The folder may well be there and take no new files (/proc, /sys): say which.
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.deletingLastPathComponent().path, isDirectory: &isDir), isDir.boolValue {
                return FileWriteError(description: "cannot write \(path): the folder is there but takes no new files (a system folder such as /proc?); pass a writable --out folder.")
            }
            return FileWriteError(description: "cannot write \(path): its folder is gone or is not a folder; pass an existing --out folder.")
        case ENAMETOOLONG:
            return FileWriteError(description: "cannot write \(path): the path is too long; pass a shorter --out folder.")
        default:
            return FileWriteError(description: "cannot write \(path): \(String(cString: strerror(code))).")
        }
    }

    static func bytes(_ n: Int) -> String {
        n >= 1 << 30 ? String(format: "%.1f GB", Double(n) / Double(1 << 30)) : n >= 1 << 20 ? String(format: "%.1f MB", Double(n) / Double(1 << 20))
            : n >= 1 << 10 ? String(format: "%.0f KB", Double(n) / 1024) : "\(n) bytes"
    }
}
