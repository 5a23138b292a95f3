// What a trained network responds to, worked out with the readable layers (float64): each conv
// filter's favourite input patches over a set of images, and for one image the class scores' gradients
// with respect to its pixels and the probabilities as a gray square hides each part of it.
import Numerics

extension CNN {
    /// The input pixels that position (row, column) of layer `layer`'s output depends on (rows and columns,
    /// possibly past the image's edges where a conv pads); nil once a flatten or dense layer has mixed
    /// every pixel. Walked back from the layer: a conv's window is f wide at stride s after padding p, a
    /// pool's window f wide at stride f; elementwise layers keep the place.
    public func receptiveField(layer: Int, row: Int, column: Int) -> (rows: ClosedRange<Int>, columns: ClosedRange<Int>)? {
        var r = row...row, c = column...column
        for i in stride(from: layer, through: 0, by: -1) {
            switch specs[i].kind {
            case let k as ConvKind:
                r = (r.lowerBound * k.stride - k.pad)...(r.upperBound * k.stride - k.pad + k.f - 1)
                c = (c.lowerBound * k.stride - k.pad)...(c.upperBound * k.stride - k.pad + k.f - 1)
            case let k as any PoolingKind:
                r = (r.lowerBound * k.f)...(r.upperBound * k.f + k.f - 1)
                c = (c.lowerBound * k.f)...(c.upperBound * k.f + k.f - 1)
            case is DenseKind, is Flatten, is Softmax: return nil
            default: break  // ReLU, sigmoid, tanh: the same place
            }
        }
        return (r, c)
    }

    /// Layers 0 through `last` on the batch x: their outputs (the rest are not run).
    public func outputs(_ x: Tensor<Double>, through last: Int, naive: Bool = false) -> [Tensor<Double>] {
        var a = x, out = [Tensor<Double>]()
        for layer in layers.prefix(last + 1) {
            a = layer.forward(a, naive: naive).output
            out.append(a)
        }
        return out
    }

    /// The layer whose outputs are the class scores: the one the softmax turns into probabilities.
    public var scoresLayer: Int { layers.count - 2 }

    /// One image (1, H, W, C): its class scores, their softmax, and ∂(score k)/∂x for each k in `classes`,
    /// the score's gradient carried back through every layer to the pixels (the backward pass of the
    /// loss, started from a one-hot at the scores instead of a − y).
    public func scoreGradients(_ x: Tensor<Double>, classes: [Int]) -> (scores: [Double], probabilities: [Double], gradients: [Tensor<Double>]) {
        let pass = forward(x)
        let s = scoresLayer
        let gradients = classes.map { k -> Tensor<Double> in
            // δ at the scores: ∂(score k)/∂(score j) = 1 if j = k, else 0
            var delta = Tensor<Double>(shape: pass.outputs[s].shape)
            delta.storage[k] = 1
            for i in stride(from: s, through: 0, by: -1) {
                delta = layers[i].backward(delta, cache: pass.caches[i], naive: false, perImageClip: nil).dx
            }
            return delta
        }
        return (pass.outputs[s].storage, pass.probabilities.storage, gradients)
    }

    /// Occlusion: the probabilities (one row of classes per place) with a `size` × `size` square of
    /// `value` pasted over one image (1, H, W, 1) at every place it fits, row by row (its top-left corner
    /// at (r, c), r and c from 0 to H − size and W − size), in batches of `batch`.
    public func occluded(_ x: Tensor<Double>, size: Int, value: Double, batch: Int = 128) -> (places: [(row: Int, column: Int)], probabilities: [[Double]]) {
        let (h, w) = (x.shape[1], x.shape[2])
        let places = (0...max(0, h - size)).flatMap { r in (0...max(0, w - size)).map { (row: r, column: $0) } }
        var probabilities = [[Double]]()
        for start in stride(from: 0, to: places.count, by: batch) {
            let these = places[start..<min(places.count, start + batch)]
            var storage = [Double]()
            storage.reserveCapacity(these.count * h * w)
            for p in these {
                var image = Array(x.storage.prefix(h * w))
                for r in p.row..<min(h, p.row + size) { for c in p.column..<min(w, p.column + size) { image[r * w + c] = value } }
                storage += image
            }
            let out = forward(Tensor(shape: [these.count, h, w, 1], storage: storage)).probabilities
            let classes = out.shape[1]
            for i in 0..<these.count { probabilities.append(Array(out.storage[(i * classes)..<((i + 1) * classes)])) }
        }
        return (places, probabilities)
    }
}

/// One of a filter's favourite patches: where it is and how strongly the filter responds there.
public struct FavouritePatch: Sendable, Equatable {
    public let image: Int
    /// The place in the layer's output, and the patch's pixels (rows × columns of the receptive field,
    /// 0 where the field passes the image's edge).
    public let row: Int, column: Int
    public let activation: Double
    public let pixels: [UInt8]
}

public enum FavouritePatches {
    /// For each filter of conv layer `layer`, the `count` patches of `images` it responds to most (its
    /// output before any activation), each patch once however many times it occurs: identical pixels
    /// give the same response, so the first place (image, then row, then column) stands for them all.
    /// Ties go to the earlier place. The layers run in batches of `batch` images.
    public static func find(_ net: CNN, layer: Int, images: ImageSet, count: Int = 9, batch: Int = 250, naive: Bool = false) -> [[FavouritePatch]] {
        find(net, layers: [layer], images: images, count: count, batch: batch, naive: naive)[layer] ?? []
    }

    /// The same for several conv layers at once, from one forward pass through the deepest.
    public static func find(_ net: CNN, layers: [Int], images: ImageSet, count: Int = 9, batch: Int = 250, naive: Bool = false) -> [Int: [[FavouritePatch]]] {
        let layers = layers.filter { net.receptiveField(layer: $0, row: 0, column: 0) != nil }
        guard let deepest = layers.max() else { return [:] }
        var best = [Int: [[FavouritePatch]]]()
        for start in stride(from: 0, to: images.labels.count, by: batch) {
            let indices = Array(start..<min(images.labels.count, start + batch))
            let outputs = net.outputs(images.batch(indices[...]), through: deepest, naive: naive)
            for layer in layers {
                var these = best[layer] ?? []
                collect(net, layer: layer, outputs[layer], images: images, indices: indices, count: count, into: &these)
                best[layer] = these
            }
        }
        return best
    }

    /// One batch's places of one layer into each filter's list.
    static func collect(_ net: CNN, layer: Int, _ out: Tensor<Double>, images: ImageSet, indices: [Int], count: Int, into best: inout [[FavouritePatch]]) {
        let field = net.receptiveField(layer: layer, row: 0, column: 0)!
        let (fh, fw) = (field.rows.count, field.columns.count)
        let (h, w) = (images.height, images.width)
        let (oh, ow, filters) = (out.shape[1], out.shape[2], out.shape[3])
        if best.isEmpty { best = Array(repeating: [], count: filters) }
        out.storage.withUnsafeBufferPointer { a in
            images.pixels.withUnsafeBufferPointer { px in
                for (n, image) in indices.enumerated() {
                    for i in 0..<oh {
                        for j in 0..<ow {
                            for k in 0..<filters {
                                let v = a[((n * oh + i) * ow + j) * filters + k]
                                if best[k].count == count, !(v > best[k][count - 1].activation) { continue }
                                // The patch under this place, bytes (0 past the image's edge).
                                let here = net.receptiveField(layer: layer, row: i, column: j)!
                                let (r0, c0) = (here.rows.lowerBound, here.columns.lowerBound)
                                var patch = [UInt8](repeating: 0, count: fh * fw)
                                for y in 0..<fh where (0..<h).contains(r0 + y) {
                                    for x in 0..<fw where (0..<w).contains(c0 + x) { patch[y * fw + x] = px[image * h * w + (r0 + y) * w + c0 + x] }
                                }
                                if best[k].contains(where: { $0.pixels == patch }) { continue }
                                let p = FavouritePatch(image: image, row: i, column: j, activation: v, pixels: patch)
                                let at = best[k].firstIndex { v > $0.activation } ?? best[k].count
                                best[k].insert(p, at: at)
                                if best[k].count > count { best[k].removeLast() }
                            }
                        }
                    }
                }
            }
        }
    }
}
