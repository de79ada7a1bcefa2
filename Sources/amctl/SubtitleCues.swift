import AmanuensisProtocol

/// What a subtitle shows when: a cue per segment, or, with a line width,
/// the segment's words packed into lines of at most that many characters,
/// and the lines into cues of at most `maximumLines` (openai-whisper's
/// `max_line_width` and `max_line_count`). A word longer than a line gets
/// a line of its own; words are joined as Whisper wrote them, so text
/// without spaces between words (Chinese, Japanese) gets none; a segment
/// without words keeps its own cue.
struct SubtitleCues {
    var maximumLineWidth: Int?
    var maximumLines = 1

    struct Cue {
        var start: Double
        var end: Double
        var lines: [String]
    }

    func cues(_ result: TranscriptionResult) -> [Cue] {
        var cues: [Cue] = []
        for segment in result.segments {
            guard let width = maximumLineWidth, !segment.words.isEmpty else {
                cues.append(Cue(start: segment.start, end: segment.end, lines: [segment.trimmedText]))
                continue
            }
            var cue: Cue?
            for word in segment.words {
                guard var current = cue else {
                    cue = Cue(start: word.start, end: word.end, lines: [word.trimmedWord])
                    continue
                }
                let line = current.lines[current.lines.count - 1] + word.word
                if line.count <= width {
                    current.lines[current.lines.count - 1] = line
                } else if current.lines.count < maximumLines {
                    current.lines.append(word.trimmedWord)
                } else {
                    cues.append(current)
                    cue = Cue(start: word.start, end: word.end, lines: [word.trimmedWord])
                    continue
                }
                current.end = word.end
                cue = current
            }
            if let cue { cues.append(cue) }
        }
        return cues
    }
}
