// PNG encoding and decoding through libpng's simplified `png_image` API, and atomic file writes.
// The png_image struct is released with png_image_free on every path, success or failure.
import CPNG
import Foundation

public struct PNGError: Error, CustomStringConvertible {
    public let description: String
}

public enum PNGFile {
    /// The canvas as PNG bytes (8-bit RGBA, or RGB when every pixel is opaque).
    public static func encode(_ canvas: Canvas) throws -> [UInt8] {
        var image = png_image()
        image.version = CPNG_IMAGE_VERSION
        image.width = png_uint_32(canvas.width)
        image.height = png_uint_32(canvas.height)
        let opaque = stride(from: 3, to: canvas.pixels.count, by: 4).allSatisfy { canvas.pixels[$0] == 255 }
        var rows = canvas.pixels
        if opaque {
            image.format = CPNG_FORMAT_RGB
            rows = [UInt8]()
            rows.reserveCapacity(canvas.width * canvas.height * 3)
            for i in 0..<(canvas.width * canvas.height) { rows.append(contentsOf: canvas.pixels[(4 * i)..<(4 * i + 3)]) }
        } else {
            image.format = CPNG_FORMAT_RGBA
        }
        let channels = opaque ? 3 : 4
        defer { png_image_free(&image) }
        var size: png_alloc_size_t = 0
        // First call measures, second writes.
        let measured = rows.withUnsafeBytes { buf in
            png_image_write_to_memory(&image, nil, &size, 0, buf.baseAddress, png_int_32(canvas.width * channels), nil)
        }
        guard measured != 0, size > 0 else { throw PNGError(description: pngMessage(image, "measuring the PNG")) }
        var out = [UInt8](repeating: 0, count: Int(size))
        let written = rows.withUnsafeBytes { buf in
            out.withUnsafeMutableBytes { dst in
                png_image_write_to_memory(&image, dst.baseAddress, &size, 0, buf.baseAddress, png_int_32(canvas.width * channels), nil)
            }
        }
        guard written != 0 else { throw PNGError(description: pngMessage(image, "encoding the PNG")) }
        return Array(out.prefix(Int(size)))
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

/// Writes files through a temporary sibling and a rename, so readers never see half a file.
public enum AtomicFile {
    public static func write(_ data: Data, to url: URL) throws {
        let dir = url.deletingLastPathComponent()
        let temp = dir.appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        do {
            try data.write(to: temp)
            if rename(temp.path, url.path) != 0 {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
            }
        } catch {
            try? FileManager.default.removeItem(at: temp)
            throw error
        }
    }

    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }
}
