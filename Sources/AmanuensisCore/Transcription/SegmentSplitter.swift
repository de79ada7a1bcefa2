/// Cuts one window's tokens into timed segments and finds where the next
/// window starts (faster-whisper's `_split_segments_by_timestamps`,
/// Docs/whisper-reference.md §6.5 step 4).
struct SegmentSplitter {
    let special: SpecialTokens

    struct Piece {
        var start: Double
        var end: Double
        let tokens: ArraySlice<Int>
        /// When word timestamps are asked for (`WordTimestamps`).
        var words: [Word] = []
    }

    struct Split {
        var pieces: [Piece]
        /// The frame the next window starts at.
        var nextSeek: Int
        /// Whether the text ended with one timestamp: then nothing of the
        /// window is left unfinished.
        let singleTimestampEnding: Bool
    }

    /// - Parameters:
    ///   - seek: the window's first frame; `frames`: its content frames.
    func split(_ tokens: [Int], seek: Int, frames: Int) -> Split {
        let begin = special.timestampBegin
        let step = SpecialTokens.timestampSeconds
        let offset = Double(seek) / Double(AudioConstants.framesPerSecond)
        let isTimestamp = { (id: Int) in id >= begin }
        let singleTimestampEnding = tokens.count >= 2 && !isTimestamp(tokens[tokens.count - 2]) && isTimestamp(tokens[tokens.count - 1])
        var cuts = tokens.indices.filter { $0 > 0 && isTimestamp(tokens[$0]) && isTimestamp(tokens[$0 - 1]) }

        guard !cuts.isEmpty else {
            // One segment for the window; it ends at its last timestamp, if any.
            var duration = Double(frames) / Double(AudioConstants.framesPerSecond)
            if let last = tokens.last(where: isTimestamp), last != begin { duration = Double(last - begin) * step }
            return Split(pieces: [Piece(start: offset, end: offset + duration, tokens: tokens[...])], nextSeek: seek + frames,
                         singleTimestampEnding: singleTimestampEnding)
        }
        if singleTimestampEnding { cuts.append(tokens.count) }
        var pieces: [Piece] = []
        var from = 0
        for cut in cuts {
            let slice = tokens[from..<cut]
            pieces.append(Piece(start: offset + Double(slice.first! - begin) * step,
                                end: offset + Double(slice.last! - begin) * step, tokens: slice))
            from = cut
        }
        // With a single timestamp at the end nothing is left unfinished;
        // otherwise resume at the last complete timestamp.
        let nextSeek = singleTimestampEnding
            ? seek + frames
            : seek + (tokens[from - 1] - begin) * AudioConstants.framesPerTimestamp
        return Split(pieces: pieces, nextSeek: nextSeek, singleTimestampEnding: singleTimestampEnding)
    }
}
