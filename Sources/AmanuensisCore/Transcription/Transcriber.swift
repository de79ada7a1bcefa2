/// Turns audio into a transcript with one model: the long-form seek loop over
/// 30 s windows, each decoded with temperature fallback (Docs/whisper-reference.md
/// §6.4, §6.5), as faster-whisper's `WhisperModel.transcribe` does.
///
/// A transcriber is one stream: it owns its mel window and decoder state,
/// sized once here, and its memory does not grow with the length of the
/// audio. Where its windows are encoded and its decoder steps run is given
/// to it: by default an encoder and a pass of its own, on the calling
/// thread; in the daemon, the encoders and batched passes the runtime
/// shares among streams. It starts no thread itself.
public final class Transcriber {
    public let model: WhisperModel
    /// The options used when a call names none.
    public let options: DecodingOptions
    private let features: LogMelSpectrogram
    private let encoders: any EncoderProvider
    private let steps: any DecoderStepRunner
    let state: DecoderState
    private let melWindow: FloatBuffer
    /// Bytes of the encoder and pass this stream owns (none when shared).
    private let ownBytes: Int

    /// - Parameters:
    ///   - options: the default options. The decoder state is sized for the
    ///     most sequences any valid options ask for (`DecodingOptions.maximumSequences`),
    ///     its caches mapped, not filled, so every call may ask for up to that.
    ///   - encoders, steps: where windows are encoded and decoder steps run;
    ///     nil for an encoder, or a pass, of the stream's own.
    ///   - readAhead: the reader for a pass of the stream's own (`ReadAhead`);
    ///     with `steps`, the runner's own reader is the one used.
    public init(model: WhisperModel, options: DecodingOptions = DecodingOptions(),
                encoders: (any EncoderProvider)? = nil, steps: (any DecoderStepRunner)? = nil,
                readAhead: ReadAhead? = nil) throws {
        try options.validate(for: model)
        self.model = model
        self.options = options
        let d = model.dimensions
        precondition(2 * d.audioPositions == AudioConstants.framesPerWindow, "the model's window is not 30 s")
        features = LogMelSpectrogram(melBins: d.melBins)
        let ownEncoder = encoders == nil ? OwnEncoder(model: model) : nil
        let ownPass = steps == nil ? DecoderPass(model: model, readAhead: readAhead) : nil
        self.encoders = encoders ?? ownEncoder!
        self.steps = steps ?? ownPass!
        ownBytes = (ownEncoder?.bytes ?? 0) + (ownPass?.bytes ?? 0)
        state = DecoderState(model: model, maximumSequences: DecodingOptions.maximumSequences, alignmentHeads: model.alignmentHeads)
        melWindow = FloatBuffer(count: d.melBins * AudioConstants.framesPerWindow)
    }

    /// Whether decoding may use every core for its vocabulary projection and
    /// its prompts' rows: right for a stream alone on the machine, wrong when
    /// streams share the cores.
    public var decodesInParallel = false

    /// Whether other streams run beside this one. Its windows are then
    /// encoded on one thread: two OpenMP teams on the same cores spend their
    /// time waiting for each other at every barrier.
    public var sharesCores = false

    /// Bytes of this stream's preallocated buffers (shared ones not counted).
    public var workspaceBytes: Int { state.bytes + melWindow.bytes + features.bytes + ownBytes }

    /// Transcribes `audio` with `options` (the transcriber's own when nil).
    /// `progress` is told the seconds done, the total and the segments final
    /// so far (all of them, in order) before every window and at the end;
    /// returning false stops the work with `TranscriptionCancelled`, as does
    /// `isCancelled`, asked every few decoder steps.
    /// With `timed` false no clock is read (the instrumentation's baseline).
    /// `continuation` is text known to come before and at the start of the
    /// audio (a dictation's committed text).
    public func transcribe(_ audio: AudioSamples, options: DecodingOptions? = nil, continuation: Continuation = Continuation(),
                           timed: Bool = true, isCancelled: @escaping () -> Bool = { false },
                           progress: ((_ done: Double, _ total: Double, _ segments: [Segment]) -> Bool)? = nil) throws -> Transcript {
        var plan = try DecodingPlan(model: model, state: state, steps: steps, options: options ?? self.options)
        plan.search.passThreads = decodesInParallel ? ComputeThreads.available : 1
        plan.search.isCancelled = isCancelled
        let options = plan.options
        // A stream keeps resident what its usual temperature-0 search
        // touches. Wider calls, and the best-of sampling of a window that
        // fell back, give their extra sequences' pages back when done: kept,
        // every stream would in time hold `bestOf` sequences of cache.
        let usual = self.options.beamSize
        // Word timestamps touch every logit row too (an alignment runs
        // the state's full width of rows at a time).
        defer {
            if options.sequences > usual || options.wordTimestamps { state.release(sequencesFrom: usual) }
            if options.wordTimestamps { state.releaseAlignment() }
        }
        var words = WordTimestamps(splitter: WordSplitter(tokenizer: model.tokenizer))
        let samples = audio.samples
        let contentFrames = LogMelSpectrogram.contentFrames(sampleCount: samples.count)
        var statistics = TranscriptionStatistics(
            timer: StageTimer(enabled: timed, expectedWindows: contentFrames / AudioConstants.framesPerWindow + 1))
        var started = statistics.timer.begin()
        let maximum = features.prepare(samples)
        statistics.timer.end(.mel, started)

        guard continuation.prefix.count <= Continuation.maximumPrefix else { throw Continuation.PrefixTooLong() }
        var history: [Int] = []
        if let prompt = options.initialPrompt {
            history = try model.tokenizer.encode(" " + prompt.trimmingWhitespace)
        }
        history += continuation.previous
        var prefix = continuation.prefix
        var promptResetSince = 0
        var segments: [Segment] = []
        var seek = 0
        let total = Double(contentFrames) / Double(AudioConstants.framesPerSecond)
        func reportProgress() throws {
            let done = min(Double(seek) / Double(AudioConstants.framesPerSecond), total)
            if let progress, !progress(done, total, segments) { throw TranscriptionCancelled() }
        }
        while seek < contentFrames {
            try reportProgress()
            let frames = min(AudioConstants.framesPerWindow, contentFrames - seek)
            statistics.windows += 1
            let hop = AudioConstants.hopLength
            let quiet = prefix.isEmpty && plan.silence.isQuiet(samples[(seek * hop)..<min((seek + frames) * hop, samples.count)])
            /// The window's `count` frames from `seek`, encoded into the decoder's state.
            func encode(_ count: Int) throws -> Duration {
                started = statistics.timer.begin()
                features.window(of: samples, start: seek, count: count, maximum: maximum, into: melWindow.pointer)
                statistics.timer.end(.mel, started)
                started = statistics.timer.begin()
                try encoders.withEncoder(threads: sharesCores ? 1 : ComputeThreads.available) { encoder in
                    try encoder.encode(mel: melWindow.pointer, timer: &statistics.timer, isCancelled: isCancelled)
                    state.storeCrossAttention(of: encoder)
                }
                return statistics.timer.end(.encoder, started)
            }
            var encoding: Duration?
            if plan.language == nil {
                // faster-whisper detects on the first 3000 frames it computed:
                // of audio shorter than a window, one more than the window it
                // decodes (the frame after the audio). That window is heard
                // on its own, and the first window is heard even when quiet.
                let heard = min(AudioConstants.framesPerWindow, contentFrames - seek + 1)
                let detectionEncoding = try encode(heard)
                if heard == frames { encoding = detectionEncoding }
                started = statistics.timer.begin()
                plan.language = try ComputeThreads.singleThreaded { try plan.search.detectLanguage(model.languages) }
                statistics.timer.end(.language, started)
            }
            if quiet {
                statistics.silentWindows[.quiet, default: 0] += 1
                seek += frames
                continue
            }
            let windowEncoding = try encoding ?? encode(frames)

            let prompt = try plan.makePrompt(previous: history[promptResetSince...], prefix: prefix.count)
            let tokensBefore = statistics.timer.tokens
            started = statistics.timer.begin()
            let (result, verdict) = try ComputeThreads.singleThreaded {
                let result = try plan.decodeWithFallback(prompt: prompt.tokens, startIndex: prompt.startIndex, prefix: prefix,
                                                        seek: seek, statistics: &statistics)
                // A window that begins with known text holds speech.
                return (result, prefix.isEmpty ? try plan.judge(result, prompt: prompt) : .speech)
            }
            let decoding = statistics.timer.end(.decoder, started)
            statistics.timer.addWindow(.init(seek: seek, encoder: windowEncoding, decoder: decoding,
                                             tokens: statistics.timer.tokens - tokensBefore))
            if verdict != .speech {
                statistics.silentWindows[verdict, default: 0] += 1
                seek += frames
                continue
            }
            var split = plan.splitter.split(prefix + result.tokens, seek: seek, frames: frames)
            prefix = []
            if options.wordTimestamps {
                started = statistics.timer.begin()
                try align(&split, words: &words, plan: plan, seek: seek, frames: frames)
                statistics.timer.end(.alignment, started)
            }
            started = statistics.timer.begin()
            for piece in split.pieces {
                let text = model.tokenizer.decode(piece.tokens)
                guard piece.start != piece.end, !text.trimmingWhitespace.isEmpty else { continue }
                history += piece.tokens
                // Whisper may place the last timestamp past the end of the
                // audio (faster-whisper reports it as is); a subtitle must not.
                let end = min(piece.end, audio.duration)
                segments.append(Segment(
                    start: min(piece.start, end), end: end, text: text, tokens: Array(piece.tokens),
                    temperature: result.temperature, averageLogProbability: result.averageLogProbability,
                    noSpeechProbability: result.noSpeechProbability, words: piece.words))
            }
            if !options.conditionOnPreviousText || result.temperature > options.promptResetOnTemperature {
                promptResetSince = history.count
            }
            seek = split.nextSeek
            statistics.timer.end(.postprocess, started)
        }
        _ = progress?(total, total, segments)
        return Transcript(segments: segments, duration: audio.duration, language: plan.language?.code,
                          languageProbability: plan.language?.probability ?? 0, statistics: statistics)
    }
}

extension Transcriber {
    /// Times the words of a window's pieces; then, as faster-whisper does,
    /// the next window starts at the last word's end unless the text ended
    /// with a single timestamp.
    private func align(_ split: inout SegmentSplitter.Split, words: inout WordTimestamps, plan: DecodingPlan, seek: Int,
                       frames: Int) throws {
        let endOfText = model.tokenizer.special.endOfText
        let text = split.pieces.flatMap { $0.tokens.filter { $0 < endOfText } }
        let offset = Double(seek) / Double(AudioConstants.framesPerSecond)
        let alignment = try ComputeThreads.singleThreaded {
            try plan.search.align(startSequence: plan.startSequence, text: text, contentFrames: frames)
        }
        words.assign(&split.pieces, alignment: alignment, text: text, language: plan.language?.code, offset: offset)
        if !split.singleTimestampEnding, let end = WordTimestamps.end(of: split.pieces), end > offset {
            split.nextSeek = Int((end * Double(AudioConstants.framesPerSecond)).rounded(.toNearestOrEven))
        }
    }
}

/// What one call decodes with: its options, and the search, filters and
/// rules built from them over the stream's decoder state.
private struct DecodingPlan {
    let model: WhisperModel
    let options: DecodingOptions
    var search: TokenSearch
    let splitter: SegmentSplitter
    let silence: SilenceRules
    /// The language windows are decoded in: given, implied by an
    /// English-only model, or nil until the first window is heard.
    var language: DetectedLanguage?

    init(model: WhisperModel, state: DecoderState, steps: any DecoderStepRunner, options: DecodingOptions) throws {
        try options.validate(for: model)
        self.model = model
        self.options = options
        if let code = options.language ?? (model.languages.isMultilingual ? nil : "en") {
            language = DetectedLanguage(code: code, probability: 1)
        }
        let tokenizer = model.tokenizer
        let maximumInitial = Int((options.maximumInitialTimestamp / SpecialTokens.timestampSeconds).rounded())
        search = TokenSearch(
            state: state, runner: steps,
            filters: LogitFilters(
                special: tokenizer.special, vocabularySize: model.dimensions.vocabularySize,
                suppressed: model.configuration.suppressIds,
                suppressedAtBegin: options.suppressBlank ? model.configuration.suppressIdsBegin : [],
                maximumInitialTimestamp: options.withoutTimestamps ? nil : maximumInitial),
            tokenizer: tokenizer)
        splitter = SegmentSplitter(special: tokenizer.special)
        silence = SilenceRules(options: options)
    }

    /// `[<|startofprev|>, last 223 previous tokens]` when there is history,
    /// then the start-of-transcript sequence, then `<|notimestamps|>` if asked.
    /// With a forced prefix, fewer previous tokens fit: the prefix and
    /// `Continuation.maximumPrefix` new tokens keep their room.
    /// The start-of-transcript sequence in the window's language and task.
    var startSequence: [Int] {
        model.tokenizer.special.startSequence(language: language.flatMap { model.languages.token($0.code) }, task: options.task)
    }

    func makePrompt(previous: ArraySlice<Int>, prefix: Int = 0) throws -> (tokens: [Int], startIndex: Int) {
        let special = model.tokenizer.special
        var tokens: [Int] = []
        let room = min(model.dimensions.textPositions / 2 - 1,
                       model.dimensions.textPositions - Continuation.maximumPrefix - prefix - startSequence.count - 2)
        if !previous.isEmpty, room > 0 {
            tokens.append(special.startOfPrevious)
            tokens += previous.suffix(room)
        }
        let startIndex = tokens.count
        tokens += startSequence
        if options.withoutTimestamps { tokens.append(special.noTimestamps) }
        return (tokens, startIndex)
    }

    /// Decodes at each temperature of the ladder until a result passes the
    /// compression and log-probability tests (faster-whisper's
    /// `generate_with_fallback`).
    func decodeWithFallback(prompt: [Int], startIndex: Int, prefix: [Int], seek: Int,
                            statistics: inout TranscriptionStatistics) throws -> DecodingResult {
        var all: [DecodingResult] = []
        var belowCompressionThreshold: [DecodingResult] = []
        for temperature in options.temperatures {
            let strategy: TokenSearch.Strategy
            if temperature > 0 {
                let seed = options.seed ^ UInt64(seek) &* 0x9E37_79B9 ^ UInt64(temperature * 10)
                strategy = .sample(count: options.bestOf, temperature: temperature, generator: RandomGenerator(seed: seed))
            } else if options.beamSize > 1 {
                strategy = .beam(size: options.beamSize, patience: options.patience)
            } else {
                strategy = .greedy
            }
            let result = try search.run(prompt: prompt, startIndex: startIndex, prefix: prefix, strategy: strategy,
                                        temperature: temperature)
            statistics.decodes += 1
            statistics.timer.tokens += result.tokens.count + 1
            all.append(result)
            let verdict = FallbackVerdict(result, options: options)
            if verdict.compressionPassed { belowCompressionThreshold.append(result) }
            if !verdict.needsFallback { return result }
        }
        let best = (belowCompressionThreshold.isEmpty ? all : belowCompressionThreshold)
            .max { $0.averageLogProbability < $1.averageLogProbability }!
        // The last temperature tried is reported, so the prompt resets.
        return DecodingResult(tokens: best.tokens, sumLogProbability: best.sumLogProbability,
                              noSpeechProbability: best.noSpeechProbability,
                              temperature: options.temperatures.last!, text: best.text)
    }

    func judge(_ result: DecodingResult, prompt: (tokens: [Int], startIndex: Int)) throws -> SilenceVerdict {
        if silence.isNoSpeech(result) { return .noSpeech }
        if silence.needsGreedyCheck(result) {
            let greedy = try search.run(prompt: prompt.tokens, startIndex: prompt.startIndex, strategy: .greedy, temperature: 0)
            if silence.isNoSpeech(greedy) { return .noSpeechWhenGreedy }
        }
        return .speech
    }
}

/// The caller's progress callback asked to stop.
public struct TranscriptionCancelled: Error, Hashable, Sendable {
    public init() {}
}
