@testable import AmanuensisCore
import AmanuensisKernels
import Foundation
import TestSupport
import Testing

/// Each network stage against CTranslate2's own tensors for jfk.wav
/// (../shared/fixtures/jfk, float32).
@Suite struct NetworkStageTests {
    static func fixture(_ name: String) throws -> [Float] {
        let url = TestPaths.fixtures.appendingPathComponent("jfk/\(name)")
        guard FileManager.default.fileExists(atPath: url.path) else {
            Issue.record("The shared fixtures are missing at \(url.path).")
            throw Corpus.CorpusMissing()
        }
        return try Data(contentsOf: url).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    /// An encoder holding the fixture's encoded window.
    static func encode(_ model: WhisperModel) throws -> AudioEncoder {
        let mel = FloatBuffer(try fixture("mel_80x3000.f32"))
        let encoder = AudioEncoder(model: model)
        var timer = StageTimer(enabled: false)
        try withExtendedLifetime(mel) { try encoder.encode(mel: mel.pointer, timer: &timer) }
        return encoder
    }

    @Test func encoderOutputMatchesCTranslate2() throws {
        let model = try SharedModels.tinyEnglish.get()
        let ours = try Self.encode(model).output
        let reference = try Self.fixture("encoder_1500x384.f32")
        let largest = (0..<reference.count).map { abs(ours[$0] - reference[$0]) }.max()!
        #expect(largest <= 2e-3, "max abs difference \(largest)")
    }

    /// A decoder on the fixture's encoded window, with the greedy filters.
    static func greedySearch(_ model: WhisperModel) throws -> TokenSearch {
        let state = DecoderState(model: model, maximumSequences: 1)
        state.storeCrossAttention(of: try encode(model))
        let filters = LogitFilters(special: model.tokenizer.special, vocabularySize: model.dimensions.vocabularySize,
                                   suppressed: model.configuration.suppressIds,
                                   suppressedAtBegin: model.configuration.suppressIdsBegin, maximumInitialTimestamp: 50)
        return TokenSearch(state: state, runner: DecoderPass(model: model), filters: filters, tokenizer: model.tokenizer)
    }

    @Test func firstStepLogProbabilitiesMatchCTranslate2() throws {
        let model = try SharedModels.tinyEnglish.get()
        let search = try Self.greedySearch(model)
        let vocabulary = model.dimensions.vocabularySize
        search.forward(tokens: [model.tokenizer.special.startOfTranscript], sequences: 1, position: 0, logitRows: [0])
        // Every entry as float16 gives it, not only those a search would read.
        for entry in 0..<vocabulary { search.state.screen?.exact(row: 0, logits: search.state.logits.pointer, entry: entry) }
        var logits = search.state.logits.array
        logits.withUnsafeMutableBufferPointer { search.filters.apply($0.baseAddress!, generated: []) { _ in } }
        let total = CPUKernels.selected.logsumexp(logits, vocabulary)
        // CTranslate2 masks with the lowest float rather than −∞, and the file
        // holds the masked logits: normalize them as ours are.
        let masked = { (value: Float) in value < -1e30 }
        var reference = try Self.fixture("logprobs_step0_51864.f32")
        let referenceTotal = CPUKernels.selected.logsumexp(reference.map { masked($0) ? -.infinity : $0 }, vocabulary)
        reference = reference.map { masked($0) ? $0 : $0 - referenceTotal }
        let maskDisagreements = (0..<vocabulary).filter { masked(reference[$0]) != (logits[$0] == -.infinity) }
        #expect(maskDisagreements.isEmpty, "masked in only one of the two: \(maskDisagreements.prefix(10))")
        let largest = (0..<vocabulary).filter { !masked(reference[$0]) && logits[$0] > -.infinity }
            .map { abs(logits[$0] - total - reference[$0]) }.max() ?? 0
        #expect(largest <= 2e-3, "max abs difference \(largest)")
    }

    /// On the fixture's window (1101 frames: the clip's frames plus the one
    /// faster-whisper computes past them), greedy search picks CTranslate2's tokens.
    @Test func greedyTokensMatchCTranslate2() throws {
        let model = try SharedModels.tinyEnglish.get()
        let result = try Self.greedySearch(model).run(
            prompt: [model.tokenizer.special.startOfTranscript], startIndex: 0, strategy: .greedy, temperature: 0)
        #expect(result.tokens == [50363, 843, 523, 616, 5891, 3399, 1265, 407, 644, 534, 1499, 460, 466, 329, 345, 50740,
                                  50740, 1265, 644, 345, 460, 466, 329, 534, 1499, 50892])
        // CTranslate2's score is the sum divided by the length (penalty 1).
        #expect(abs(result.sumLogProbability / Double(result.tokens.count) - -0.40047723054885864) < 1e-3)
        #expect(abs(result.noSpeechProbability - 0.06419390439987183) < 1e-3)
    }
}
