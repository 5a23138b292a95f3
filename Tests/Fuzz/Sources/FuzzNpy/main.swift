// libFuzzer target: the .npy reader `lesson check --answer` uses. Any bytes must be read or refused
// with a thrown error; a trap, crash, hang or sanitizer report is a finding.
import Datasets
import FuzzSupport

runFuzzer { data, size in
    if let array = try? NpyFile.decode(bytes(data, size), name: "fuzz.npy") {
        // An accepted array holds as many values as its shape says, and survives our own write and read.
        precondition(array.values.count == array.shape.reduce(1, *))
        let again = try! NpyFile.decode(NpyFile.encode(array.tensor), name: "again.npy")
        precondition(again.shape == array.shape && zip(again.values, array.values).allSatisfy { $0.bitPattern == $1.bitPattern })
    }
    return 0
}
