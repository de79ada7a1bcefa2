import AmanuensisKernels
import Foundation

/// Generates the tokens of one window from a prompt: greedy search, beam
/// search, or best-of-N sampling, over the stream's decoder state, its steps
/// run by `runner`.
///
/// Scores follow CTranslate2: log-probabilities are taken after the logit
/// filters and, when sampling, from the untempered distribution.
struct TokenSearch {
    let state: DecoderState
    let runner: any DecoderStepRunner
    let filters: LogitFilters
    let tokenizer: Tokenizer
    /// Threads for a pass of a step that runs alone (`DecoderStep.threads`).
    var passThreads = 1
    /// Asked every few steps: true ends the search with `TranscriptionCancelled`,
    /// so a client that goes away stops its work within milliseconds.
    var isCancelled: () -> Bool = { false }

    /// Steps between two questions to `isCancelled`.
    private static let cancellationInterval = 8

    private var vocabularySize: Int { filters.vocabularySize }
    private var endOfText: Int { filters.special.endOfText }

    enum Strategy {
        case greedy
        case beam(size: Int, patience: Double)
        case sample(count: Int, temperature: Double, generator: RandomGenerator)
    }

    /// Decodes after `prompt` (whose last start-of-transcript is at `startIndex`)
    /// and returns the best hypothesis. Every hypothesis begins with `prefix`:
    /// tokens taken as already generated (the filters see them, the scores
    /// and the result leave them out), run with the prompt in one step.
    func run(prompt: [Int], startIndex: Int, prefix: [Int] = [], strategy: Strategy, temperature: Double) throws -> DecodingResult {
        try runner.searching {
            try search(prompt: prompt, startIndex: startIndex, prefix: prefix, strategy: strategy, temperature: temperature)
        }
    }

    private func search(prompt: [Int], startIndex: Int, prefix: [Int], strategy: Strategy, temperature: Double) throws -> DecodingResult {
        let textPositions = state.dimensions.textPositions
        let forced = prompt + prefix
        let maximumNewTokens = min(textPositions / 2, textPositions - (forced.count - 1)) + prefix.count
        // The prompt once, for one sequence; its cache is then shared by copying.
        var rows = [forced.count - 1]
        if startIndex != forced.count - 1 { rows.append(startIndex) }
        forward(tokens: forced, sequences: 1, position: 0, logitRows: rows)
        let noSpeech = noSpeechProbability(row: rows.count == 2 ? 1 : 0)

        let hypotheses: [(tokens: [Int], score: Double)]
        switch strategy {
        case .greedy:
            hypotheses = try independent(count: 1, prompt: forced, prefix: prefix, maximum: maximumNewTokens, temperature: 0, generator: nil)
        case .sample(let count, let temperature, let generator):
            hypotheses = try independent(count: count, prompt: forced, prefix: prefix, maximum: maximumNewTokens,
                                     temperature: temperature, generator: generator)
        case .beam(let size, let patience):
            hypotheses = try beam(size: size, patience: patience, prompt: forced, prefix: prefix, maximum: maximumNewTokens)
        }
        // Rank by the length-normalized score (length penalty 1) of what was generated.
        let generated = { (tokens: [Int]) in Double(max(tokens.count - prefix.count, 1)) }
        let best = hypotheses.max { $0.score / generated($0.tokens) < $1.score / generated($1.tokens) }!
        let tokens = Array(best.tokens[prefix.count...])
        return DecodingResult(tokens: tokens, sumLogProbability: best.score, noSpeechProbability: noSpeech,
                              temperature: temperature, text: tokenizer.decode(tokens))
    }

    /// Runs `tokens` (sequence-major, `sequences` of them) at `position…` and
    /// leaves the logits of `logitRows` in the state, one row each, in order.
    func forward(tokens: [Int], sequences: Int, position: Int, logitRows: [Int]) {
        precondition(!tokens.isEmpty && tokens.count <= state.dimensions.textPositions && tokens.count % sequences == 0
                     && sequences <= state.maximumSequences)
        precondition(logitRows.count <= 2 * state.maximumSequences)
        runner.run(DecoderStep(state: state, tokens: tokens, sequences: sequences, position: position,
                               logitRows: logitRows, threads: passThreads))
    }

    /// Softmax of the raw logits at the start of the transcript, before any
    /// filter: the model's own estimate that the window holds no speech.
    private func noSpeechProbability(row: Int) -> Double {
        let logits = state.logits.pointer + row * vocabularySize
        settle(row, logits, below: vocabularySize, top: 1)
        let total = CPUKernels.selected.logsumexp(logits, vocabularySize)
        return Double(exp(logits[filters.special.noSpeech] - total))
    }

    /// Greedy search (one sequence, temperature 0) or `count` independent
    /// samples at `temperature`, stepped together as one batch.
    private func independent(count: Int, prompt: [Int], prefix: [Int], maximum: Int, temperature: Double,
                             generator: RandomGenerator?) throws -> [(tokens: [Int], score: Double)] {
        var generator = generator
        state.cache.reorder(Array(repeating: 0, count: count), length: prompt.count)
        let firstLogits = UnsafeMutablePointer(state.logits.pointer)
        if count > 1 {
            for sequence in 1..<count {
                (firstLogits + sequence * vocabularySize).update(from: firstLogits, count: vocabularySize)
                state.screen?.copy(row: 0, to: sequence)
            }
        }
        var tokens = Array(repeating: prefix, count: count)
        var scores = Array(repeating: 0.0, count: count)
        var finished = Array(repeating: false, count: count)
        var position = prompt.count
        var scratch = [Float](repeating: 0, count: vocabularySize)
        // Each step's inputs, made once and rewritten in place: the token loop allocates nothing.
        var last = [Int](repeating: endOfText, count: count)
        let rows = Array(0..<count)
        for step in prefix.count..<maximum {
            if step % Self.cancellationInterval == 0, isCancelled() { throw TranscriptionCancelled() }
            for sequence in 0..<count where !finished[sequence] {
                let logits = state.logits.pointer + sequence * vocabularySize
                var settled = false
                filters.apply(logits, generated: tokens[sequence][...]) {
                    settle(sequence, logits, below: $0, top: 1)
                    settled = true
                }
                // The largest first: the argmax, and the normalizer's largest
                // terms, unless the filters' settling holds (`LogitFilters.apply`).
                if !settled { settle(sequence, logits, below: vocabularySize, top: 1) }
                let total = try Self.normalizer(logits, count: vocabularySize)
                let token: Int
                if temperature == 0 {
                    token = am_argmax_f32(logits, vocabularySize)
                } else {
                    token = sample(logits, temperature: temperature, scratch: &scratch, generator: &generator!)
                    state.screen?.exact(row: sequence, logits: logits, entry: token)
                }
                scores[sequence] += Double(logits[token] - total)
                if token == endOfText { finished[sequence] = true } else { tokens[sequence].append(token) }
            }
            if finished.allSatisfy({ $0 }) || step == maximum - 1 { break }
            for sequence in 0..<count { last[sequence] = finished[sequence] ? endOfText : tokens[sequence].last! }
            forward(tokens: last, sequences: count, position: position, logitRows: rows)
            position += 1
        }
        return (0..<count).map { (tokens[$0], scores[$0]) }
    }

    /// Makes exact the entries of logit row `row` below `count` that may be
    /// among its `top` largest (`VocabularyScreen`); nothing where they are.
    func settle(_ row: Int, _ logits: UnsafeMutablePointer<Float>, below count: Int, top: Int) {
        state.screen?.settle(row: row, logits: logits, below: count, top: top)
    }

    /// log Σ exp(logits), the step's normalizer. A NaN or an infinity in any
    /// logit makes it non-finite: that ends the request with an error, where
    /// sampling would trap on a NaN total and argmax would pick at random.
    private static func normalizer(_ logits: UnsafeMutablePointer<Float>, count: Int) throws -> Float {
        let total = CPUKernels.selected.logsumexp(logits, count)
        guard total.isFinite else { throw NonFiniteScores() }
        return total
    }

    /// Draws from softmax(logits / temperature) over the unmasked entries.
    private func sample(_ logits: UnsafeMutablePointer<Float>, temperature: Double,
                        scratch: inout [Float], generator: inout RandomGenerator) -> Int {
        let inverse = Float(1 / temperature)
        var maximum = -Float.infinity
        for i in 0..<vocabularySize where logits[i] > maximum { maximum = logits[i] }
        var sum: Double = 0
        for i in 0..<vocabularySize {
            let weight = logits[i] == -.infinity ? 0 : exp((logits[i] - maximum) * inverse)
            scratch[i] = weight
            sum += Double(weight)
        }
        var target = Double.random(in: 0..<sum, using: &generator)
        for i in 0..<vocabularySize where scratch[i] > 0 {
            target -= Double(scratch[i])
            if target < 0 { return i }
        }
        return am_argmax_f32(logits, vocabularySize)
    }

    /// Beam search as in openai's `BeamSearchDecoder`: each beam proposes its
    /// best `size + 1` continuations, the best `size` unfinished ones survive,
    /// and finished ones are kept until `size · patience` have finished.
    private func beam(size: Int, patience: Double, prompt: [Int], prefix: [Int], maximum: Int) throws -> [(tokens: [Int], score: Double)] {
        let wanted = Int((Double(size) * patience).rounded())
        var beams: [(tokens: [Int], score: Double)] = [(prefix, 0)]
        var finished: [(tokens: [Int], score: Double)] = []
        var position = prompt.count
        var logProbabilities = [Float](repeating: 0, count: vocabularySize)
        for step in prefix.count..<maximum {
            if step % Self.cancellationInterval == 0, isCancelled() { throw TranscriptionCancelled() }
            var candidates: [(source: Int, token: Int, score: Double)] = []
            for (index, beam) in beams.enumerated() {
                let logits = state.logits.pointer + index * vocabularySize
                filters.apply(logits, generated: beam.tokens[...]) { settle(index, logits, below: $0, top: 1) }
                settle(index, logits, below: vocabularySize, top: size + 1)
                let total = try Self.normalizer(logits, count: vocabularySize)
                for i in 0..<vocabularySize { logProbabilities[i] = logits[i] - total }
                for token in Self.topIndices(logProbabilities, count: size + 1) where logProbabilities[token] > -.infinity {
                    candidates.append((index, token, beam.score + Double(logProbabilities[token])))
                }
            }
            candidates.sort { $0.score > $1.score }
            var next: [(tokens: [Int], score: Double)] = []
            var sources: [Int] = []
            // Only hypotheses that finish ahead of the last surviving beam count.
            for candidate in candidates where next.count < size {
                if candidate.token == endOfText {
                    if finished.count < wanted { finished.append((beams[candidate.source].tokens, candidate.score)) }
                } else {
                    next.append((beams[candidate.source].tokens + [candidate.token], candidate.score))
                    sources.append(candidate.source)
                }
            }
            if finished.count >= wanted { break }
            if next.isEmpty || step == maximum - 1 {
                finished += next
                break
            }
            state.cache.reorder(sources, length: position)
            forward(tokens: next.map { $0.tokens.last! }, sequences: next.count, position: position,
                            logitRows: Array(0..<next.count))
            position += 1
            beams = next
        }
        return finished
    }

    /// Indices of the `count` largest values, largest first.
    private static func topIndices(_ values: [Float], count: Int) -> [Int] {
        var best: [Int] = []
        best.reserveCapacity(count + 1)
        for (index, value) in values.enumerated() {
            if best.count == count, value <= values[best[count - 1]] { continue }
            var slot = best.count
            while slot > 0, values[best[slot - 1]] < value { slot -= 1 }
            best.insert(index, at: slot)
            if best.count > count { best.removeLast() }
        }
        return best
    }
}

/// The decoder produced a NaN or an infinity: the request fails with this,
/// the daemon and every other request go on.
public struct NonFiniteScores: Error, CustomStringConvertible, Sendable {
    public var description: String { "the decoder produced non-finite scores (NaN or infinity)" }
}
