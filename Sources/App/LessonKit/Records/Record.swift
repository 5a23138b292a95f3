// The one way out of a step: engines emit typed records and never format a number; the terminal
// view, the pager, the handout and run.json are renderers of the same stream.
import Foundation
import Numerics
import Rendering

/// A number, a count, a word or an array, as an engine hands it over: unformatted.
public enum Value: Sendable {
    case int(Int)
    case number(Double)
    case text(String)
    /// A shape, shown as numpy shows one: (26, 26, 10).
    case shape([Int])
    /// An index into a tensor, shown as [12, 7, 3].
    case index([Int])
    /// An array printed inside a sentence the way numpy prints it (the tutorial's own `print`).
    case array(ArrayValue)
    /// A phrase of the lesson's words inside another sentence or a table cell (a network state: "after
    /// 3 epochs"), rendered with the words of the sentence around it.
    indirect case phrase(Phrase)
}

/// The values of a quantity, with their shape; integers (labels, predictions) print without a point.
public struct ArrayValue: Sendable {
    public var shape: [Int]
    public var values: [Double]
    public var integers: Bool
    public init(shape: [Int], values: [Double], integers: Bool = false) {
        self.shape = shape; self.values = values; self.integers = integers
    }
    /// A float64 tensor's storage is shared, not copied (lesson 1's full-data image matrix is 376 MB).
    public init<T: BLASScalar>(_ t: Tensor<T>) {
        self.init(shape: t.shape, values: (t.storage as? [Double]) ?? t.storage.map { Double($0) })
    }
    public var count: Int { values.count }
}

/// A sentence of the lesson's words: `key` names its text in the lesson file's ```words blocks, with
/// `{name}` placeholders that `values` fill (the renderer formats them).
public struct Phrase: Sendable {
    public let key: String
    public let values: [String: Value]
    public init(_ key: String, _ values: [String: Value] = [:]) { self.key = key; self.values = values }
}

/// What a quantity is in the network: lets a view colour or group it.
public enum Role: String, Sendable, Codable {
    case data, weight, activation, gradient, error, value
}

/// How a view lays out a quantity too large to show whole.
public enum Layout: Sendable {
    /// numpy's summary: edge items and `...`.
    case plain
    /// (H, W, C): one channel at a time, `name[:, :, c]`.
    case imageChannels
    /// (F, h, w, C) filters: one filter's slice for one input channel.
    case filterBank
}

public struct Quantity: Sendable {
    public let name: String
    public let array: ArrayValue
    /// A numpy scalar (shape ()), shown as its shortest repr.
    public let scalar: Bool
    public let formula: Phrase?
    public let role: Role
    public let layout: Layout
    /// The channel an image-shaped quantity shows first (where the step's worked example is).
    public var channel = 0
    /// Shown by the views only under --full (a conv layer's whole dW bank beside the worked filter's);
    /// run.json keeps it either way.
    public var onlyWhenFull = false
    /// The worked element's row and column in the shown (H, W) map: the view shows the window around it.
    public var focus: [Int]? = nil
}

/// A table: column headers come from the words (`KEY.columns`, `|`-separated), rows from the engine.
public struct Table: Sendable {
    public enum Align: Sendable { case left, right }
    public struct Column: Sendable {
        public let id: String
        public let align: Align
        /// A format spec as in the words' placeholders (`.4f`, `.2e`, `d`), applied to numbers.
        public let format: String
        public init(_ id: String, align: Align = .right, format: String = "") { self.id = id; self.align = align; self.format = format }
    }
    public let key: String
    public let columns: [Column]
    public var rows: [[Value]]
    public init(_ key: String, columns: [Column], rows: [[Value]] = []) { self.key = key; self.columns = columns; self.rows = rows }
}

/// Small pictures drawn in the terminal with half blocks; the handout shows the PNGs instead.
public struct TerminalMaps: Sendable {
    public let maps: [[Double]]
    public let width: Int
    public let height: Int
    /// Under each map: a symbol (`.text("dx")`) or the lesson's words (`.phrase`: "label 7").
    public let captions: [Value]
    public let lo: Double
    public let hi: Double
    public let colormap: Colormap
    /// Each map's own scale, when they differ (a digit beside its gradient); else lo, hi and colormap.
    public var scales: [TerminalPicture.Scale]?
    /// Whether a PNG of the step holds every map (else a narrow terminal's note says to widen it).
    public var inPNG = true
    public init(_ maps: [[Double]], width: Int, height: Int, captions: [Value], lo: Double = 0, hi: Double = 1, colormap: Colormap = .gray) {
        self.maps = maps; self.width = width; self.height = height; self.captions = captions
        self.lo = lo; self.hi = hi; self.colormap = colormap
    }
    /// Signed maps (errors, gradients) on one scale symmetric about zero: ±the largest magnitude.
    public static func signed(_ maps: [[Double]], width: Int, height: Int, captions: [Value]) -> TerminalMaps {
        let bound = max(1e-300, maps.joined().map(abs).max() ?? 1)
        var m = TerminalMaps(maps, width: width, height: height, captions: captions, lo: -bound, hi: bound, colormap: .diverging)
        m.scales = Array(repeating: .init(lo: -bound, hi: bound, colormap: .diverging, signed: true), count: maps.count)
        return m
    }
}

/// An epoch's figures as run.json keeps them (name → value), and the row of the training table that
/// shows it: nil for an epoch no table shows (lesson 1 logs every 10th iteration; run.json keeps each).
public struct EpochRow: Sendable {
    public let figures: [String: Double]
    public var cells: [Value]?
    public init(_ figures: [String: Double], cells: [Value]? = nil) { self.figures = figures; self.cells = cells }
}

/// A file the step wrote; for a picture, what it shows and which network state.
public struct WrittenFile: Sendable {
    public let url: URL
    public let shows: Phrase?
    /// A picture's bytes as written, so the handout and the notebook embed what the stream carries
    /// instead of reading the file back.
    public var bytes: Data? = nil
    /// A picture's record: its kind and content, as drawn.
    public var picture: Picture? = nil
}

/// One element worked out as the sum it is: each term a product a·b, perhaps in groups with subtotals
/// (conv2's 250 products, per input channel), plus a bias; `result` is the element as the step's
/// quantity holds it, and the terms sum to it.
public struct WorkedSum: Sendable {
    public struct Term: Sendable, Codable {
        public let a: Double
        public let b: Double
        public let group: Int
        public init(_ a: Double, _ b: Double, group: Int = 0) { self.a = a; self.b = b; self.group = group }
    }
    /// The quantity and the index of the element, e.g. "z" and [12, 7, 3].
    public let name: String
    public let index: [Int]
    /// Words: what the sum is (`z = Σ x·W + b`) and why this element was chosen.
    public let formula: Phrase
    public let why: Phrase
    public let terms: [Term]
    /// What each group is, as a word key (`input-channel`: the words `sum.group.input-channel`), when
    /// the terms come in groups.
    public let groupName: String?
    public let bias: Double?
    /// A factor the sum is multiplied by (lesson 1's 1/m), after the bias if there is one.
    public let scale: Double?
    public let result: Double
    /// The names of each term's two factors as the formula writes them (["x", "δ"]): a long sum's view
    /// says which of them made its zero products 0.
    public let factors: [String]?
    public init(name: String, index: [Int], formula: Phrase, why: Phrase, terms: [Term],
                groupName: String? = nil, bias: Double? = nil, scale: Double? = nil, factors: [String]? = nil, result: Double) {
        self.name = name; self.index = index; self.formula = formula; self.why = why; self.terms = terms
        self.groupName = groupName; self.bias = bias; self.scale = scale; self.factors = factors; self.result = result
    }
}

/// One epoch's health as its one line shows it: per parameter layer, its updates beside its weights
/// and the share of its units dead or saturated (averaged over the epoch's batches).
public struct HealthLine: Sendable {
    public struct Layer: Sendable {
        public let name: String
        /// The geometric mean over the epoch's batches of ‖ΔW‖ / ‖W‖ (root mean squares).
        public let updateRatio: Double
        public let dead: Double?
        public let saturated: Double?
        public init(name: String, updateRatio: Double, dead: Double?, saturated: Double?) {
            self.name = name; self.updateRatio = updateRatio; self.dead = dead; self.saturated = saturated
        }
    }
    /// "epoch" or "iteration", and which: the last of a block, `first` its first when it spans several.
    public let unit: String
    public let index: Int
    public let first: Int?
    public let layers: [Layer]
    public init(unit: String, index: Int, first: Int? = nil, layers: [Layer]) {
        self.unit = unit; self.index = index; self.first = first; self.layers = layers
    }
}

public enum Record: Sendable {
    /// An element of a quantity written out as its sum.
    case sum(WorkedSum)
    case title(String)
    case heading(index: Int, total: Int, title: String, name: String)
    case narrative(String)
    case quantity(Quantity)
    /// A sentence with numbers (e.g. `label y = 7; prediction = 7`).
    case line(Phrase)
    /// One entry of a training log, emitted as it happens; a view may show only some of a long log.
    case logEntry(Phrase)
    /// The terms of one sum and its result, worked through (e.g. the first output of a convolution).
    case worked(Phrase)
    case note(Phrase)
    /// Shown even with --quiet.
    case result(Phrase)
    /// Something going wrong that the reader should act on (a layer's units dying, its updates
    /// exploding): shown in every view, --quiet included.
    case warning(Phrase)
    /// An epoch's health, a few figures per layer (shown as one line, --quiet included).
    case health(HealthLine)
    case table(Table)
    /// One epoch (or iteration) of a training, emitted as it ends: run.json's per-epoch figures, and
    /// perhaps one more row of the last table.
    case epoch(EpochRow)
    case maps(TerminalMaps, caption: Phrase?)
    case wrote(WrittenFile)
    case blank
    /// A question for `--quiz` (only emitted then): asked by the pager, printed on the worksheet; the
    /// terminal view and the handout show nothing of it.
    case question(Question)

    /// The run's frame rather than what a step computes: the title, step headings and narrative, the
    /// files written, and the note that earlier steps ran unseen. `--bare` prints none of them, and a
    /// notebook cell's output holds none of them (its markdown cell and its command say those things).
    public var isFrame: Bool {
        switch self {
        case .title, .heading, .narrative, .wrote, .question: return true
        case .result(let p): return p.key == "runner.skipped"
        default: return false
        }
    }
}
