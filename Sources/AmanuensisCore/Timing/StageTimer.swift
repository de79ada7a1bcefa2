/// Where one request's time goes, stage by stage, on the monotonic clock.
///
/// One timer per request, passed `inout` down the pipeline: nothing is
/// shared between requests, so concurrent requests never mix their times,
/// and no lock is taken. Recording is a clock read and two additions into
/// fixed slots; only the per-window list grows, once per 30 s window.
/// A disabled timer reads no clock at all (the overhead benchmark's baseline).
public struct StageTimer: Sendable {
    /// The stages the pipeline measures itself; the daemon adds queue,
    /// audio and total around them.
    public enum Stage: Int, CaseIterable, Sendable {
        case mel, encoder, encoderConvolution, encoderBlocks, language, decoder, alignment, postprocess
    }

    /// One 30 s window of a long-form request.
    public struct Window: Sendable, Equatable {
        /// The window's first mel frame (10 ms each).
        public var seek: Int
        public var encoder: Duration
        public var decoder: Duration
        public var tokens: Int
    }

    public let isEnabled: Bool
    private var durations = [Duration](repeating: .zero, count: Stage.allCases.count)
    private var counts = [Int](repeating: 0, count: Stage.allCases.count)
    public private(set) var windows: [Window] = []
    /// Tokens generated, end-of-text included, over every decode.
    public internal(set) var tokens = 0

    public init(enabled: Bool = true, expectedWindows: Int = 1) {
        isEnabled = enabled
        windows.reserveCapacity(expectedWindows)
    }

    /// The start of a measurement; pass it to `end`.
    @inline(__always)
    public func begin() -> ContinuousClock.Instant? { isEnabled ? ContinuousClock.now : nil }

    /// Adds the time since `start` to `stage` and returns it.
    @discardableResult @inline(__always)
    public mutating func end(_ stage: Stage, _ start: ContinuousClock.Instant?) -> Duration {
        guard let start else { return .zero }
        let elapsed = ContinuousClock.now - start
        durations[stage.rawValue] += elapsed
        counts[stage.rawValue] += 1
        return elapsed
    }

    mutating func addWindow(_ window: Window) {
        if isEnabled { windows.append(window) }
    }

    public func duration(_ stage: Stage) -> Duration { durations[stage.rawValue] }
    public func count(_ stage: Stage) -> Int { counts[stage.rawValue] }
}
