// The .npy reader and writer against files numpy wrote (Fixtures/fuzz-corpus/npy-*, made by np.save and
// numpy.lib.format.write_array): numpy's bytes read back, ours the same bytes as numpy's, the rest refused.
@testable import Datasets
import Foundation
import Numerics
import Testing

func numpyFile(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: try fixtureURL("fuzz-corpus").appendingPathComponent(name))) }

@Test func numpysFilesAreReadAndOursAreNumpysBytes() throws {
    let f8 = try numpyFile("npy-f8-3d.npy")
    let a = try NpyFile.decode(f8, name: "f8")
    #expect(a.shape == [3, 4, 2] && !a.isInteger && a.values.count == 24)
    // np.save of a C-order float64 array is byte for byte what we write for it.
    #expect(NpyFile.encode(a.tensor) == f8)
    let f4 = try NpyFile.decode(try numpyFile("npy-f4-2d.npy"), name: "f4")
    #expect(f4.shape == [2, 5] && f4.values.allSatisfy { Double(Float($0)) == $0 })
    let zeroD = try NpyFile.decode(try numpyFile("npy-i8-0d.npy"), name: "i8")
    #expect(zeroD.shape == [] && zeroD.values == [2] && zeroD.isInteger)
    #expect(NpyFile.encode(integers: [2], shape: []) == (try numpyFile("npy-i8-0d.npy")))
    #expect(try NpyFile.decode(try numpyFile("npy-u1-1d.npy"), name: "u1").values == [0, 1, 2, 3, 4, 5])
    #expect(try NpyFile.decode(try numpyFile("npy-b1.npy"), name: "b1").values == [1, 0, 1])
    // Fortran order (what numpy.save writes for a transposed array) comes back in row-major order:
    // np.asfortranarray(np.arange(24.).reshape(2, 3, 4)) and a random (2, 3) array as numpy reads them.
    let f3 = try NpyFile.decode(try numpyFile("npy-fortran-3d.npy"), name: "f3")
    #expect(f3.shape == [2, 3, 4] && f3.values == (0..<24).map(Double.init))
    #expect(try NpyFile.decode(try numpyFile("npy-fortran.npy"), name: "f2").values
            == [-0.4447674556827841, -1.0764058401008076, 0.026124833534033623, -0.05274730824287927, 1.4055981660180925, 0.7474079874793504])
    // Format versions 2.0 and 3.0 (a 4-byte header length).
    for v in ["npy-v2.npy", "npy-v3.npy"] { #expect(try NpyFile.decode(try numpyFile(v), name: v).shape == [2, 2]) }
}

@Test func whatIsNotALittleEndianNumericArrayIsRefusedWithASentence() throws {
    func refusal(_ bytes: [UInt8]) -> String {
        do { _ = try NpyFile.decode(bytes, name: "a.npy"); return "accepted" } catch { return "\(error)" }
    }
    #expect(refusal(Array("hello".utf8)).hasPrefix("a.npy: not a .npy file"))
    let f8 = try numpyFile("npy-f8-3d.npy")
    #expect(refusal(Array(f8.dropLast(8))).contains("but the file holds 184"))
    var big = f8
    let at = (0..<(big.count - 2)).first { big[$0] == UInt8(ascii: "<") && big[$0 + 1] == UInt8(ascii: "f") && big[$0 + 2] == UInt8(ascii: "8") }!
    big[at] = UInt8(ascii: ">")
    #expect(refusal(big) == "a.npy: the array is big-endian ('>f8'); save a.astype('<f8') instead.")
    var complex = f8
    complex[complex.firstIndex(of: UInt8(ascii: "f"))!] = UInt8(ascii: "c")
    #expect(refusal(complex).contains("dtype '<c8' is not one this reads"))
    // A shape whose element count overflows is a sentence, not a trap.
    #expect(refusal(NpyFile.header(descr: "<f8", shape: [Int.max, 9]) + [0, 0]) == "a.npy: the shape (9223372036854775807, 9) has more elements than can be counted.")
}
