// A stack of layers declared by name (any kind in `LayerKinds.all`): forward keeps every layer's
// input and cache, backward walks them in reverse, and the update applies the
// tutorial's clipping and L2 decay. Both the naive and the vectorised layer paths run through here.
import Numerics

/// One line of a network block: the layer's name, its kind, and its own learning rate if it has one.
public struct LayerSpec: Sendable, Equatable {
    public let name: String
    public let kind: any LayerKind
    /// Learning rate for this layer's parameters; nil uses the lesson's.
    public let learningRate: Double?
    public init(name: String, kind: any LayerKind, learningRate: Double? = nil) {
        self.name = name; self.kind = kind; self.learningRate = learningRate
    }

    /// As a network block writes it: `conv f=3 out=10 pad=0 stride=1`.
    public var summary: String { kind.summary }

    public static func == (a: LayerSpec, b: LayerSpec) -> Bool {
        a.name == b.name && a.summary == b.summary && a.learningRate == b.learningRate
    }
}

public struct CNN: Sendable {
    public var layers: [any NetworkLayer]
    public let specs: [LayerSpec]
    /// One image's shape: (H, W, C).
    public let inputShape: [Int]

    /// Output shape (per image) of every layer, or the index and reason of the first that does not fit.
    public static func shapes(of specs: [LayerSpec], input: [Int]) -> Result<[[Int]], ShapeError> {
        var shape = input
        var out = [[Int]]()
        for (i, s) in specs.enumerated() {
            switch s.kind.outputShape(shape) {
            case .success(let next): shape = next
            case .failure(let e): return .failure(ShapeError(layer: i, message: e.message))
            }
            if s.kind is Softmax, i != specs.count - 1 { return .failure(ShapeError(layer: i, message: "softmax must be the last layer")) }
            out.append(shape)
        }
        guard specs.last?.kind is Softmax else {
            return .failure(ShapeError(layer: max(0, specs.count - 1), message: "the network must end in softmax (the loss is cross-entropy)"))
        }
        return .success(out)
    }

    public struct ShapeError: Error, Sendable { public let layer: Int; public let message: String }

    /// He-initialised layers, each reseeding the stream with `seed` as the tutorial does.
    public init(specs: [LayerSpec], inputShape: [Int], seed: UInt32, filterDraw: Conv2D.FilterDraw = .perFilter, rng: inout RandomState) throws {
        let shapes = try CNN.shapes(of: specs, input: inputShape).get()
        var layers = [any NetworkLayer]()
        var shape = inputShape
        for (i, s) in specs.enumerated() {
            layers.append(s.kind.makeLayer(input: shape, seed: seed, filterDraw: filterDraw, rng: &rng))
            shape = shapes[i]
        }
        self.layers = layers
        self.specs = specs
        self.inputShape = inputShape
    }

    /// Every layer's input and output and the caches backward needs. `outputs.last` holds the probabilities.
    public struct ForwardPass: Sendable {
        public var inputs: [Tensor<Double>] = []
        public var outputs: [Tensor<Double>] = []
        /// What each layer's backward pass needs (`Conv2D.Cache`, `MaxPool2D.Cache`, ...).
        public var caches: [any Sendable] = []
        public var probabilities: Tensor<Double> { outputs.last! }
    }

    public func forward(_ x: Tensor<Double>, naive: Bool = false) -> ForwardPass {
        var pass = ForwardPass()
        var a = x  // (N, H, W, C)
        for layer in layers {
            pass.inputs.append(a)
            let r = layer.forward(a, naive: naive)
            a = r.output
            pass.caches.append(r.cache)
            pass.outputs.append(a)
        }
        return pass
    }

    public typealias ParameterGradients = Network.ParameterGradients

    public struct BackwardPass: Sendable {
        /// δ arriving at each layer's output (index = layer), from the loss backwards.
        public var deltaOut: [Tensor<Double>?]
        /// δ leaving each layer towards its input.
        public var deltaIn: [Tensor<Double>?]
        /// Summed over the batch, for layers with parameters.
        public var gradients: [ParameterGradients?]
    }

    /// Backpropagation from the cross-entropy loss summed over the batch. With `perImageClip`, each
    /// image's dense weight gradient is clipped to ±perImageClip before the sum (`ClipScope.image`).
    public func backward(_ pass: ForwardPass, labels: [Int], naive: Bool = false, perImageClip: Double? = nil) -> BackwardPass {
        var result = BackwardPass(deltaOut: Array(repeating: nil, count: layers.count), deltaIn: Array(repeating: nil, count: layers.count),
                                  gradients: Array(repeating: nil, count: layers.count))
        // δ = a - y at the softmax output; the softmax layer passes it through as ∂J/∂z.
        var delta = SoftmaxCrossEntropy.delta(pass.probabilities, labels: labels)
        for i in stride(from: layers.count - 1, through: 0, by: -1) {
            result.deltaOut[i] = delta
            let r = layers[i].backward(delta, cache: pass.caches[i], naive: naive, perImageClip: perImageClip)
            result.gradients[i] = r.gradients
            delta = r.dx
            result.deltaIn[i] = delta
        }
        return result
    }

    /// W ← W·(1 − lr·λ/m) − lr·clip(dW)/m,  b ← b − lr·db/m. Returns how many weight gradients were clipped.
    /// With `ClipScope.image` the gradients arrive already clipped per image (see `backward`) and are used as they are.
    @discardableResult
    public mutating func update(_ grads: [ParameterGradients?], rule: UpdateRule) -> Int {
        var clipped = 0
        let m = Double(rule.batchSize)
        let clipBound = rule.batchClipBound
        for i in layers.indices {
            guard let g = grads[i] else { continue }
            clipped += g.clippedEntries
            let lr = specs[i].learningRate ?? rule.learningRate
            let decay = 1 - lr * rule.lambda / m
            func step(_ w: inout Tensor<Double>, _ b: inout Tensor<Double>) {
                w.storage.withUnsafeMutableBufferPointer { p in
                    g.dW.storage.withUnsafeBufferPointer { d in
                        for k in 0..<p.count {
                            var gk = d[k]
                            if gk > clipBound { gk = clipBound; clipped += 1 } else if gk < -clipBound { gk = -clipBound; clipped += 1 }
                            p[k] = p[k] * decay - lr * gk / m
                        }
                    }
                }
                for k in 0..<b.count { b.storage[k] -= lr * g.db.storage[k] / m }
            }
            let p = layers[i].parameters
            var (w, b) = (p[0], p[1])
            step(&w, &b)
            layers[i].parameters = [w, b]
        }
        return clipped
    }

    /// Σ W² over every weight (not biases): the tutorial's regularisation cost.
    public var sumOfSquaredWeights: Double {
        layers.reduce(0) { s, l in s + (l.parameters.first?.storage.reduce(0) { $0 + $1 * $1 } ?? 0) }
    }

    /// Every parameter tensor in order (weights then bias, layer by layer): what a weights file holds.
    public var parameters: [Tensor<Double>] {
        get { layers.flatMap { $0.parameters } }
        set {
            var k = 0
            for i in layers.indices {
                let count = layers[i].parameters.count
                guard count > 0 else { continue }
                layers[i].parameters = Array(newValue[k..<(k + count)])
                k += count
            }
        }
    }
}

extension CNN {
    /// A network of the given layers holding `parameters` (weights, bias per layer, as `parameters` lists them).
    public init(specs: [LayerSpec], inputShape: [Int], parameters: [Tensor<Double>]) throws {
        var rng = RandomState(seed: 0)
        try self.init(specs: specs, inputShape: inputShape, seed: 0, rng: &rng)
        self.parameters = parameters
    }
}
