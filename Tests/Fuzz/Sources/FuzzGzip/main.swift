// libFuzzer target: the gzip path (zlib inflate with the reader's own size checks), then IDX on
// whatever it inflates, as loading a data set does.
import Datasets
import FuzzSupport

runFuzzer { data, size in
    if let inflated = try? Gzip.decompress(bytes(data, size), name: "fuzz.gz") {
        _ = try? IDX.parse(inflated, name: "fuzz.gz")
    }
    return 0
}
