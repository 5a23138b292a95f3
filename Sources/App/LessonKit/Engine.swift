// What a lesson engine is (settings it accepts, actions its steps may name) and the context
// the runner hands it: checked settings, the printer, and where pictures go.
import Foundation
import Rendering

public struct ActionSpec: Sendable {
    public let name: String
    /// The `key=value` arguments a step with this action takes (all of them required).
    public let arguments: [String]
    /// The kinds of question a ```quiz block under a step with this action may ask (`--quiz`).
    public let asks: [String]
    public init(_ name: String, arguments: [String] = [], asks: [String] = []) {
        self.name = name; self.arguments = arguments; self.asks = asks
    }
}

public struct LessonContext {
    public let file: LessonFile
    public let settings: LessonSettings
    /// Where every step's records go.
    public let out: RecordStream
    public let outputDirectory: URL
    /// `--data DIR`, for lessons that read an IDX data set.
    public let dataDirectory: URL?
    /// `--weights FILE`, for lessons that can skip training.
    public var weightsFile: URL? = nil
    /// The run's output folder: made, cleared of the previous run and tracked on first write.
    public var session: OutputSession
    /// `--quiz`: each step first emits the questions its ```quiz block asks for.
    public var quiz = false
    /// `--zoom`: PNGs at two or three times the pixels, text to match (the picture's layout unchanged).
    public var zoom = 1
    /// `--watch` on a terminal: the screen training draws on instead of its progress bar.
    public var watch: WatchScreen?

    public init(file: LessonFile, settings: LessonSettings, out: RecordStream, outputDirectory: URL, dataDirectory: URL?,
                session: OutputSession? = nil) {
        self.file = file; self.settings = settings; self.out = out
        self.outputDirectory = outputDirectory; self.dataDirectory = dataDirectory
        self.session = session ?? OutputSession(folder: outputDirectory)
    }

    /// The MNIST-format folder: `--data DIR`, else `data/mnist` beside the lesson file.
    public var mnistDirectory: URL {
        dataDirectory ?? URL(fileURLWithPath: file.path).deletingLastPathComponent().appendingPathComponent("data/mnist")
    }

    /// Makes the output folder on first use; an error names it if it cannot be made or written.
    public func outputURL(_ name: String) throws -> URL { try session.url(name) }

    /// A picture of `kind` into `file`, showing what `shows` says: `content` builds it from the lesson's
    /// words; the PNG renderer draws and writes it, and the stream gets the picture with its bytes.
    public func draw(_ file: String, _ kind: Picture.Kind, shows: String, _ values: [String: Value] = [:],
                     content: (PictureText) -> PictureContent) throws {
        let picture = Picture(kind: kind, file: file, shows: Phrase(shows, values), content: content(PictureText(words: out.words)))
        let url = try outputURL(file)
        let data = try PictureFile.write(picture, to: url, zoom: zoom)
        out.emit(.wrote(WrittenFile(url: url, shows: picture.shows, bytes: data, picture: picture)))
    }
}

public protocol LessonEngine: AnyObject {
    /// The `engine:` value that selects this engine.
    static var name: String { get }
    static var settingSpecs: [SettingSpec] { get }
    static var actions: [ActionSpec] { get }
    /// Checks what the file declares beyond settings and actions (a layer stack, say) before
    /// anything runs, so a broken file fails when it is read.
    static func validate(_ file: LessonFile, settings: LessonSettings) throws
    init(context: LessonContext) throws
    func perform(_ step: LessonStep) throws
    /// Figures for run.json, from whatever the steps computed.
    func summary() -> RunSummary
    /// The setting `--seed` sets (lesson 3 seeds every layer's init with `init-seed`).
    static var seedSetting: String { get }
    /// What to use instead of a setting this engine does not have, when a flag or --set names one:
    /// e.g. lesson 1 counts iterations, not epochs. nil: the error lists the engine's settings.
    static func instead(of key: String) -> String?
    /// Whether `--weights FILE` means something here, and whether `--data DIR` is read.
    static var loadsWeights: Bool { get }
    static var readsDataFolder: Bool { get }
}

extension LessonEngine {
    public static func validate(_ file: LessonFile, settings: LessonSettings) throws {}
    public func summary() -> RunSummary { RunSummary() }
    public static var seedSetting: String { "seed" }
    public static func instead(of key: String) -> String? { nil }
    public static var loadsWeights: Bool { false }
    public static var readsDataFolder: Bool { true }
}

public enum Engines {
    nonisolated(unsafe) public static let all: [LessonEngine.Type] = [DigitsEngine.self, LettersEngine.self, CNNEngine.self]
    public static func named(_ name: String) -> LessonEngine.Type? { all.first { $0.name == name } }
}

public enum OutputFolder {
    /// Creates `url` (and parents) if missing; refuses a path that is a file or not writable.
    public static func prepare(_ url: URL) throws {
        var isDir: ObjCBool = false
        let fm = FileManager.default
        // Checked before any folder is made, so a path the system cannot take leaves no empty folders.
        let path = url.standardizedFileURL.path
        if path.utf8.count >= Int(PATH_MAX) || path.split(separator: "/").contains(where: { $0.utf8.count > Int(NAME_MAX) }) {
            throw LessonError("--out is too long (\(path.utf8.count) bytes; a path takes at most \(PATH_MAX - 1), each folder name \(NAME_MAX)); pass a shorter folder.")
        }
        if fm.fileExists(atPath: url.path, isDirectory: &isDir) {
            guard isDir.boolValue else {
                throw LessonError("--out \(url.path) is a file, not a folder; pass a folder path.")
            }
        } else {
            do { try fm.createDirectory(at: url, withIntermediateDirectories: true) } catch {
                throw LessonError("cannot create the output folder \(url.path); pass a writable --out folder.")
            }
        }
        guard fm.isWritableFile(atPath: url.path) else {
            throw LessonError("the output folder \(url.path) is not writable; pass a writable --out folder.")
        }
    }
}
