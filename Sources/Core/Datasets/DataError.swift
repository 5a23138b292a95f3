// Errors from reading data files: each names the file and says what is wrong and what to do.

public struct DataError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ file: String, _ problem: String) { description = "\(file): \(problem)" }
    public init(message: String) { description = message }
}
