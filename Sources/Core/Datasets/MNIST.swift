// MNIST-format data sets (MNIST, Fashion-MNIST): the four gzipped IDX files of a folder, checked by
// SHA-256 when a SHA256SUMS file lies beside them, images as UInt8 (N, 28·28) and labels 0...9.
import Foundation

public struct LabelledImages: Sendable {
    public let count: Int
    public let rows: Int
    public let columns: Int
    /// Row-major pixels 0...255, one image after another: (count, rows·columns).
    public let pixels: [UInt8]
    public let labels: [UInt8]

    public var pixelsPerImage: Int { rows * columns }

    public func image(_ i: Int) -> ArraySlice<UInt8> { pixels[(i * pixelsPerImage)..<((i + 1) * pixelsPerImage)] }

    public func prefix(_ n: Int) -> LabelledImages {
        let k = min(n, count)
        return LabelledImages(count: k, rows: rows, columns: columns, pixels: Array(pixels[0..<(k * pixelsPerImage)]), labels: Array(labels[0..<k]))
    }
}

public enum MNIST {
    public enum Split: String, Sendable {
        case train, test
        var imagesFile: String { self == .train ? "train-images-idx3-ubyte.gz" : "t10k-images-idx3-ubyte.gz" }
        var labelsFile: String { self == .train ? "train-labels-idx1-ubyte.gz" : "t10k-labels-idx1-ubyte.gz" }
    }

    /// Whether the last load checked checksums (false when the folder has no SHA256SUMS).
    public struct LoadReport: Sendable {
        public let verified: Bool
    }

    public static func load(_ split: Split, from directory: URL) throws -> (LabelledImages, LoadReport) {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDir), !isDir.boolValue {
            throw DataError(message: "data folder \(directory.path) is a file, not a folder; pass --data DIR, the folder holding the four MNIST .gz files.")
        }
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDir), isDir.boolValue else {
            throw DataError(message: "data folder \(directory.path) does not exist; pass --data DIR with the four MNIST .gz files, or restore Lessons/data/mnist.")
        }
        let sums = try Checksum.readSums(in: directory)
        let imagesPath = directory.appendingPathComponent(split.imagesFile).path
        let labelsPath = directory.appendingPathComponent(split.labelsFile).path
        // The header is checked before the rest is inflated, so a damaged file costs no memory.
        func checkImages(_ dims: [Int]) throws {
            guard dims.count == 3 else {
                throw DataError(imagesPath, "expected 3 dimensions (images × rows × columns), found \(dims.count).")
            }
            guard dims[1] == 28, dims[2] == 28 else {
                throw DataError(imagesPath, "images are \(dims[1])×\(dims[2]); the lessons need 28×28.")
            }
        }
        func checkLabels(_ dims: [Int]) throws {
            guard dims.count == 1 else { throw DataError(labelsPath, "expected 1 dimension (labels), found \(dims.count).") }
        }
        func read(_ file: String, check: ([Int]) throws -> Void) throws -> IDXArray {
            let url = directory.appendingPathComponent(file)
            guard let bytes = try DataFile.contents(url, limit: DataFile.largestGzip, kind: "gzip-compressed MNIST file") else {
                throw DataError(url.path, "missing; the data folder needs \(split.imagesFile) and \(split.labelsFile) (MNIST layout).")
            }
            if let sums { try Checksum.verify(bytes, name: file, path: url.path, sums: sums) }
            return try Gzip.decompressIDX(bytes, name: url.path, check: check)
        }
        let images = try read(split.imagesFile, check: checkImages)
        let labels = try read(split.labelsFile, check: checkLabels)
        guard images.dimensions[0] == labels.dimensions[0] else {
            throw DataError(message: "\(imagesPath) holds \(images.dimensions[0]) images but \(labelsPath) holds \(labels.dimensions[0]) labels; the two files must come from the same set.")
        }
        if let bad = labels.bytes.firstIndex(where: { $0 > 9 }) {
            throw DataError(labelsPath, "label \(labels.bytes[bad]) at index \(bad) is outside 0-9; the file is damaged.")
        }
        return (LabelledImages(count: images.dimensions[0], rows: 28, columns: 28, pixels: images.bytes, labels: labels.bytes),
                LoadReport(verified: sums != nil))
    }
}
