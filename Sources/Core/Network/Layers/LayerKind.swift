// What a kind of layer provides, in one description: the word and keys a network block writes, its
// shape rule, its parameters, and its readable forward and backward. Each kind lives in one file of
// this folder and is listed once in `LayerKinds.all`; the network, the lesson parser, the memory
// estimate and the training plan all reach it through these two protocols.
import Numerics

/// A key a layer line takes (`f=3`): its name, its default (nil: the line must give it) and its least value.
public struct LayerKey: Sendable {
    public let name: String
    public let defaultValue: Int?
    public let least: Int
    public init(_ name: String, default defaultValue: Int? = nil, least: Int = 0) {
        self.name = name; self.defaultValue = defaultValue; self.least = least
    }
}

/// A kind of layer as a network block declares it, before it has parameters.
public protocol LayerKind: Sendable {
    /// The word a network block uses: `conv`, `avgpool`.
    static var keyword: String { get }
    /// The keys it takes, in the order its summary writes them.
    static var keys: [LayerKey] { get }
    /// The kind from its keys' values, in `keys` order, each at least its `least`.
    init(values: [Int])
    /// Its keys' values, in `keys` order.
    var values: [Int] { get }
    /// Shape rule: the output shape per image for an input of `input`, or why the input does not fit.
    func outputShape(_ input: [Int]) -> Result<[Int], ShapeMismatch>
    /// A layer of this kind for inputs of `input`, its parameters drawn as the tutorial draws them.
    func makeLayer(input: [Int], seed: UInt32, filterDraw: Conv2D.FilterDraw, rng: inout RandomState) -> any NetworkLayer
    /// How many parameters it holds for an input of `input` (for the memory estimate).
    func parameterCount(input: [Int]) -> CheckedInt
    /// Values per image its fast path keeps beside its output (im2col's patches), for the memory estimate.
    func workspacePerImage(input: [Int], output: [Int]) -> CheckedInt
}

/// Why an input does not fit a layer: said after the layer's name in an error.
public struct ShapeMismatch: Error, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
}

extension LayerKind {
    public static var keys: [LayerKey] { [] }
    public var values: [Int] { [] }
    public func parameterCount(input: [Int]) -> CheckedInt { CheckedInt(0) }
    public func workspacePerImage(input: [Int], output: [Int]) -> CheckedInt { CheckedInt(0) }
    /// As a network block writes it: `conv f=3 out=10 pad=0 stride=1`.
    public var summary: String {
        ([Self.keyword] + zip(Self.keys, values).map { "\($0.name)=\($1)" }).joined(separator: " ")
    }
}

/// A layer with its parameters: what the readable network runs, image batches in NHWC.
public protocol NetworkLayer: Sendable {
    /// The layer's output for a batch and what its backward pass needs; `naive` runs the plain loops
    /// the step-through shows (the output is the same, the tests prove it).
    func forward(_ x: Tensor<Double>, naive: Bool) -> (output: Tensor<Double>, cache: any Sendable)
    /// From the error at the output, the error at the input and, for a layer with parameters, their
    /// gradients summed over the batch. `perImageClip` clips each image's dense weight gradient (`ClipScope.image`).
    func backward(_ delta: Tensor<Double>, cache: any Sendable, naive: Bool, perImageClip: Double?) -> LayerBackward
    /// Weights then bias; empty for a layer without parameters.
    var parameters: [Tensor<Double>] { get set }
}

extension NetworkLayer {
    public var parameters: [Tensor<Double>] {
        get { [] }
        set { precondition(newValue.isEmpty, "this layer has no parameters") }
    }
}

/// A pooling kind: f × f windows at stride f over each channel (max-pooling, average pooling). The
/// step-through's pooling steps and worked path take any of them.
public protocol PoolingKind: LayerKind, NetworkLayer {
    var f: Int { get }
}

extension PoolingKind {
    /// Whole windows only: a remainder row or column is dropped.
    public func outputSize(_ h: Int, _ w: Int) -> (Int, Int) { (h / f, w / f) }
}

/// What a layer's backward pass hands back.
public struct LayerBackward: Sendable {
    /// δ for the layer below: ∂J/∂(this layer's input).
    public let dx: Tensor<Double>
    public let gradients: ParameterGradients?
    public init(dx: Tensor<Double>, gradients: ParameterGradients? = nil) { self.dx = dx; self.gradients = gradients }
}

/// A parameter layer's gradients, summed over the batch.
public struct ParameterGradients: Sendable {
    public let dW: Tensor<Double>
    public let db: Tensor<Double>
    /// Entries clipped while dW was summed (only when each image's gradient is clipped, `ClipScope.image`).
    public var clippedEntries = 0
    public init(dW: Tensor<Double>, db: Tensor<Double>, clippedEntries: Int = 0) {
        self.dW = dW; self.db = db; self.clippedEntries = clippedEntries
    }
}

/// Every kind a network block may name, in the order error messages list them.
public enum LayerKinds {
    public static let all: [any LayerKind.Type] = [
        ConvKind.self, ReLU.self, Tanh.self, Sigmoid.self, MaxPool2D.self, AvgPool2D.self, Flatten.self, DenseKind.self, Softmax.self,
    ]

    public static func named(_ keyword: String) -> (any LayerKind.Type)? { all.first { $0.keyword == keyword } }

    /// "conv, relu, ... or softmax", for an error about an unknown kind.
    public static var list: String {
        let words = all.map { $0.keyword }
        return words.dropLast().joined(separator: ", ") + " or " + words.last!
    }
}

/// An image input (H, W, C), or why `kind` needs one.
func imageInput(_ input: [Int], _ keyword: String) -> Result<(h: Int, w: Int, c: Int), ShapeMismatch> {
    input.count == 3 ? .success((input[0], input[1], input[2]))
        : .failure(ShapeMismatch("\(keyword) needs an image input (H, W, C), got \(input)"))
}
