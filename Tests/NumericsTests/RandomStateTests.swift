// Our RandomState against numpy's legacy RandomState, on fixtures numpy wrote
// (Tests/make_numeric_fixtures.py): every value must be identical, not merely close.
import Foundation
import Testing
@testable import Numerics

struct RNGCase: Decodable {
    let seed: UInt32
    let random_sample: [String]
    let randn: [String]
    let mixed: [String]
    let normal: [String]
    let permutation: [Int]
    let shuffled_rows_first_column: [Int]
    let rand_3x4: [String]
}

func loadFixture<T: Decodable>(_ name: String, as: T.Type) throws -> T {
    let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"))
    return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
}

let rngCases: [RNGCase] = (try? loadFixture("rng", as: [RNGCase].self)) ?? []

func doubles(_ s: [String]) -> [Double] { s.map { Double($0)! } }

@Test func rngFixturesLoaded() { #expect(rngCases.count == 6) }

@Test(arguments: rngCases.map(\.seed))
func matchesNumpy(seed: UInt32) {
    let c = rngCases.first { $0.seed == seed }!
    var r = RandomState(seed: seed)
    #expect((0..<10).map { _ in r.randomSample() } == doubles(c.random_sample))
    r.seed(seed)
    #expect(r.randn(11).storage == doubles(c.randn))
    r.seed(seed)
    let mixed = [r.standardNormal(), r.randomSample(), r.standardNormal(), r.standardNormal()]
    #expect(mixed == doubles(c.mixed))
    r.seed(seed)
    #expect(r.normal(mean: 0, std: 0.4714045207910317, shape: [3, 3, 1]).storage == doubles(c.normal))
    r.seed(seed)
    #expect(r.permutation(20) == c.permutation)
    r.seed(seed)
    var rows = Tensor<Double>(shape: [2290, 2], generator: { Double($0) })
    r.shuffleRows(&rows)
    #expect((0..<2290).map { Int(rows[$0, 0]) } == c.shuffled_rows_first_column)
    r.seed(seed)
    let u = r.rand(3, 4)
    #expect(u.shape == [3, 4] && u.storage == doubles(c.rand_3x4))
}

@Test func reseedingDropsTheCachedNormal() {
    var r = RandomState(seed: 3)
    _ = r.standardNormal()  // leaves a cached second value
    r.seed(3)
    var fresh = RandomState(seed: 3)
    #expect(r.standardNormal() == fresh.standardNormal())
}
