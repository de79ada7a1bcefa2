/// What a live dictation has committed, decided pass by pass with
/// LocalAgreement-2 (whisper_streaming): the audio not yet committed (the
/// buffer) is decoded again as it grows, and the longest run of whole words
/// on which two consecutive passes agree is committed, never to be revised,
/// all but its last word, which waits for the next pass. The first words
/// of the buffer wait, besides, until both passes heard `minimumHeard`
/// seconds of it.
///
/// Committed text that still lies in the buffer is forced as each pass's
/// prefix (`continuation`), so a pass only continues it: every pass starts
/// with the committed tokens, and the text after them is all there is to
/// compare. Once the buffer grows past `trimAfter`, its front is dropped at
/// the end of a committed segment and that text conditions the next passes
/// as previous text, as between the windows of a file; so a pass never
/// covers more than one 30 s window.
///
/// Times are seconds from the dictation's first sample; a pass's segments
/// are timed from the buffer's first sample.
public struct LocalAgreement {
    public struct Update: Hashable, Sendable {
        /// Text committed by this pass, if any.
        public var commit: TimedText?
        /// The volatile tail: what the pass heard after the committed text.
        public var tail: TimedText?
        /// Seconds to drop from the front of the buffer.
        public var drop: Double = 0

        public init(commit: TimedText? = nil, tail: TimedText? = nil, drop: Double = 0) {
            self.commit = commit
            self.tail = tail
            self.drop = drop
        }
    }

    /// A committed stretch of one segment, timed from the buffer's start;
    /// `end` is known once a later segment has begun, or the pass ended it.
    private struct Piece {
        var start: Double
        var end: Double?
        var tokens: [Int]
    }

    private let tokenizer: Tokenizer
    /// Buffer seconds past which committed segments leave it.
    public let trimAfter: Double
    /// Seconds of the buffer the earlier of two agreeing passes must have
    /// heard before the buffer's first words are committed. Over less,
    /// Whisper reads the first words without the ones after them, and two
    /// such passes can agree on a misreading that the whole utterance
    /// corrects: LJ001-0029 read "but they'll want the hole" at 2 and 3 s,
    /// "But, though on the whole" from 4 s on.
    public let minimumHeard: Double
    /// Buffer seconds past which whole segments are committed without
    /// agreement, so the buffer stays within one window however the passes disagree.
    public let forceAfter: Double
    /// Where the buffer starts.
    public private(set) var bufferStart: Double = 0
    /// Committed text before the buffer, timestamps included (the last
    /// 223 tokens are all a prompt can hold).
    private var previous: [Int] = []
    private var pieces: [Piece] = []
    /// The latest pass's text after the committed text, to agree with.
    private var pending: [Int] = []
    /// Seconds of the buffer, as it now starts, that the pass that left `pending` heard.
    private var pendingHeard = 0.0
    /// The latest pass that continued the committed text.
    private var latest: PassHypothesis?
    /// Where the last commit ended: commits never go back in time.
    private var committedUntil = 0.0
    /// The end, in the latest pass, of the segment holding the last committed token.
    private var openEnd: Double?
    /// The committed segments whose end is known.
    public private(set) var segments: [TimedText] = []
    /// Every commit, joined.
    public private(set) var text = ""

    public init(tokenizer: Tokenizer, minimumHeard: Double = 3, trimAfter: Double = 20, forceAfter: Double = 25) {
        self.tokenizer = tokenizer
        self.minimumHeard = minimumHeard
        self.trimAfter = trimAfter
        self.forceAfter = forceAfter
    }

    /// What the next pass over the buffer decodes with.
    public var continuation: Continuation { Continuation(previous: previous, prefix: prefix) }

    /// Whether the latest pass left nothing uncommitted.
    public var isSettled: Bool { pending.isEmpty }

    /// Whether the latest pass continued the committed text, so that
    /// `flushLatest` can end the dictation with it.
    public var canFlushLatest: Bool { latest != nil }

    /// Takes a pass over the first `heard` seconds of the buffer, which now
    /// holds `bufferDuration` seconds; commits what it and the pass before agree on.
    public mutating func absorb(_ segments: [Segment], heard: Double, bufferDuration: Double) -> Update {
        let pass = PassHypothesis(segments, special: tokenizer.special)
        let committed = committedCount
        let earlierHeard = pendingHeard
        pendingHeard = heard
        guard continuesCommittedText(pass) else {
            pending = []
            latest = nil
            return Update()
        }
        latest = pass
        var agreed = zip(pending, pass.tokens[committed...]).prefix { $0 == $1 }.count
        // A word is whole once the newest pass has begun the next one.
        while agreed > 0, !beginsWord(pass, at: committed + agreed) { agreed -= 1 }
        // The last agreed word waits for one more pass: both passes heard it
        // with the least audio after it, and that is where a pass over the
        // whole utterance changes words ("duck suit" for "dog suit").
        if agreed > 0 {
            agreed -= 1
            while agreed > 0, !beginsWord(pass, at: committed + agreed) { agreed -= 1 }
        }
        if pieces.isEmpty, earlierHeard < minimumHeard { agreed = 0 }
        var commit = self.commit(pass, through: committed + agreed)
        if bufferDuration > forceAfter || prefix.count > Continuation.maximumPrefix * 3 / 4,
           !pieces.contains(where: { $0.end != nil }) {
            commit = joined(commit, forceCommit(pass))
        }
        return Update(commit: commit, tail: tail(of: pass), drop: trim(bufferDuration: bufferDuration))
    }

    /// Takes the last pass over a stretch of speech (the end of the
    /// dictation, or a pause in `voice` mode): all of it is committed and its
    /// last segment closed; the buffer, holding `bufferDuration` seconds, is
    /// then trimmed as after any pass, so what follows keeps its context.
    public mutating func flush(_ segments: [Segment], bufferDuration: Double) -> Update {
        let pass = PassHypothesis(segments, special: tokenizer.special)
        return flush(continuesCommittedText(pass) ? pass : nil, bufferDuration: bufferDuration)
    }

    /// Flushes the latest pass, as `flush` would: when that pass heard all
    /// the speech there is, a final pass has nothing to add.
    public mutating func flushLatest(bufferDuration: Double) -> Update {
        flush(latest, bufferDuration: bufferDuration)
    }

    private mutating func flush(_ pass: PassHypothesis?, bufferDuration: Double) -> Update {
        let commit = pass.flatMap { self.commit($0, through: $0.tokens.count) }
        if let openEnd { closeOpenPiece(at: openEnd) }
        pending = []
        latest = nil
        return Update(commit: commit, tail: nil, drop: trim(bufferDuration: bufferDuration))
    }

    /// When nothing is pending (the speaker paused) and the buffer has grown
    /// past `trimAfter`, drops all but its last `keep` seconds; returns the
    /// seconds dropped. A shorter pause keeps its audio: the next words are
    /// decoded with what came before them, as in a file.
    public mutating func skipSilence(bufferDuration: Double, keep: Double) -> Double {
        guard pending.isEmpty, bufferDuration > trimAfter else { return 0 }
        let steps = ((bufferDuration - keep) / SpecialTokens.timestampSeconds).rounded(.down)
        return settle(dropping: max(steps * SpecialTokens.timestampSeconds, openEnd ?? 0, 0))
    }

    // MARK: - Committing

    private var committedCount: Int { pieces.reduce(0) { $0 + $1.tokens.count } }

    private func continuesCommittedText(_ pass: PassHypothesis) -> Bool {
        pass.tokens.starts(with: pieces.lazy.flatMap(\.tokens))
    }

    private func beginsWord(_ pass: PassHypothesis, at index: Int) -> Bool {
        index < pass.tokens.count && (pass.startsSegment(index) || tokenizer.beginsWord(pass.tokens[index]))
    }

    /// Commits the pass's tokens from the committed ones up to `end`, and
    /// keeps the rest as pending.
    private mutating func commit(_ pass: PassHypothesis, through end: Int) -> TimedText? {
        let from = committedCount
        guard from <= pass.tokens.count else {
            pending = []
            return nil
        }
        let end = min(max(end, from), pass.tokens.count)
        pending = Array(pass.tokens[end...])
        guard end > from else { return nil }
        for index in from..<end {
            let segment = pass.segment[index]
            if index > 0, pass.segment[index - 1] == segment, let last = pieces.indices.last, pieces[last].end == nil {
                pieces[last].tokens.append(pass.tokens[index])
            } else {
                if index > 0 { closeOpenPiece(at: pass.spans[pass.segment[index - 1]].end) }
                pieces.append(Piece(start: pass.spans[segment].start, end: nil, tokens: [pass.tokens[index]]))
            }
        }
        openEnd = pass.spans[pass.segment[end - 1]].end
        let text = tokenizer.decode(pass.tokens[from..<end])
        self.text += text
        let start = max(bufferStart + pass.time(of: from).start, committedUntil)
        committedUntil = max(bufferStart + pass.time(of: end - 1).end, start)
        return TimedText(start: start, end: committedUntil, text: text)
    }

    /// Commits whole segments regardless of agreement: up to the last
    /// segment the pass began after the committed text, or all of it when
    /// it is one segment; the last committed segment is then closed.
    private mutating func forceCommit(_ pass: PassHypothesis) -> TimedText? {
        let committed = committedCount
        let boundary = (max(committed, 1)..<max(pass.tokens.count, 1)).last(where: pass.startsSegment)
        let end = boundary ?? pass.tokens.count
        let commit = self.commit(pass, through: end)
        if end > 0 { closeOpenPiece(at: pass.spans[pass.segment[end - 1]].end) }
        return commit
    }

    private mutating func closeOpenPiece(at end: Double) {
        guard let last = pieces.indices.last, pieces[last].end == nil else { return }
        let closed = max(end, pieces[last].start + SpecialTokens.timestampSeconds)
        pieces[last].end = closed
        segments.append(TimedText(start: bufferStart + pieces[last].start, end: bufferStart + closed,
                                  text: tokenizer.decode(pieces[last].tokens)))
    }

    private func tail(of pass: PassHypothesis) -> TimedText? {
        guard !pending.isEmpty else { return nil }
        let first = pass.tokens.count - pending.count
        return TimedText(start: bufferStart + pass.time(of: first).start,
                         end: bufferStart + pass.time(of: pass.tokens.count - 1).end, text: tokenizer.decode(pending))
    }

    private func joined(_ first: TimedText?, _ second: TimedText?) -> TimedText? {
        guard let first else { return second }
        guard let second else { return first }
        return TimedText(start: first.start, end: second.end, text: first.text + second.text)
    }

    // MARK: - The buffer

    /// The committed pieces as Whisper writes them: `<|start|> text <|end|>`,
    /// the open one without its end.
    private var prefix: [Int] {
        pieces.flatMap { piece in [timestamp(piece.start)] + piece.tokens + (piece.end.map { [timestamp($0)] } ?? []) }
    }

    private func timestamp(_ seconds: Double) -> Int {
        let special = tokenizer.special
        return min(special.timestampBegin + Int((seconds / SpecialTokens.timestampSeconds).rounded()), special.timestampEnd)
    }

    /// Past `trimAfter` (or a prefix half the room a prefix has), drops the
    /// buffer up to the end of the last closed piece; returns the seconds dropped.
    private mutating func trim(bufferDuration: Double) -> Double {
        guard bufferDuration > trimAfter || prefix.count > Continuation.maximumPrefix / 2,
              let cut = pieces.lastIndex(where: { $0.end != nil }) else { return 0 }
        return drop(through: cut, seconds: pieces[cut].end!)
    }

    /// Closes the open piece and drops `seconds` (at least the committed text) from the buffer.
    private mutating func settle(dropping seconds: Double) -> Double {
        if let openEnd { closeOpenPiece(at: openEnd) }
        guard let last = pieces.indices.last else { return seconds > 0 ? drop(through: -1, seconds: seconds) : 0 }
        return drop(through: last, seconds: max(seconds, pieces[last].end!))
    }

    /// Moves the pieces up to `through` (none for -1) into the previous
    /// text, and the buffer's start `seconds` on.
    private mutating func drop(through cut: Int, seconds: Double) -> Double {
        let dropped = pieces.prefix(cut + 1)
        for piece in dropped {
            previous += [timestamp(piece.start)] + piece.tokens + [timestamp(piece.end!)]
        }
        // The latest pass begins with the committed text, the dropped pieces first.
        let count = dropped.reduce(0) { $0 + $1.tokens.count }
        if let tokens = latest?.tokens.count, tokens >= count { latest!.dropFirst(count, seconds: seconds) } else { latest = nil }
        previous = Array(previous.suffix(223))
        pieces.removeFirst(cut + 1)
        for index in pieces.indices {
            pieces[index].start -= seconds
            pieces[index].end? -= seconds
        }
        openEnd = pieces.isEmpty ? nil : openEnd.map { $0 - seconds }
        bufferStart += seconds
        pendingHeard -= seconds
        return seconds
    }
}
