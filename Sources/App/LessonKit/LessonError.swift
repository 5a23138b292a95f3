// The one error type users see: a sentence naming the file, line, flag or value and what to do.

public struct LessonError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ message: String) { self.description = message }

    /// An error at a line of a lesson file: "FILE:LINE: message".
    public static func at(_ file: String, line: Int, _ message: String) -> LessonError {
        LessonError("\(file):\(line): \(message)")
    }
}
