import AmanuensisProtocol

/// What a subtitle shows when: a cue per segment, or, with a line width,
/// the segment's words packed into lines of at most that many characters,
/// and the lines into cues of at most `maximumLines` (openai-whisper's
/// `max_line_width` and `max_line_count`). A word longer than a line gets
/// a line of its own.
struct SubtitleCues {
    var maximumLineWidth: Int?
    var maximumLines = 1

    struct Cue {
        var start: Double
        var end: Double
        var lines: [String]
    }

    func cues(_ result: TranscriptionResult) -> [Cue] {
        guard let width = maximumLineWidth else {
            return result.segments.map { Cue(start: $0.start, end: $0.end, lines: [$0.trimmedText]) }
        }
        var cues: [Cue] = []
        for segment in result.segments {
            var cue: Cue?
            for word in segment.words {
                let text = word.trimmedWord
                guard var current = cue else {
                    cue = Cue(start: word.start, end: word.end, lines: [text])
                    continue
                }
                let line = current.lines[current.lines.count - 1]
                if line.count + 1 + text.count <= width {
                    current.lines[current.lines.count - 1] = line + " " + text
                } else if current.lines.count < maximumLines {
                    current.lines.append(text)
                } else {
                    cues.append(current)
                    cue = Cue(start: word.start, end: word.end, lines: [text])
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
