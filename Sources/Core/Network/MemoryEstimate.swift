// How much memory a network will take before anything is allocated: parameters, the training
// path's buffers for a batch, and one image's step-through, worked out with overflow-checked
// arithmetic so that a huge layer in a lesson file is refused with a number, not a trap.

/// Whole numbers that turn into nil instead of trapping when they overflow.
public struct CheckedInt: Sendable, Equatable {
    public let value: Int?
    public init(_ v: Int?) { value = v }
    public static func + (a: CheckedInt, b: CheckedInt) -> CheckedInt {
        guard let x = a.value, let y = b.value else { return CheckedInt(nil) }
        let r = x.addingReportingOverflow(y)
        return CheckedInt(r.overflow ? nil : r.partialValue)
    }
    public static func * (a: CheckedInt, b: CheckedInt) -> CheckedInt {
        guard let x = a.value, let y = b.value else { return CheckedInt(nil) }
        let r = x.multipliedReportingOverflow(by: y)
        return CheckedInt(r.overflow ? nil : r.partialValue)
    }
    public static func product(_ values: [Int]) -> CheckedInt { values.reduce(CheckedInt(1)) { $0 * CheckedInt($1) } }
}

public struct MemoryEstimate: Sendable {
    /// Bytes in all, or nil when the count itself does not fit in 64 bits.
    public let bytes: Int?
    /// The layer that contributes the most (parameters and activations), by index into the specs.
    public let largestLayer: Int
    /// The parts, each nil on overflow: the readable network's float64 copies (the initial network, the
    /// trained one and its weights file's bytes), the training path's buffers (TrainingPlan: weights,
    /// their transposed copies, each shard's gradients and activations), and what any run holds (the
    /// program itself and the images it keeps).
    public let readableBytes: Int?, trainingBytes: Int?, fixedBytes: Int

    /// The program's own resident memory before any network: its code, the Swift runtime, OpenBLAS and
    /// the font (measured: a run of a 100-unit network peaks at 84 MB, 55 MB of it the images).
    public static let programBytes = 30_000_000

    /// `specs` with per-image `shapes` (CNN.shapes), trained `batch` images at a time in a scalar of
    /// `scalarBytes` over `shards` shards, keeping `keptBytes` of images; reading them took `loadingBytes`
    /// more for a moment (the whole files, before the images used are cut out), before the network exists.
    public init(specs: [LayerSpec], input: [Int], shapes: [[Int]], batch: Int, shards: Int, scalarBytes: Int,
                keptBytes: Int, loadingBytes: Int = 0) {
        var parameters = CheckedInt(0), transposedCopies = CheckedInt(0)
        var largest = 0, largestSize = CheckedInt(0)
        // Per image, in the training scalar, what TrainingPlan's ShardWorkspace allocates (the two must
        // agree: MemoryEstimateTests checks them on several networks): the input, each step's output (a
        // ReLU right after a conv or dense is fused into it and stores nothing; so is one between a conv
        // and its max-pool; a first conv pooled in the same pass stores nothing), im2col's patches, and
        // two error buffers the size of the largest step. Max-pools also keep an Int32 index per output.
        let inputSize = CheckedInt.product(input)
        var perImage = inputSize, perImageIndexes = CheckedInt(0), largestStep = inputSize
        // Per shard, whatever its images: a direct conv's filter gradients in the kernel's layout and, past
        // 16 input channels, δ · W for 8 images at a time; the pooled first conv's patches of one image.
        let imagesPerShard = (batch + max(1, shards) - 1) / max(1, shards)
        var perShardValues = CheckedInt(0)
        var previous = input
        var i = 0
        while i < specs.count {
            let kind = specs[i].kind
            let out = CheckedInt.product(shapes[i])
            let params = kind.parameterCount(input: previous)
            parameters = parameters + params
            var stored = out, workspace = CheckedInt(0)
            // A ReLU right after a conv or dense is part of its step (or of the max-pool after the conv).
            let fusedReLU = (kind is ConvKind || kind is DenseKind) && i + 1 < specs.count && specs[i + 1].kind is ReLU
            if let c = kind as? ConvKind {
                let cin = previous.count == 3 ? previous[2] : 1
                let first = i == 0 && cin == 1 && c.out <= 16, direct = !first && c.pad == 0 && c.stride == 1 && c.out <= 16
                // The first conv and a 2×2 max-pool after it are one pass: the conv's output is never stored.
                let poolAt = fusedReLU ? i + 2 : i + 1
                if first && c.pad == 0 && c.stride == 1 && c.f * c.f <= 16, poolAt < specs.count,
                   let p = specs[poolAt].kind as? MaxPool2D, p.f == 2 {
                    stored = CheckedInt(0)
                    perShardValues = perShardValues + CheckedInt.product([shapes[i][0], shapes[i][1], 16])
                }
                let patches = CheckedInt.product([shapes[i][0], shapes[i][1], c.f, c.f, cin])
                if !first && !direct { workspace = patches }
                if direct {
                    let ownBackward = cin <= 16 && previous.count == 3 && previous[1] <= 64
                    transposedCopies = transposedCopies + CheckedInt.product([c.f, c.f, cin, 16])
                        + (ownBackward ? CheckedInt.product([c.f, c.f, c.out, 16]) : CheckedInt(0))
                    perShardValues = perShardValues + CheckedInt.product([c.f, c.f, cin, 16])
                        + (ownBackward ? CheckedInt(0) : patches * CheckedInt(min(imagesPerShard, 8)))
                }
            } else if kind is DenseKind {
                transposedCopies = transposedCopies + params
            } else if kind is Flatten {
                stored = CheckedInt(0)
            }
            if kind is MaxPool2D { perImageIndexes = perImageIndexes + out }
            perImage = perImage + stored + workspace
            if let o = out.value, let l = largestStep.value { largestStep = CheckedInt(max(o, l)) } else { largestStep = CheckedInt(nil) }
            let size = params + stored + workspace
            if size.value == nil || (largestSize.value.map { size.value! > $0 } ?? false) { largest = i; largestSize = size }
            previous = shapes[fusedReLU ? i + 1 : i]
            i += fusedReLU ? 2 : 1
        }
        // Each shard has room for ceil(batch / shards) images: the per-image buffers, that many times over.
        let perShard = CheckedInt(imagesPerShard) * CheckedInt(max(1, shards))
        let scalar = CheckedInt(scalarBytes)
        let activations = (perImage + largestStep * CheckedInt(2)) * perShard * scalar + perImageIndexes * perShard * CheckedInt(4)
            + perShardValues * CheckedInt(max(1, shards)) * scalar
        let weights = (parameters * CheckedInt(1 + max(1, shards)) + transposedCopies) * scalar
        let readable = parameters * CheckedInt(3 * 8)
        readableBytes = readable.value
        trainingBytes = (weights + activations).value
        fixedBytes = Self.programBytes + keptBytes
        // The peak is the larger of loading and training, not their sum: the whole files are let go first.
        let network = readable + weights + activations
        bytes = (CheckedInt(fixedBytes) + CheckedInt(network.value.map { max($0, loadingBytes) })).value
        largestLayer = largest
    }
}
