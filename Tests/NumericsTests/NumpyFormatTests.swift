// NumpyFormat against `str(array)` from numpy, on fixtures numpy wrote: the text must be identical,
// spaces and line breaks included, for full and summarised arrays of several ranks.
import Foundation
import Testing
@testable import Numerics

struct PrintCase: Decodable {
    let name: String
    let dtype: String
    let shape: [Int]
    let values: [String]
    let text: String
}

struct ScalarCase: Decodable {
    let value: String
    let text: String
}

struct PrintFixture: Decodable {
    let arrays: [PrintCase]
    let scalars: [ScalarCase]
}

let printFixture = try? loadFixture("print", as: PrintFixture.self)

@Test func printFixturesLoaded() { #expect((printFixture?.arrays.count ?? 0) > 25) }

@Test(arguments: printFixture?.arrays.map(\.name) ?? [])
func printsLikeNumpy(name: String) {
    let c = printFixture!.arrays.first { $0.name == name }!
    let text: String
    switch c.dtype {
    case "int": text = NumpyFormat.format(c.values.map { Int($0)! }, shape: c.shape)
    case "float32": text = NumpyFormat.format(Tensor<Float>(shape: c.shape, storage: c.values.map { Float(Double($0)!) }))
    default: text = NumpyFormat.format(Tensor<Double>(shape: c.shape, storage: c.values.map { Double($0)! }))
    }
    #expect(text == c.text, "\(name)")
}

@Test func scalarsPrintLikeNumpy() {
    for s in printFixture?.scalars ?? [] {
        #expect(NumpyFormat.scalar(Double(s.value)!) == s.text)
    }
}

@Test func fullOptionNeverSummarises() {
    let t = Tensor<Double>(shape: [1200], generator: { Double($0 % 10) })
    #expect(!NumpyFormat.format(t, options: .full).contains("..."))
    #expect(NumpyFormat.format(t).contains("..."))
}
