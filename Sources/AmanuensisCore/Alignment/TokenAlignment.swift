import AmanuensisKernels
import Foundation

/// When each token of a window was spoken: CTranslate2's
/// `WhisperReplica::align`, as faster-whisper calls it for word timestamps.
/// The window's text is run through the decoder once, after the start
/// sequence and `<|notimestamps|>`; the cross-attention of the alignment
/// heads over the audio is turned into a token × frame matrix (softmax over
/// the window's frames, standardized over the tokens, a median filter of
/// width 7 along the frames, the mean over the heads), and dynamic time
/// warping finds the cheapest monotonic path through its negation.
struct TokenAlignment {
    /// Seconds from the window's start at which the path reaches each row:
    /// one per text token, then one for end-of-text.
    let times: [Double]
    /// Each text token's probability among the text tokens, given those before it.
    let probabilities: [Double]

    /// Encoder frames (of 20 ms) per second.
    static let framesPerSecond = Double(AudioConstants.framesPerSecond) / 2
    static let medianFilterWidth = 7
}

extension TokenSearch {
    /// Aligns `text` (text tokens only) with the window the state holds,
    /// `contentFrames` mel frames long.
    func align(startSequence: [Int], text: [Int], contentFrames: Int) throws -> TokenAlignment {
        let special = filters.special
        let input = startSequence + [special.noTimestamps] + text + [special.endOfText]
        let frames = contentFrames / 2
        // A window's text is at most half the decoder's positions; a longer
        // input would not fit them, and is not aligned.
        guard frames > 0, !text.isEmpty, input.count <= state.dimensions.textPositions else {
            return TokenAlignment(times: [], probabilities: [])
        }
        let probabilities = try alignmentForward(input, firstText: startSequence.count)
        let matrix = alignmentMatrix(rows: input.count, frames: frames)
        // The rows whose outputs are the text tokens and end-of-text: from
        // <|notimestamps|> to the last text token.
        let first = startSequence.count
        let path = Self.negativeTimeWarp(matrix, rows: first..<(first + text.count + 1), frames: frames)
        var times: [Double] = []
        times.reserveCapacity(text.count + 1)
        var lastRow = -1
        for (row, frame) in path where row != lastRow {
            times.append(Double(frame) / TokenAlignment.framesPerSecond)
            lastRow = row
        }
        return TokenAlignment(times: times, probabilities: probabilities)
    }

    /// Runs `input` through the decoder, keeping the alignment heads' scores
    /// of every row, in steps of as many rows as the state has logits for;
    /// returns the probability of each text token (CTranslate2 takes the
    /// softmax over the text vocabulary alone).
    private func alignmentForward(_ input: [Int], firstText: Int) throws -> [Double] {
        let vocabulary = filters.vocabularySize
        let textVocabulary = filters.special.endOfText
        let chunk = 2 * state.maximumSequences
        var probabilities: [Double] = []
        probabilities.reserveCapacity(input.count)
        try runner.searching {
            var position = 0
            while position < input.count {
                if isCancelled() { throw TranscriptionCancelled() }
                let rows = min(chunk, input.count - position)
                var step = DecoderStep(state: state, tokens: Array(input[position..<(position + rows)]), sequences: 1, position: position,
                                       logitRows: Array(0..<rows), threads: passThreads)
                step.alignmentRow = position
                runner.run(step)
                for row in 0..<rows {
                    let index = position + row
                    guard index >= firstText, index + 1 < input.count - 1 else { continue }
                    let logits = state.logits.pointer + row * vocabulary
                    settle(row, logits, below: textVocabulary, top: 1)
                    state.screen?.exact(row: row, logits: logits, entry: input[index + 1])
                    let total = CPUKernels.selected.logsumexp(logits, textVocabulary)
                    guard total.isFinite else { throw NonFiniteScores() }
                    probabilities.append(Double(exp(logits[input[index + 1]] - total)))
                }
                position += rows
            }
        }
        return probabilities
    }

    /// The mean over the alignment heads of their attention over the first
    /// `frames` audio positions: softmax per row, standardized per frame
    /// over the rows (no epsilon, as CTranslate2's LayerNorm(-2, 0)), then
    /// median-filtered along the frames. `[rows, frames]`.
    private func alignmentMatrix(rows: Int, frames: Int) -> [Float] {
        let d = state.dimensions
        let heads = state.alignmentHeads.count
        var matrix = [Float](repeating: 0, count: rows * frames)
        var column = [Float](repeating: 0, count: frames)
        for slot in 0..<heads {
            let scores = state.alignmentScores.pointer + slot * d.textPositions * d.audioPositions
            for row in 0..<rows { CPUKernels.selected.softmax_rows(scores + row * d.audioPositions, 1, frames, frames) }
            for frame in 0..<frames {
                var sum: Float = 0, squares: Float = 0
                for row in 0..<rows {
                    let x = scores[row * d.audioPositions + frame]
                    sum += x
                    squares += x * x
                }
                let mean = sum / Float(rows)
                let deviation = max(squares / Float(rows) - mean * mean, 0).squareRoot()
                for row in 0..<rows {
                    let x = scores + row * d.audioPositions + frame
                    x.pointee = deviation > 0 ? (x.pointee - mean) / deviation : 0
                }
            }
            for row in 0..<rows {
                let values = scores + row * d.audioPositions
                Self.medianFilter(values, count: frames, into: &column)
                for frame in 0..<frames { matrix[row * frames + frame] += column[frame] / Float(heads) }
            }
        }
        return matrix
    }

    /// CTranslate2's MedianFilter: each value becomes the median of the
    /// `medianFilterWidth` around it, mirrored at the edges (without repeating
    /// the edge); a row no longer than half the width is left as it is.
    static func medianFilter(_ values: UnsafePointer<Float>, count: Int, into output: inout [Float]) {
        let width = TokenAlignment.medianFilterWidth, rank = width / 2
        guard count > rank else {
            for i in 0..<count { output[i] = values[i] }
            return
        }
        var window = [Float](repeating: 0, count: width)
        for j in 0..<count {
            for k in -rank...rank {
                var read = abs(j + k)
                if read >= count { read = count - (read - count) - 2 }
                window[k + rank] = values[read]
            }
            window.sort()
            output[j] = window[rank]
        }
    }

    /// CTranslate2's `negative_dtw` over `rows` of `matrix`: the path from
    /// the first row and frame to the last, one step down, right or both at
    /// a time, that maximizes the sum of the values it passes; ties go
    /// right. Returns (row, frame) pairs, rows counted from `rows.lowerBound`.
    static func negativeTimeWarp(_ matrix: [Float], rows: Range<Int>, frames: Int) -> [(row: Int, frame: Int)] {
        let n = rows.count, m = frames
        var cost = [Float](repeating: .infinity, count: (n + 1) * (m + 1))
        var trace = [UInt8](repeating: 0, count: (n + 1) * (m + 1))
        cost[0] = 0
        for j in 1...m {
            for i in 1...n {
                let c0 = cost[(i - 1) * (m + 1) + j - 1], c1 = cost[(i - 1) * (m + 1) + j], c2 = cost[i * (m + 1) + j - 1]
                let (c, t): (Float, UInt8) = c0 < c1 && c0 < c2 ? (c0, 0) : (c1 < c0 && c1 < c2 ? (c1, 1) : (c2, 2))
                cost[i * (m + 1) + j] = -matrix[(rows.lowerBound + i - 1) * frames + j - 1] + c
                trace[i * (m + 1) + j] = t
            }
        }
        for j in 0...m { trace[j] = 2 }
        for i in 0...n { trace[i * (m + 1)] = 1 }
        var path: [(row: Int, frame: Int)] = []
        var i = n, j = m
        while i > 0 || j > 0 {
            path.append((i - 1, j - 1))
            switch trace[i * (m + 1) + j] {
            case 0: i -= 1; j -= 1
            case 1: i -= 1
            default: j -= 1
            }
        }
        return path.reversed()
    }
}
