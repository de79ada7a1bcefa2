@testable import AmanuensisCore
import Foundation
import TestSupport
import Testing

/// A pass over several streams' steps gives each stream what a pass over its
/// step alone would: the rows share the products, never their caches.
@Suite struct DecoderPassTests {
    struct Request {
        let tokens: [Int]
        let sequences: Int
        let position: Int
        let logitRows: [Int]
    }

    static func step(_ state: DecoderState, _ request: Request) -> DecoderStep {
        DecoderStep(state: state, tokens: request.tokens, sequences: request.sequences, position: request.position,
                    logitRows: request.logitRows, threads: 1)
    }

    @Test func aBatchedPassGivesEachStreamTheLogitsOfAPassAlone() throws {
        let model = try SharedModels.tinyEnglish.get()
        let encoder = try NetworkStageTests.encode(model)
        let special = model.tokenizer.special
        func decoder() -> DecoderState {
            let state = DecoderState(model: model, maximumSequences: 2)
            state.storeCrossAttention(of: encoder)
            return state
        }
        let first = special.startSequence(language: nil, task: .transcribe), second = first + [special.noTimestamps]
        // Two steps of two streams: their prompts, then a token each (two sequences for the second).
        let rounds: [[Request]] = [
            [Request(tokens: first, sequences: 1, position: 0, logitRows: [first.count - 1]),
             Request(tokens: second, sequences: 1, position: 0, logitRows: [second.count - 1])],
            [Request(tokens: [440], sequences: 1, position: first.count, logitRows: [0]),
             Request(tokens: [440, 843], sequences: 2, position: second.count, logitRows: [0, 1])],
        ]
        let alone = [decoder(), decoder()], together = [decoder(), decoder()]
        let pass = DecoderPass(model: model)
        for round in rounds {
            for (decoder, request) in zip(alone, round) { pass.run(CollectionOfOne(Self.step(decoder, request)), threads: 1) }
            pass.run(zip(together, round).map { Self.step($0, $1) }, threads: 1)
            for (index, request) in round.enumerated() {
                let count = request.logitRows.count * model.dimensions.vocabularySize
                let difference = (0..<count).map { abs(alone[index].logits[$0] - together[index].logits[$0]) }.max()!
                #expect(difference <= 1e-3, "stream \(index): logits differ by \(difference)")
            }
        }
    }

    /// A lone stream's prompt runs its layers on the team: the rows of the
    /// row table (23), of the GEMM (80) and of a prompt whose cross-attention
    /// takes its scratch in slices (300) give the logits of one thread, bit
    /// for bit, so a transcript does not depend on the daemon's load.
    @Test(arguments: [23, 80, 300])
    func aPromptOnTheTeamGivesTheLogitsOfOneThread(rows: Int) throws {
        let model = try SharedModels.tinyEnglish.get()
        let encoder = try NetworkStageTests.encode(model)
        let start = model.tokenizer.special.startSequence(language: nil, task: .transcribe)
        let prompt = start + (0..<(rows - start.count)).map { 300 + 7 * $0 }
        let pass = DecoderPass(model: model)
        let logits = [1, max(ComputeThreads.available, 2)].map { threads in
            let state = DecoderState(model: model, maximumSequences: 1)
            state.storeCrossAttention(of: encoder)
            pass.run(CollectionOfOne(DecoderStep(state: state, tokens: prompt, sequences: 1, position: 0,
                                                 logitRows: [rows - 1], threads: threads)), threads: threads)
            return Array(UnsafeBufferPointer(start: state.logits.pointer, count: model.dimensions.vocabularySize))
        }
        #expect(logits[0] == logits[1])
    }
}
