// maxpool_forward and maxpool_backward as exercises: windows of f × f stepping f at a time, a remainder
// row or column dropped, the error of each window sent to its first maximum in row-major order (the
// network's MaxPool2D, which the training path is proven equal to). The wrong versions are the other
// ways of routing the error, which only differ where a window's maximum is tied (ReLU's zeros).
import Network
import Numerics

enum PoolExercises {
    static func pool(_ a: ExerciseArrays) -> MaxPool2D { MaxPool2D(f: Int(a["f"]!.storage[0])) }

    /// dx when each window's error goes where `route` says: given the window's values (row-major),
    /// the share of the error each position gets.
    static func routed(_ a: ExerciseArrays, _ route: ([Double]) -> [Double]) -> Tensor<Double> {
        let (x, d) = (a["x"]!, a["delta"]!)
        let f = Int(a["f"]!.storage[0])
        let (c, oh, ow) = (x.shape[2], d.shape[0], d.shape[1])
        var dx = Tensor<Double>(shape: x.shape)
        for i in 0..<oh { for j in 0..<ow { for ch in 0..<c {
            var window = [Double]()
            for p in 0..<f { for q in 0..<f { window.append(x.at(i * f + p, j * f + q, ch)) } }
            for (n, share) in route(window).enumerated() where share != 0 {
                let o = flatOffset([i * f + n / f, j * f + n % f, ch], x.shape)
                dx.storage[o] += share * d.at(i, j, ch)
            }
        } } }
        return dx
    }

    static let forward = ExerciseFunction(
        name: "maxpool_forward",
        parameters: [.init("x", "(H, W, C): the layer's input"),
                     .init("f", integer: true, "the window's size and step (an int)")],
        outputs: [.init("a", "(H // f, W // f, C): each f×f window's largest value, channel by channel")],
        summary: "Max pooling's forward pass: windows of f × f stepping f at a time; a remainder row or column is dropped.",
        formulas: ["a[i, j, c] = max_(p,q < f) x[i·f + p, j·f + q, c]"],
        reference: { a in ["a": ConvExercises.single(pool(a).forward(ConvExercises.batch(a["x"]!)).out)] },
        mistakes: { a, right in
            let x = a["x"]!, f = Int(a["f"]!.storage[0]), out = right["a"]!
            let mean = Tensor<Double>(shape: out.shape) { o in
                let idx = multiIndex(o, out.shape)
                var s = 0.0
                for p in 0..<f { for q in 0..<f { s += x.at(idx[0] * f + p, idx[1] * f + q, idx[2]) } }
                return s / Double(f * f)
            }
            return [Mistake("average pooling", "you averaged each window (average pooling); max pooling keeps each window's largest value.", ["a": mean])]
        },
        factors: { _ in [] },
        hidden: { rng in
            // Odd sizes, so a remainder is dropped; a 3×3 window in the second set.
            [["x": draw(&rng, [7, 6, 3]), "f": integer(2)], ["x": draw(&rng, [9, 10, 2]), "f": integer(3)]]
        },
        worked: { _, index, a in
            let x = a["x"]!, f = Int(a["f"]!.storage[0])
            let (i, j, c) = (index[0], index[1], index[2])
            var values = [Double]()
            for p in 0..<f { for q in 0..<f { values.append(x.at(i * f + p, j * f + q, c)) } }
            var s = ElementSum(formula: "a\(indexText(index)) = max of x[\(i * f):\(i * f + f), \(j * f):\(j * f + f), \(c)]", value: values.max()!)
            s.because = "the window holds " + values.map { shortValue($0) }.joined(separator: ", ")
            return s
        })

    static let backward = ExerciseFunction(
        name: "maxpool_backward",
        parameters: [.init("x", "(H, W, C): the layer's input, as in the forward pass"),
                     .init("f", integer: true, "the window's size and step (an int)"),
                     .init("delta", "(H // f, W // f, C): the error at the pooled output")],
        outputs: [.init("dx", "(H, W, C): each window's error at its maximum, 0 everywhere else")],
        summary: "Max pooling's backward pass: each window's error goes to the input that won the window.",
        formulas: ["dx[i·f + p, j·f + q, c] = δ[i, j, c] at the window's first maximum (row by row), else 0"],
        reference: { a in
            let p = pool(a)
            return ["dx": ConvExercises.single(p.backward(ConvExercises.batch(a["delta"]!), cache: p.forward(ConvExercises.batch(a["x"]!)).cache))]
        },
        mistakes: { a, _ in
            func oneHot(_ n: Int, _ count: Int) -> [Double] { (0..<count).map { $0 == n ? 1 : 0 } }
            return [
                Mistake("last tied maximum", "in a window whose maximum is tied (ReLU's zeros make many), you sent the error to the last maximum; the forward pass picked the first, row by row, and the error goes back the way it came.",
                        ["dx": routed(a) { w in oneHot(w.lastIndex(of: w.max()!)!, w.count) }]),
                Mistake("every tied maximum", "in a window whose maximum is tied, you sent the whole error to every tied maximum; only one input won the window (the first, row by row), so only it gets the error.",
                        ["dx": routed(a) { w in let m = w.max()!; return w.map { $0 == m ? 1 : 0 } }]),
                Mistake("spread evenly", "you spread each window's error evenly over its f×f inputs (average pooling's backward pass); max pooling sends it all to the input that won.",
                        ["dx": routed(a) { w in w.map { _ in 1 / Double(w.count) } }]),
                Mistake("copied to window", "you copied each window's error to all of its f×f inputs; only the input that won the window changed the output, so only it gets the error.",
                        ["dx": routed(a) { w in w.map { _ in 1 } }]),
                Mistake("top-left of window", "you sent each window's error to its top-left input, wherever the maximum was; it belongs to the window's maximum.",
                        ["dx": routed(a) { w in oneHot(0, w.count) }]),
            ]
        },
        factors: { _ in [] },
        hidden: { rng in
            // Ties built in: ReLU'd values on a coarse grid, so windows hold equal maxima (zeros and not).
            func tied(_ shape: [Int]) -> Tensor<Double> { draw(&rng, shape).map { max(0, ($0 * 2).rounded() / 2) } }
            let x1 = tied([7, 6, 3]), x2 = tied([9, 10, 2])
            return [["x": x1, "f": integer(2), "delta": draw(&rng, [3, 3, 3])],
                    ["x": x2, "f": integer(3), "delta": draw(&rng, [3, 3, 2])]]
        },
        worked: { _, index, a in
            let (x, d) = (a["x"]!, a["delta"]!)
            let f = Int(a["f"]!.storage[0])
            let (y, xx, c) = (index[0], index[1], index[2])
            let (i, j) = (y / f, xx / f)
            guard i < d.shape[0], j < d.shape[1] else {
                var s = ElementSum(formula: "dx\(indexText(index))", value: 0)
                s.because = "x\(indexText(index)) is in the dropped remainder, in no window: no error reaches it"
                return s
            }
            var values = [Double](), best = 0
            for p in 0..<f { for q in 0..<f { values.append(x.at(i * f + p, j * f + q, c)) } }
            for (n, v) in values.enumerated() where v > values[best] { best = n }
            let winner = [i * f + best / f, j * f + best % f, c]
            let won = winner == index
            var s = ElementSum(formula: "dx\(indexText(index)) = δ\(indexText([i, j, c])) if x\(indexText(index)) won its window, else 0",
                               value: won ? d.at(i, j, c) : 0)
            s.because = "window x[\(i * f):\(i * f + f), \(j * f):\(j * f + f), \(c)] holds " + values.map { shortValue($0) }.joined(separator: ", ")
                + "; its first maximum (row by row) is x\(indexText(winner))" + (won ? ", this one: dx = δ\(indexText([i, j, c])) = \(shortValue(d.at(i, j, c)))" : ", not this one: dx = 0")
            return s
        })
}
