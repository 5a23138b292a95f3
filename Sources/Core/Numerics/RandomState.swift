// numpy's legacy `RandomState`: MT19937 seeded from an integer, and the draws the tutorials use.
// Same seed, same numbers as `np.random.seed(s)` followed by the same calls in the same order.

/// A random stream that reproduces numpy's legacy `np.random` functions bit for bit.
public struct RandomState: Sendable {
    private var key = [UInt32](repeating: 0, count: 624)
    private var position = 624
    /// The legacy polar method makes normals in pairs; the second waits here for the next call.
    private var cachedGauss: Double?

    public init(seed: UInt32) { self.seed(seed) }

    /// `np.random.seed(seed)`: MT19937's init_genrand, and the cached normal is dropped.
    public mutating func seed(_ seed: UInt32) {
        var s = seed
        for i in 0..<624 {
            key[i] = s
            // s_{i+1} = 1812433253 * (s_i xor (s_i >> 30)) + i + 1  (mod 2^32)
            s = 1812433253 &* (s ^ (s >> 30)) &+ UInt32(i + 1)
        }
        position = 624
        cachedGauss = nil
    }

    /// The next 32 random bits (MT19937 genrand_int32).
    public mutating func nextUInt32() -> UInt32 {
        if position >= 624 { regenerate() }
        var y = key[position]
        position += 1
        // Tempering.
        y ^= y >> 11
        y ^= (y << 7) & 0x9d2c_5680
        y ^= (y << 15) & 0xefc6_0000
        y ^= y >> 18
        return y
    }

    private mutating func regenerate() {
        let upper: UInt32 = 0x8000_0000, lower: UInt32 = 0x7fff_ffff, matrixA: UInt32 = 0x9908_b0df
        for i in 0..<624 {
            let y = (key[i] & upper) | (key[(i + 1) % 624] & lower)
            key[i] = key[(i + 397) % 624] ^ (y >> 1) ^ ((y & 1) == 0 ? 0 : matrixA)
        }
        position = 0
    }

    /// `random_sample()` / `rand()`: a double in [0, 1) from 53 random bits (27 + 26).
    public mutating func randomSample() -> Double {
        let a = Double(nextUInt32() >> 5), b = Double(nextUInt32() >> 6)
        return (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
    }

    /// `rand(d0, d1, ...)`: uniform [0, 1) values in C order.
    public mutating func rand(_ shape: Int...) -> Tensor<Double> {
        var out = [Double]()
        let n = shape.reduce(1, *)
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(randomSample()) }
        return Tensor(shape: shape, storage: out)
    }

    /// `standard_normal()` / `randn()`: the legacy Marsaglia polar method, which caches its second value.
    public mutating func standardNormal() -> Double {
        if let g = cachedGauss {
            cachedGauss = nil
            return g
        }
        var x1 = 0.0, x2 = 0.0, r2 = 0.0
        repeat {
            x1 = 2.0 * randomSample() - 1.0
            x2 = 2.0 * randomSample() - 1.0
            r2 = x1 * x1 + x2 * x2
        } while r2 >= 1.0 || r2 == 0.0
        // f = sqrt(-2 ln r2 / r2); x1*f and x2*f are independent standard normals.
        let f = (-2.0 * cLog(r2) / r2).squareRoot()
        cachedGauss = f * x1
        return f * x2
    }

    /// `randn(d0, d1, ...)`: standard normals in C order.
    public mutating func randn(_ shape: Int...) -> Tensor<Double> {
        let n = shape.reduce(1, *)
        var out = [Double]()
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(standardNormal()) }
        return Tensor(shape: shape, storage: out)
    }

    /// `normal(loc, scale)`: loc + scale * standard_normal().
    public mutating func normal(mean: Double = 0, std: Double = 1) -> Double {
        mean + std * standardNormal()
    }

    /// `normal(loc, scale, size=shape)`: normals in C order.
    public mutating func normal(mean: Double = 0, std: Double = 1, shape: [Int]) -> Tensor<Double> {
        let n = shape.reduce(1, *)
        var out = [Double]()
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(mean + std * standardNormal()) }
        return Tensor(shape: shape, storage: out)
    }

    /// A uniform integer in [0, max] by masked rejection (numpy's `random_interval`).
    public mutating func interval(_ max: UInt64) -> UInt64 {
        if max == 0 { return 0 }
        var mask = max
        mask |= mask >> 1; mask |= mask >> 2; mask |= mask >> 4
        mask |= mask >> 8; mask |= mask >> 16; mask |= mask >> 32
        if max <= 0xffff_ffff {
            while true {
                let v = UInt64(nextUInt32()) & mask
                if v <= max { return v }
            }
        } else {
            while true {
                let v = ((UInt64(nextUInt32()) << 32) | UInt64(nextUInt32())) & mask
                if v <= max { return v }
            }
        }
    }

    /// `shuffle(x)`: Fisher-Yates from the back, as numpy's legacy shuffle does (rows of a 2-D array move whole).
    public mutating func shuffle<T>(_ items: inout [T]) {
        guard items.count > 1 else { return }
        for i in stride(from: items.count - 1, through: 1, by: -1) {
            let j = Int(interval(UInt64(i)))
            items.swapAt(i, j)
        }
    }

    /// `shuffle(a)` on a tensor: permutes the first axis in place.
    public mutating func shuffleRows<T>(_ t: inout Tensor<T>) {
        let n = t.shape.first ?? 0
        guard n > 1 else { return }
        let width = t.count / n
        t.storage.withUnsafeMutableBufferPointer { p in
            for i in stride(from: n - 1, through: 1, by: -1) {
                let j = Int(interval(UInt64(i)))
                if i != j { for k in 0..<width { p.swapAt(i * width + k, j * width + k) } }
            }
        }
    }

    /// `permutation(n)`: a shuffled 0..<n.
    public mutating func permutation(_ n: Int) -> [Int] {
        var a = Array(0..<n)
        shuffle(&a)
        return a
    }
}
