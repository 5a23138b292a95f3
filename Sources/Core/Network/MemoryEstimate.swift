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

    /// `specs` with per-image `shapes` (CNN.shapes), trained `batch` images at a time in a scalar of
    /// `scalarBytes` over `shards` shards, holding `imageBytes` of data.
    public init(specs: [LayerSpec], input: [Int], shapes: [[Int]], batch: Int, shards: Int, scalarBytes: Int, imageBytes: Int) {
        var parameters = CheckedInt(0), perImage = CheckedInt.product(input)
        var largest = 0, largestSize = CheckedInt(0)
        var previous = input
        for (i, s) in specs.enumerated() {
            let out = CheckedInt.product(shapes[i])
            let params = s.kind.parameterCount(input: previous)
            let activations = out + s.kind.workspacePerImage(input: previous, output: shapes[i])
            parameters = parameters + params
            perImage = perImage + activations + out  // the output and its δ
            let size = params + activations
            if size.value == nil || (largestSize.value.map { size.value! > $0 } ?? false) { largest = i; largestSize = size }
            previous = shapes[i]
        }
        let capacity = CheckedInt(batch)
        // Readable network: initial, trained and loaded copies in float64; training path: weights and
        // each shard's gradients in its scalar; each shard's activations for its share of the batch.
        let readable = parameters * CheckedInt(3 * 8)
        let training = parameters * CheckedInt(1 + shards) * CheckedInt(scalarBytes)
        let activations = perImage * capacity * CheckedInt(scalarBytes)
        let stepThrough = perImage * CheckedInt(8 * 4)
        bytes = (readable + training + activations + stepThrough + CheckedInt(imageBytes)).value
        largestLayer = largest
    }
}
