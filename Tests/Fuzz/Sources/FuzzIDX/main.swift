// libFuzzer target: the IDX reader. Any bytes must be parsed or rejected with a thrown error;
// a trap, crash, hang or sanitizer report is a finding.
import Datasets
import FuzzSupport

runFuzzer { data, size in
    if let array = try? IDX.parse(bytes(data, size), name: "fuzz.idx") {
        // An accepted array holds as many bytes as its dimensions say.
        precondition(array.bytes.count == array.dimensions.reduce(1, *))
    }
    return 0
}
