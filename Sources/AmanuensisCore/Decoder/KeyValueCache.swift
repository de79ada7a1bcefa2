/// The decoder's self-attention keys and values for a set of sequences
/// (greedy: one; beam search and best-of sampling: several), one buffer per
/// layer laid out `[sequence, position, width]` so a new token's row is
/// appended in place, never copied.
///
/// Beam search reorders sequences between steps; `reorder` copies the kept
/// prefixes into a spare set and swaps, so no buffer is allocated then.
final class KeyValueCache {
    let sequences: Int
    let positions: Int
    let width: Int
    private(set) var keys: [FloatBuffer]
    private(set) var values: [FloatBuffer]
    private var spareKeys: [FloatBuffer]
    private var spareValues: [FloatBuffer]

    init(layers: Int, sequences: Int, positions: Int, width: Int) {
        self.sequences = sequences
        self.positions = positions
        self.width = width
        // Resident as written: a greedy search touches one sequence's rows.
        let make = { (0..<layers).map { _ in FloatBuffer(count: sequences * positions * width, paging: .onTouch) } }
        keys = make()
        values = make()
        spareKeys = make()
        spareValues = make()
    }

    var bytes: Int { (keys + values + spareKeys + spareValues).reduce(0) { $0 + $1.bytes } }

    /// The first row of `sequence`'s cache in `buffer`.
    func row(_ buffer: FloatBuffer, sequence: Int, position: Int) -> UnsafeMutablePointer<Float> {
        buffer.pointer + (sequence * positions + position) * width
    }

    /// Gives back the memory of every sequence from `sequences` on, which a
    /// rare wide beam made resident: a stream keeps resident only what its
    /// usual requests touch.
    func release(sequencesFrom sequences: Int) {
        for buffer in keys + values + spareKeys + spareValues { buffer.discard(after: sequences * positions * width) }
    }

    /// Bytes resident in the rows of sequences from `sequences` on.
    func residentBytes(sequencesFrom sequences: Int) -> Int {
        (keys + values + spareKeys + spareValues).reduce(0) { $0 + $1.residentBytes(after: sequences * positions * width) }
    }

    /// Makes sequence i a copy of sequence `sources[i]` over the first
    /// `length` positions.
    func reorder(_ sources: [Int], length: Int) {
        guard sources.enumerated().contains(where: { $0 != $1 }) else { return }
        for layer in keys.indices {
            for (target, source) in sources.enumerated() {
                row(spareKeys[layer], sequence: target, position: 0)
                    .update(from: row(keys[layer], sequence: source, position: 0), count: length * width)
                row(spareValues[layer], sequence: target, position: 0)
                    .update(from: row(values[layer], sequence: source, position: 0), count: length * width)
            }
        }
        swap(&keys, &spareKeys)
        swap(&values, &spareValues)
    }
}
