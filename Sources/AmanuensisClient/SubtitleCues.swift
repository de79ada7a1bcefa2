import AmanuensisProtocol

/// What a subtitle shows when: a cue per segment, or, with a line width,
/// the segment's words packed into lines of at most that many characters,
/// and the lines into cues of at most `maximumLines` (openai-whisper's
/// `max_line_width` and `max_line_count`). A word longer than a line gets
/// a line of its own; words are joined as Whisper wrote them, so text
/// without spaces between words (Chinese, Japanese) gets none; a segment
/// without words keeps its own cue.
public struct SubtitleCues: Sendable {
    public var maximumLineWidth: Int?
    public var maximumLines: Int

    public init(maximumLineWidth: Int? = nil, maximumLines: Int = 1) {
        self.maximumLineWidth = maximumLineWidth
        self.maximumLines = maximumLines
    }

    public struct Cue {
        public var start: Double
        public var end: Double
        public var lines: [String]
    }

    public func cues(_ result: TranscriptionResult) -> [Cue] {
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

extension SubtitleCues {
    /// The result as SubRip subtitles.
    public func srt(_ result: TranscriptionResult) -> String {
        cues(result).enumerated().map { index, cue in
            "\(index + 1)\n\(Self.clock(cue.start, ",")) --> \(Self.clock(cue.end, ","))\n\(cue.lines.joined(separator: "\n"))\n\n"
        }.joined()
    }

    /// The result as WebVTT subtitles.
    public func vtt(_ result: TranscriptionResult) -> String {
        "WEBVTT\n\n" + cues(result).map { cue in
            "\(Self.clock(cue.start, ".")) --> \(Self.clock(cue.end, "."))\n\(cue.lines.joined(separator: "\n"))\n\n"
        }.joined()
    }

    /// HH:MM:SS,mmm (SRT) or HH:MM:SS.mmm (WebVTT).
    static func clock(_ seconds: Double, _ separator: String) -> String {
        let milliseconds = Int((max(seconds, 0) * 1000).rounded())
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(milliseconds / 3_600_000, 2)):\(pad(milliseconds / 60_000 % 60, 2)):\(pad(milliseconds / 1000 % 60, 2))"
            + separator + pad(milliseconds % 1000, 3)
    }
}
