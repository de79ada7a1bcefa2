import Foundation

/// Text → ids with GPT-2's pre-tokenizer and the model's ranked merges.
struct BPEEncoder: Sendable {
    private let ranks: [Pair: Int]
    private let vocabulary: [String: Int]

    private struct Pair: Hashable, Sendable {
        let left: String
        let right: String
    }

    /// GPT-2's split: contractions, letters, digits, other symbols, each with
    /// an optional leading space, then runs of whitespace. `Regex` is not
    /// Sendable; this one is made once and only matched with after, which
    /// does not change it, so it is shared as is.
    nonisolated(unsafe) private static let pretokenizer = try! Regex(
        #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
    ).matchingSemantics(.unicodeScalar)

    init(tokenizerJSON: URL, vocabulary: [String: Int]) throws {
        let path = tokenizerJSON.path
        guard let data = try? Data(contentsOf: tokenizerJSON),
              let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let model = root["model"] as? [String: Any],
              let merges = model["merges"] as? [Any] else {
            throw ModelError(.malformed, file: path, "not a tokenizer.json with BPE merges")
        }
        var ranks: [Pair: Int] = [:]
        ranks.reserveCapacity(merges.count)
        for (rank, merge) in merges.enumerated() {
            let parts: [String]
            if let text = merge as? String {
                parts = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            } else {
                parts = merge as? [String] ?? []
            }
            guard parts.count == 2 else { throw ModelError(.malformed, file: path, "merge \(rank) is not a pair") }
            ranks[Pair(left: parts[0], right: parts[1])] = rank
        }
        self.ranks = ranks
        self.vocabulary = vocabulary
    }

    func encode(_ text: String) throws -> [Int] {
        var ids: [Int] = []
        for match in text.matches(of: Self.pretokenizer) {
            let word = ByteLevelAlphabet.encode(Array(String(text[match.range]).utf8))
            for symbol in merge(word) {
                guard let id = vocabulary[symbol] else {
                    throw ModelError(.malformed, file: "tokenizer.json", "BPE produced '\(symbol)', which is not in the vocabulary")
                }
                ids.append(id)
            }
        }
        return ids
    }

    /// Repeatedly joins the adjacent pair with the lowest merge rank.
    private func merge(_ word: String) -> [String] {
        var symbols = word.unicodeScalars.map { String($0) }
        while symbols.count > 1 {
            var best: (rank: Int, index: Int)?
            for index in 0..<(symbols.count - 1) {
                if let rank = ranks[Pair(left: symbols[index], right: symbols[index + 1])],
                   rank < (best?.rank ?? .max) {
                    best = (rank, index)
                }
            }
            guard let (_, index) = best else { break }
            let pair = Pair(left: symbols[index], right: symbols[index + 1])
            var merged: [String] = []
            merged.reserveCapacity(symbols.count)
            var i = 0
            while i < symbols.count {
                if i + 1 < symbols.count, symbols[i] == pair.left, symbols[i + 1] == pair.right {
                    merged.append(pair.left + pair.right)
                    i += 2
                } else {
                    merged.append(symbols[i])
                    i += 1
                }
            }
            symbols = merged
        }
        return symbols
    }
}
