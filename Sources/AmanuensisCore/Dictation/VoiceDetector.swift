import Foundation

/// Tells voice from silence in a live stream, cheaply, 100 ms at a time:
/// a block is voiced when its level stands 15 dB above the quietest block
/// of the last 5 s (the room's floor) and above the silence level. Voice
/// starts with two voiced blocks in a row and stops after `hangover` of
/// unvoiced ones; a dictation decodes only while there is voice, and in
/// `voice` mode ends an utterance where it stops.
public struct VoiceDetector: Sendable {
    public enum Change: Hashable, Sendable {
        /// Seconds from the start of the stream.
        case started(at: Double)
        case stopped(at: Double)
    }

    /// Samples per block (100 ms).
    static let blockLength = AudioConstants.sampleRate / 10
    private static let floorBlocks = 50
    private static let marginDecibels = 15.0
    /// Above the floor by this much, a block may hold the faint end of a word.
    private static let activityDecibels = 6.0

    private let silenceLevel: Double
    private let hangover: Int
    private var levels: [Double] = []
    private var energy = 0.0
    private var filled = 0
    private var blocks = 0
    private var voicedRun = 0
    private var quietRun = 0
    public private(set) var isVoiced = false
    /// Seconds from the start to the end of the last block that was not
    /// plainly silent (6 dB above the floor): audio after it holds no speech.
    public private(set) var activeUntil = 0.0
    /// Whether any block was voiced since the last `takeHeard`.
    private var heard = false

    /// - Parameters:
    ///   - silenceLevel: dBFS below which a block is never voiced.
    ///   - hangover: seconds of unvoiced blocks that end voice.
    public init(silenceLevel: Double = -60, hangover: Double = 0.6) {
        self.silenceLevel = silenceLevel
        self.hangover = max(1, Int((hangover * 10).rounded()))
        levels.reserveCapacity(Self.floorBlocks)
    }

    /// Whether voice was heard since the last call.
    public mutating func takeHeard() -> Bool {
        defer { heard = isVoiced }
        return heard || isVoiced
    }

    /// Reads `samples`, the stream's next ones; returns where voice started or stopped in them.
    public mutating func feed(_ samples: some Collection<Float>) -> [Change] {
        var changes: [Change] = []
        for sample in samples {
            energy += Double(sample * sample)
            filled += 1
            guard filled == Self.blockLength else { continue }
            if let change = judge(level: 10 * log10(energy / Double(Self.blockLength) + 1e-12)) { changes.append(change) }
            energy = 0
            filled = 0
            blocks += 1
        }
        return changes
    }

    private mutating func judge(level: Double) -> Change? {
        if levels.count == Self.floorBlocks { levels.removeFirst() }
        levels.append(level)
        let floor = levels.min()!
        let voiced = level > max(floor + Self.marginDecibels, silenceLevel)
        if level > max(floor + Self.activityDecibels, silenceLevel) { activeUntil = Double(blocks + 1) / 10 }
        voicedRun = voiced ? voicedRun + 1 : 0
        quietRun = voiced ? 0 : quietRun + 1
        heard = heard || voiced
        let seconds = { (block: Int) in Double(block) / 10 }
        if !isVoiced, voicedRun >= 2 {
            isVoiced = true
            return .started(at: seconds(blocks - 1))
        }
        if isVoiced, quietRun >= hangover {
            isVoiced = false
            return .stopped(at: seconds(blocks - hangover + 1))
        }
        return nil
    }
}
