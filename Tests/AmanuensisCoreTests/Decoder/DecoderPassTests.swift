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
    /// row table (23), of the GEMM (80) and of the longest prompts (300) give
    /// the logits and the alignment scores of one thread, bit for bit, so a
    /// transcript and its word timestamps do not depend on the daemon's load.
    @Test(arguments: [23, 80, 300])
    func aPromptOnTheTeamGivesTheLogitsOfOneThread(rows: Int) throws {
        let model = try SharedModels.tinyEnglish.get()
        let encoder = try NetworkStageTests.encode(model)
        let start = model.tokenizer.special.startSequence(language: nil, task: .transcribe)
        let prompt = start + (0..<(rows - start.count)).map { 300 + 7 * $0 }
        let pass = DecoderPass(model: model)
        let runs = [1, max(ComputeThreads.available, 2)].map { threads in
            let state = DecoderState(model: model, maximumSequences: 1, alignmentHeads: model.alignmentHeads)
            state.storeCrossAttention(of: encoder)
            var step = DecoderStep(state: state, tokens: prompt, sequences: 1, position: 0, logitRows: [rows - 1], threads: threads)
            step.alignmentRow = 0
            pass.run(CollectionOfOne(step), threads: threads)
            return (logits: Array(UnsafeBufferPointer(start: state.logits.pointer, count: model.dimensions.vocabularySize)),
                    scores: Self.alignmentScores(state, rows: rows))
        }
        #expect(runs[0].logits == runs[1].logits)
        #expect(runs[0].scores == runs[1].scores)
    }

    /// A prompt's cross-attention runs the fused kernel, a step's few rows
    /// the scores kernel: the prompt's tokens run a few at a time give the
    /// same logits and keep the same alignment-head scores (word
    /// timestamps'), to float32's rounding.
    @Test func aPromptGivesWhatItsTokensRunAFewAtATimeGive() throws {
        let model = try SharedModels.tinyEnglish.get()
        let encoder = try NetworkStageTests.encode(model)
        let d = model.dimensions
        let start = model.tokenizer.special.startSequence(language: nil, task: .transcribe)
        let prompt = start + (0..<77).map { 300 + 7 * $0 }
        let pass = DecoderPass(model: model)
        let runs = [prompt.count, DecoderPass.teamRows - 1].map { stepRows in
            let state = DecoderState(model: model, maximumSequences: 1, alignmentHeads: model.alignmentHeads)
            state.storeCrossAttention(of: encoder)
            for first in stride(from: 0, to: prompt.count, by: stepRows) {
                let tokens = Array(prompt[first..<min(first + stepRows, prompt.count)])
                var step = DecoderStep(state: state, tokens: tokens, sequences: 1, position: first,
                                       logitRows: [tokens.count - 1], threads: 1)
                step.alignmentRow = first
                pass.run(CollectionOfOne(step), threads: 1)
            }
            return (logits: Array(UnsafeBufferPointer(start: state.logits.pointer, count: d.vocabularySize)),
                    scores: Self.alignmentScores(state, rows: prompt.count))
        }
        let logits = zip(runs[0].logits, runs[1].logits).map { abs($0 - $1) }.max()!
        let scores = zip(runs[0].scores, runs[1].scores).map { abs($0 - $1) }.max()!
        #expect(!runs[0].scores.isEmpty && !runs[0].scores.contains(0), "an alignment head's scores were not kept")
        #expect(logits <= 1e-3 && scores <= 1e-3, "logits differ by \(logits), alignment scores by \(scores)")
    }

    /// Keeping the alignment heads' scores leaves a prompt's logits alone,
    /// bit for bit: a word's probability is read from the text's logits.
    @Test func keepingAlignmentScoresLeavesAPromptsLogitsAlone() throws {
        let model = try SharedModels.tinyEnglish.get()
        let encoder = try NetworkStageTests.encode(model)
        let start = model.tokenizer.special.startSequence(language: nil, task: .transcribe)
        let prompt = start + (0..<40).map { 300 + 7 * $0 }
        let pass = DecoderPass(model: model)
        let logits = [nil, 0].map { (alignmentRow: Int?) in
            let state = DecoderState(model: model, maximumSequences: 1, alignmentHeads: model.alignmentHeads)
            state.storeCrossAttention(of: encoder)
            var step = DecoderStep(state: state, tokens: prompt, sequences: 1, position: 0, logitRows: [prompt.count - 1],
                                   threads: ComputeThreads.available)
            step.alignmentRow = alignmentRow
            pass.run(CollectionOfOne(step), threads: ComputeThreads.available)
            return Array(UnsafeBufferPointer(start: state.logits.pointer, count: model.dimensions.vocabularySize))
        }
        #expect(logits[0] == logits[1])
    }

    /// The first `rows` rows of every alignment head's scores.
    static func alignmentScores(_ state: DecoderState, rows: Int) -> [Float] {
        let d = state.dimensions
        return (0..<state.alignmentHeads.count).flatMap { slot in
            UnsafeBufferPointer(start: state.alignmentScores.pointer + slot * d.textPositions * d.audioPositions,
                                count: rows * d.audioPositions)
        }
    }
}
