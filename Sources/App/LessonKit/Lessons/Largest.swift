// Where the worked examples sit: the entry with the largest magnitude (or value), the first one when
// several tie, as numpy's argmax picks (the fixture scripts use the same rule).
extension Array where Element == Double {
    /// The index of the entry with the largest |value|; 0 for an empty array.
    func indexOfLargestMagnitude() -> Int {
        indices.max { abs(self[$0]) < abs(self[$1]) || (abs(self[$0]) == abs(self[$1]) && $0 > $1) } ?? 0
    }
}
