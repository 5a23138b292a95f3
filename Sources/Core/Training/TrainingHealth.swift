// A network's health while it trains, a few numbers per layer read from the fast path's own buffers
// (Karpathy's checks: how many units are dead or saturated, and how large each update is beside the
// weights it changes, with about 1e-3 as the guide). Reading them changes no computed bit.
import Network
import Numerics

/// One parameter layer (conv or dense) over one mini-batch.
public struct LayerHealth: Sendable, Equatable {
    /// Its activations (after its ReLU, tanh or sigmoid, if one follows): mean and standard deviation over
    /// every value of every image of the batch.
    public var activationMean: Double
    public var activationSpread: Double
    /// The activations were read after the max-pool that follows (the first conv and its pool are one
    /// pass on the fast path and the conv's own map is never stored). Max-pooling keeps every channel's
    /// sign, so whether a unit is dead is the same read either way.
    public var readAfterPool: Bool
    /// Units: a conv layer's filters (channels), a dense layer's outputs.
    public var units: Int
    /// With a ReLU: units whose output is 0 for every image of the batch (the one definition of dead).
    public var dead: Int?
    /// With a sigmoid or tanh: units in a flat tail of their activation for every image of the batch.
    public var saturated: Int?
    /// √(mean of (∂J/∂W)²) of the batch's mean gradient (the summed gradient / the batch size), before clipping.
    public var gradientRMS: Double
    /// √(mean of W²) before the update, and √(mean of ΔW²) of the step taken (decay and clipping included).
    public var weightRMS: Double
    public var updateRMS: Double
    /// Weight-gradient entries clipped, of `weights`; clipped per image (`ClipScope.image`), products
    /// clipped of `weights` × the batch's images (`clippable`).
    public var clipped: Int
    public var weights: Int
    public var clippable: Int

    /// The update beside the weights it changes: about 1e-3 is healthy; above 1e-1 the weights are thrown
    /// about (exploding), below 1e-5 they hardly move (vanishing).
    public var updateRatio: Double { weightRMS > 0 ? updateRMS / weightRMS : (updateRMS > 0 ? .infinity : 0) }
    public var deadShare: Double? { dead.map { Double($0) / Double(max(1, units)) } }
    public var saturatedShare: Double? { saturated.map { Double($0) / Double(max(1, units)) } }
    public var clippedShare: Double { Double(clipped) / Double(max(1, clippable)) }

    public init(activationMean: Double, activationSpread: Double, readAfterPool: Bool, units: Int, dead: Int?, saturated: Int?,
                gradientRMS: Double, weightRMS: Double, updateRMS: Double, clipped: Int, weights: Int, clippable: Int? = nil) {
        self.activationMean = activationMean; self.activationSpread = activationSpread; self.readAfterPool = readAfterPool
        self.units = units; self.dead = dead; self.saturated = saturated; self.gradientRMS = gradientRMS
        self.weightRMS = weightRMS; self.updateRMS = updateRMS; self.clipped = clipped; self.weights = weights
        self.clippable = clippable ?? weights
    }
}

/// Every parameter layer's health over one mini-batch, first layer first.
public struct BatchHealth: Sendable, Equatable {
    public var layers: [LayerHealth]
    public init(layers: [LayerHealth]) { self.layers = layers }
}

/// Where a parameter layer's activations are after a forward pass, and how its units are judged.
struct HealthSource {
    enum Gate { case none, relu, flatTails(ClosedRange<Double>) }
    let param: Int
    /// The plan step whose output holds the activations.
    let step: Int
    /// Values per image in that output, and units (channels: every `units`-th value is the same unit).
    let perImage: Int
    let units: Int
    let gate: Gate
    let readAfterPool: Bool
    /// Dead can be read from this output: false for a pool whose windows leave part of the map out.
    let judgesUnits: Bool

    /// For every parameter layer of `steps`, in order.
    static func sources(_ steps: [PlanStep], firstConvPools: Bool) -> [HealthSource] {
        var out = [HealthSource]()
        for (j, s) in steps.enumerated() {
            let next = j + 1 < steps.count ? steps[j + 1] : nil
            func after(_ param: Int, units: Int, own: PlanStep, ownRelu: Bool, map: (oh: Int, ow: Int)?) -> HealthSource {
                if ownRelu { return HealthSource(param: param, step: j, perImage: own.outSize, units: units, gate: .relu, readAfterPool: false, judgesUnits: true) }
                switch next?.kind {
                case .relu?:
                    return HealthSource(param: param, step: j + 1, perImage: next!.outSize, units: units, gate: .relu, readAfterPool: false, judgesUnits: true)
                case .activation(let g)?:
                    return HealthSource(param: param, step: j + 1, perImage: next!.outSize, units: units,
                                        gate: g.unsaturated.map { .flatTails($0) } ?? .none, readAfterPool: false, judgesUnits: true)
                case .maxPool(let p)? where p.relu || (firstConvPools && j == 0):
                    let covers = map.map { p.oh * p.f == $0.oh && p.ow * p.f == $0.ow } ?? false
                    return HealthSource(param: param, step: j + 1, perImage: next!.outSize, units: units, gate: p.relu ? .relu : .none,
                                        readAfterPool: true, judgesUnits: covers)
                default:
                    return HealthSource(param: param, step: j, perImage: own.outSize, units: units, gate: .none, readAfterPool: false, judgesUnits: true)
                }
            }
            switch s.kind {
            case .conv(let c): out.append(after(c.param, units: c.cout, own: s, ownRelu: c.relu, map: (c.oh, c.ow)))
            case .dense(let param, _, let outputs, let relu): out.append(after(param, units: outputs, own: s, ownRelu: relu, map: nil))
            default: break
            }
        }
        return out
    }
}

/// One shard's share of a batch's activation figures, per parameter layer; added up in shard order.
struct ShardHealth {
    var sum: [Double], squares: [Double], values: [Int]
    /// Per layer and unit: it gave a positive value (ReLU) or one off the flat tails (sigmoid, tanh)
    /// for some image of the shard.
    var active: [[Bool]]

    init(_ sources: [HealthSource]) {
        sum = Array(repeating: 0, count: sources.count); squares = sum; values = Array(repeating: 0, count: sources.count)
        active = sources.map { [Bool](repeating: false, count: $0.units) }
    }

    /// Reads the shard's `n` images' activations from the outputs of the forward pass just run.
    /// This runs on every batch, so it must cost little (`lesson bench` times it): the sums in SIMD lanes
    /// in a fixed order (the same bits on every machine), and a unit's column is read only until a
    /// value shows it live.
    mutating func read<Scalar: BLASScalar>(_ sources: [HealthSource], outputs: [Buffer<Scalar>], count n: Int) {
        for (k, src) in sources.enumerated() {
            let p = outputs[src.step].p, units = src.units, rows = n &* src.perImage / units, total = rows &* units
            let (s, q) = Scalar.self == Float.self
                ? Self.sums(UnsafeRawPointer(p).assumingMemoryBound(to: Float.self), total)
                : Self.sums(UnsafeRawPointer(p).assumingMemoryBound(to: Double.self), total)
            sum[k] = s; squares[k] = q; values[k] = total
            // Each unit not yet seen live: down its column until a live value (most are found in the first
            // rows; a dead unit is read to the end).
            for u in 0..<units where !active[k][u] {
                var r = 0
                switch src.gate {
                case .relu: while r < rows, !(p[r &* units &+ u] > 0) { r &+= 1 }
                case .flatTails(let middle): while r < rows, !middle.contains(Double(p[r &* units &+ u])) { r &+= 1 }
                case .none: r = rows
                }
                if r < rows { active[k][u] = true }
            }
        }
    }

    /// Σ v and Σ v² over `n` values: eight lanes, in chunks of 1,024 values whose lane sums are added
    /// into Doubles (float32 values keep float32 lanes only that long), then the tail one by one.
    static func sums<S: SIMDScalar & BinaryFloatingPoint>(_ p: UnsafePointer<S>, _ n: Int) -> (Double, Double) {
        var s = 0.0, q = 0.0, j = 0
        let raw = UnsafeRawPointer(p)
        while j &+ 8 <= n {
            let end = min(j &+ 1024, n &- (n &- j) % 8)
            var a = SIMD8<S>(), b = SIMD8<S>()
            while j < end {
                let v = raw.loadUnaligned(fromByteOffset: j &* MemoryLayout<S>.stride, as: SIMD8<S>.self)
                a += v; b += v * v
                j &+= 8
            }
            s += Double(a.sum()); q += Double(b.sum())
        }
        while j < n { let v = Double(p[j]); s += v; q += v * v; j &+= 1 }
        return (s, q)
    }

    mutating func add(_ other: ShardHealth) {
        for k in sum.indices {
            sum[k] += other.sum[k]; squares[k] += other.squares[k]; values[k] += other.values[k]
            for u in active[k].indices where other.active[k][u] { active[k][u] = true }
        }
    }
}

/// What the update loop measures per layer: Σ g², Σ W², Σ ΔW² and the entries clipped.
struct UpdateHealth {
    var gradientSquares = 0.0, weightSquares = 0.0, updateSquares = 0.0
    var clipped = 0
}

extension BatchHealth {
    /// `clippedPerImage`: the batch's images when each image's gradient was clipped (so every weight could be clipped once per image).
    static func combine(_ sources: [HealthSource], activations a: ShardHealth, updates: [UpdateHealth], weightCounts: [Int], clippedPerImage: Int?) -> BatchHealth {
        BatchHealth(layers: sources.enumerated().map { k, src in
            let n = Double(max(1, a.values[k])), mean = a.sum[k] / n
            let inactive = a.active[k].filter { !$0 }.count
            let u = updates[src.param], w = Double(max(1, weightCounts[src.param]))
            var dead: Int?, saturated: Int?
            switch src.gate {
            case .relu: dead = src.judgesUnits ? inactive : nil
            case .flatTails: saturated = inactive
            case .none: break
            }
            return LayerHealth(activationMean: mean, activationSpread: (max(0, a.squares[k] / n - mean * mean)).squareRoot(),
                               readAfterPool: src.readAfterPool, units: src.units, dead: dead, saturated: saturated,
                               gradientRMS: (u.gradientSquares / w).squareRoot(), weightRMS: (u.weightSquares / w).squareRoot(),
                               updateRMS: (u.updateSquares / w).squareRoot(), clipped: u.clipped, weights: weightCounts[src.param],
                               clippable: weightCounts[src.param] * (clippedPerImage ?? 1))
        })
    }
}
