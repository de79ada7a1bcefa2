@testable import AmanuensisCore
import Foundation
import TestSupport
import Testing

/// The decoder's read-ahead reads what a lone step's layers read, from a
/// thread nothing waits for, and changes nothing the step computes.
@Suite struct ReadAheadTests {
    /// A reader on a thread of the test's, and a way to wait for its end.
    static func serving(_ model: WhisperModel) -> (ReadAhead, ended: DispatchSemaphore) {
        let readAhead = ReadAhead(model: model), ended = DispatchSemaphore(value: 0)
        Thread { readAhead.serve(); ended.signal() }.start()
        return (readAhead, ended)
    }

    @Test func aStepIsReadWholeUntilItsLayersEndAndItsStateIsLetGo() throws {
        let model = try SharedModels.tinyEnglish.get()
        let (readAhead, ended) = Self.serving(model)
        var state: DecoderState? = DecoderState(model: model, maximumSequences: 1)
        weak let handed = state
        let layers = model.weights.decoderLayers
        let whole = layers.indices.reduce(0) { sum, index in
            sum + layers[index].linears.reduce(0) { $0 + $1.weight.region.count } + state!.crossAttentionBytes(layer: index).count
        }
        readAhead.begin(state!)
        state = nil
        let deadline = ContinuousClock.now + .seconds(10)
        while readAhead.bytesRead.load(ordering: .relaxed) < whole && ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.001)
        }
        #expect(readAhead.bytesRead.load(ordering: .relaxed) == whole, "the layers' weights and the step's keys and values")
        readAhead.end()
        readAhead.stop()
        #expect(ended.wait(timeout: .now() + 10) == .success, "the reader did not stop")
        #expect(handed == nil, "the reader still holds the step's state")
    }

    @Test func aStepThatEndsIsNotReadFurther() throws {
        let model = try SharedModels.tinyEnglish.get()
        let readAhead = ReadAhead(model: model)
        let state = DecoderState(model: model, maximumSequences: 1)
        readAhead.begin(state)
        readAhead.end()
        let ended = DispatchSemaphore(value: 0)
        Thread { readAhead.serve(); ended.signal() }.start()
        readAhead.stop()
        #expect(ended.wait(timeout: .now() + 10) == .success, "the reader did not stop")
        #expect(readAhead.bytesRead.load(ordering: .relaxed) == 0)
    }

    /// Only the bytes' reading changes: a pass that reads ahead decodes as
    /// one that does not, bit for bit.
    @Test func readingAheadLeavesTheLogitsAlone() throws {
        let model = try SharedModels.tinyEnglish.get()
        let encoder = try NetworkStageTests.encode(model)
        let prompt = model.tokenizer.special.startSequence(language: nil, task: .transcribe)
        let (readAhead, ended) = Self.serving(model)
        let logits = [DecoderPass(model: model), DecoderPass(model: model, readAhead: readAhead)].map { pass in
            let state = DecoderState(model: model, maximumSequences: 1)
            state.storeCrossAttention(of: encoder)
            for (position, token) in (prompt + [440, 843, 1110]).enumerated() {
                pass.run(CollectionOfOne(DecoderStep(state: state, tokens: [token], sequences: 1, position: position,
                                                     logitRows: [0], threads: ComputeThreads.available)),
                         threads: ComputeThreads.available)
            }
            return Array(UnsafeBufferPointer(start: state.logits.pointer, count: model.dimensions.vocabularySize))
        }
        #expect(logits[0] == logits[1])
        readAhead.stop()
        #expect(ended.wait(timeout: .now() + 10) == .success, "the reader did not stop")
    }
}
