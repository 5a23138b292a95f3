// A stack of layers declared by name (conv, relu, maxpool, flatten, dense, softmax): forward keeps
// every layer's input and cache, backward walks them in reverse, and the update applies the
// tutorial's clipping and L2 decay. Both the naive and the vectorised layer paths run through here.
import Numerics

public struct LayerSpec: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case conv(f: Int, out: Int, pad: Int, stride: Int)
        case relu
        case maxpool(f: Int)
        case flatten
        case dense(out: Int)
        case softmax
    }
    public let name: String
    public let kind: Kind
    /// Learning rate for this layer's parameters; nil uses the lesson's.
    public let learningRate: Double?
    public init(name: String, kind: Kind, learningRate: Double? = nil) {
        self.name = name; self.kind = kind; self.learningRate = learningRate
    }

    public var summary: String {
        switch kind {
        case .conv(let f, let out, let pad, let stride): return "conv f=\(f) out=\(out) pad=\(pad) stride=\(stride)"
        case .relu: return "relu"
        case .maxpool(let f): return "maxpool f=\(f)"
        case .flatten: return "flatten"
        case .dense(let out): return "dense out=\(out)"
        case .softmax: return "softmax"
        }
    }
}

public enum Layer: Sendable {
    case conv(Conv2D)
    case relu
    case pool(MaxPool2D)
    case flatten
    case dense(Dense)
    case softmax
}

public struct CNN: Sendable {
    public var layers: [Layer]
    public let specs: [LayerSpec]
    /// One image's shape: (H, W, C).
    public let inputShape: [Int]

    /// Output shape (per image) of every layer, or the index and reason of the first that does not fit.
    public static func shapes(of specs: [LayerSpec], input: [Int]) -> Result<[[Int]], ShapeError> {
        var shape = input
        var out = [[Int]]()
        for (i, s) in specs.enumerated() {
            switch s.kind {
            case .conv(let f, let c, let pad, let stride):
                guard shape.count == 3 else { return .failure(ShapeError(layer: i, message: "conv needs an image input (H, W, C), got \(shape)")) }
                // Checked: a lesson file can ask for any numbers, and they must fail here, not trap.
                guard let h = (CheckedInt(shape[0]) + CheckedInt(pad) * CheckedInt(2)).value,
                      let w = (CheckedInt(shape[1]) + CheckedInt(pad) * CheckedInt(2)).value else {
                    return .failure(ShapeError(layer: i, message: "padding \(pad) is too large"))
                }
                guard f > 0, stride > 0, pad >= 0, h >= f, w >= f else {
                    return .failure(ShapeError(layer: i, message: "a \(f)×\(f) kernel with padding \(pad) does not fit its \(shape[0])×\(shape[1]) input"))
                }
                shape = [(h - f) / stride + 1, (w - f) / stride + 1, c]
            case .maxpool(let f):
                guard shape.count == 3 else { return .failure(ShapeError(layer: i, message: "maxpool needs an image input (H, W, C), got \(shape)")) }
                guard f > 0, shape[0] >= f, shape[1] >= f else {
                    return .failure(ShapeError(layer: i, message: "a \(f)×\(f) pooling window does not fit its \(shape[0])×\(shape[1]) input"))
                }
                shape = [shape[0] / f, shape[1] / f, shape[2]]
            case .flatten:
                guard let n = CheckedInt.product(shape).value else {
                    return .failure(ShapeError(layer: i, message: "its \(shape) input has more values than a number can count"))
                }
                shape = [n]
            case .dense(let o):
                guard shape.count == 1 else { return .failure(ShapeError(layer: i, message: "dense needs a flat input, got \(shape); add a flatten layer before it")) }
                shape = [o]
            case .relu: break
            case .softmax:
                guard shape.count == 1 else { return .failure(ShapeError(layer: i, message: "softmax needs a flat input, got \(shape)")) }
                guard i == specs.count - 1 else { return .failure(ShapeError(layer: i, message: "softmax must be the last layer")) }
            }
            out.append(shape)
        }
        guard case .softmax = specs.last?.kind else {
            return .failure(ShapeError(layer: max(0, specs.count - 1), message: "the network must end in softmax (the loss is cross-entropy)"))
        }
        return .success(out)
    }

    public struct ShapeError: Error, Sendable { public let layer: Int; public let message: String }

    /// He-initialised layers, each reseeding the stream with `seed` as the tutorial does.
    public init(specs: [LayerSpec], inputShape: [Int], seed: UInt32, filterDraw: Conv2D.FilterDraw = .perFilter, rng: inout RandomState) throws {
        let shapes = try CNN.shapes(of: specs, input: inputShape).get()
        var layers = [Layer]()
        var shape = inputShape
        for (i, s) in specs.enumerated() {
            switch s.kind {
            case .conv(let f, let c, let pad, let stride):
                layers.append(.conv(Conv2D(f: f, inChannels: shape[2], outChannels: c, pad: pad, stride: stride, seed: seed, draw: filterDraw, rng: &rng)))
            case .relu: layers.append(.relu)
            case .maxpool(let f): layers.append(.pool(MaxPool2D(f: f)))
            case .flatten: layers.append(.flatten)
            case .dense(let o): layers.append(.dense(Dense(inputs: shape[0], outputs: o, seed: seed, rng: &rng)))
            case .softmax: layers.append(.softmax)
            }
            shape = shapes[i]
        }
        self.layers = layers
        self.specs = specs
        self.inputShape = inputShape
    }

    public enum Cache: Sendable {
        case conv(Conv2D.Cache), relu(z: Tensor<Double>), pool(MaxPool2D.Cache), flatten(shape: [Int]), dense(Dense.Cache), softmax
    }

    /// Every layer's input and output and the caches backward needs. `outputs.last` holds the probabilities.
    public struct ForwardPass: Sendable {
        public var inputs: [Tensor<Double>] = []
        public var outputs: [Tensor<Double>] = []
        public var caches: [Cache] = []
        public var probabilities: Tensor<Double> { outputs.last! }
    }

    public func forward(_ x: Tensor<Double>, naive: Bool = false) -> ForwardPass {
        var pass = ForwardPass()
        var a = x  // (N, H, W, C)
        for layer in layers {
            pass.inputs.append(a)
            switch layer {
            case .conv(let c):
                let r = naive ? c.forwardNaive(a) : c.forward(a)
                a = r.z; pass.caches.append(.conv(r.cache))
            case .relu:
                pass.caches.append(.relu(z: a))
                a = a.map { $0 > 0 ? $0 : 0 }
            case .pool(let p):
                let r = p.forward(a)
                a = naive ? p.forwardNaive(pass.inputs.last!) : r.out
                pass.caches.append(.pool(r.cache))
            case .flatten:
                pass.caches.append(.flatten(shape: a.shape))
                a = a.reshaped(a.shape[0], a.count / a.shape[0])
            case .dense(let d):
                let r = d.forward(a)
                a = naive ? d.forwardNaive(a) : r.z
                pass.caches.append(.dense(r.cache))
            case .softmax:
                pass.caches.append(.softmax)
                a = SoftmaxCrossEntropy.softmax(a)
            }
            pass.outputs.append(a)
        }
        return pass
    }

    public struct ParameterGradients: Sendable {
        public let dW: Tensor<Double>
        public let db: Tensor<Double>
        /// Entries clipped while dW was summed (only when each image's gradient is clipped, `ClipScope.image`).
        public var clippedEntries = 0
        public init(dW: Tensor<Double>, db: Tensor<Double>, clippedEntries: Int = 0) {
            self.dW = dW; self.db = db; self.clippedEntries = clippedEntries
        }
    }

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
            switch (layers[i], pass.caches[i]) {
            case (.softmax, _): break
            case (.dense(let d), .dense(let cache)):
                let g = naive ? d.backwardNaive(delta, cache: cache) : d.backward(delta, cache: cache)
                if let clip = perImageClip {
                    let c = Dense.perImageClippedWeightGradient(delta, cache: cache, clip: clip)
                    result.gradients[i] = ParameterGradients(dW: c.dW, db: g.db, clippedEntries: c.clipped)
                } else {
                    result.gradients[i] = ParameterGradients(dW: g.dW, db: g.db)
                }
                delta = g.dx
            case (.relu, .relu(let z)):
                // δ_z = δ_a ⊙ (z > 0)
                delta = delta.zipMap(z) { d, zz in zz > 0 ? d : 0 }
            case (.flatten, .flatten(let shape)):
                delta = delta.reshaped(shape)
            case (.pool(let p), .pool(let cache)):
                delta = p.backward(delta, cache: cache)
            case (.conv(let c), .conv(let cache)):
                let g = naive ? c.backwardNaive(delta, cache: cache) : c.backward(delta, cache: cache)
                result.gradients[i] = ParameterGradients(dW: g.dW, db: g.db)
                delta = g.dx
            default: preconditionFailure("layer \(i) and its cache disagree")
            }
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
            switch layers[i] {
            case .conv(var c): step(&c.weights, &c.bias); layers[i] = .conv(c)
            case .dense(var d): step(&d.weights, &d.bias); layers[i] = .dense(d)
            default: break
            }
        }
        return clipped
    }

    /// Σ W² over every weight (not biases): the tutorial's regularisation cost.
    public var sumOfSquaredWeights: Double {
        layers.reduce(0) { s, l in
            switch l {
            case .conv(let c): return s + c.weights.storage.reduce(0) { $0 + $1 * $1 }
            case .dense(let d): return s + d.weights.storage.reduce(0) { $0 + $1 * $1 }
            default: return s
            }
        }
    }

    /// Every parameter tensor in order (weights then bias, layer by layer): what a weights file holds.
    public var parameters: [Tensor<Double>] {
        get {
            layers.flatMap { l -> [Tensor<Double>] in
                switch l {
                case .conv(let c): return [c.weights, c.bias]
                case .dense(let d): return [d.weights, d.bias]
                default: return []
                }
            }
        }
        set {
            var k = 0
            for i in layers.indices {
                switch layers[i] {
                case .conv(var c): c.weights = newValue[k]; c.bias = newValue[k + 1]; k += 2; layers[i] = .conv(c)
                case .dense(var d): d.weights = newValue[k]; d.bias = newValue[k + 1]; k += 2; layers[i] = .dense(d)
                default: break
                }
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
