import AmanuensisKernels
import Testing

/// The vocabulary screen's kernel finds, in every instruction-set variant
/// this CPU can run, exactly the approximate entries whose upper bound
/// reaches the top-th largest lower bound, masked (−∞) and NaN entries
/// never, on rows with and without a vector-width tail.
@Suite struct ScreenKernelTests {
    @Test(arguments: [5, 37, 51_864])
    func everyVariantFindsTheEntriesItsDefinitionNames(count: Int) {
        var generator = SystemRandomNumberGenerator()
        let approximate = count - count / 30
        var logits = (0..<count).map { _ in Float.random(in: -10...10, using: &generator) }
        let scales = (0..<count).map { _ in Float.random(in: 0.001...0.01, using: &generator) }
        let bound: Float = 60
        // Near-leaders whose intervals overlap the leader's, and masked entries.
        for index in stride(from: 3, to: count, by: max(count / 40, 4)) { logits[index] = 9.9 + Float(index % 7) * 0.02 }
        for index in stride(from: 2, to: count, by: 11) { logits[index] = -.infinity }
        logits[count / 2 + 1] = .nan
        for top in [1, 6, 17, 32] {
            let lower = (0..<count).map { $0 < approximate ? logits[$0] - scales[$0] * bound : logits[$0] }
            let ordered = lower.filter { !$0.isNaN }.sorted(by: >)
            let threshold = top <= ordered.count ? ordered[top - 1] : -.infinity
            let expected = (0..<approximate).filter { logits[$0] != -.infinity && logits[$0] + scales[$0] * bound >= threshold }
            for table in KernelTables.runnable {
                let name = "\(String(cString: table.isa)), top \(top)"
                var candidates = [Int](repeating: -1, count: approximate)
                let found = table.screen_candidates(logits, scales, bound, approximate, count, top, &candidates, approximate)
                #expect(found == expected.count, "\(name)")
                #expect(Array(candidates.prefix(found)) == expected, "\(name)")
                var whole = [Int](repeating: -1, count: count), past = whole
                let all = table.screen_candidates(logits, scales, bound, count, count, top, &whole, count)
                #expect(table.screen_candidates(logits, scales, bound, count + 5, count, top, &past, count) == all && past == whole,
                        "\(name): approximate entries past the row's end are its last")
                let room = expected.count / 2
                var few = [Int](repeating: -1, count: max(room, 1))
                let counted = table.screen_candidates(logits, scales, bound, approximate, count, top, &few, room)
                #expect(counted == expected.count && Array(few.prefix(room)) == Array(expected.prefix(room)),
                        "\(name): more candidates than room are counted, the first written")
            }
        }
    }
}
