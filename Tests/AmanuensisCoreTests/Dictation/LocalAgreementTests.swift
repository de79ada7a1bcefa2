@testable import AmanuensisCore
import Foundation
import TestSupport
import Testing

/// The commit policy alone, fed passes written by hand: what two passes
/// agree on is committed in whole words, never revised, and the final text
/// is the commits joined.
@Suite struct LocalAgreementTests {
    let tokenizer: Tokenizer

    init() throws { tokenizer = try SharedModels.tinyEnglish.get().tokenizer }

    /// A pass as the transcriber returns it: segments of (start, end, text), times from the buffer's start.
    func pass(_ segments: (Double, Double, String)...) throws -> [Segment] {
        let begin = tokenizer.special.timestampBegin
        return try segments.map { start, end, text in
            Segment(start: start, end: end, text: text,
                    tokens: [begin + Int(start / 0.02)] + (try tokenizer.encode(text)) + [begin + Int(end / 0.02)],
                    temperature: 0, averageLogProbability: 0, noSpeechProbability: 0, words: [])
        }
    }

    @Test func wordsTwoPassesAgreeOnAreCommittedButTheLastOne() throws {
        var agreement = LocalAgreement(tokenizer: tokenizer)
        let first = agreement.absorb(try pass((0, 2, " And so my fellow")), bufferDuration: 2)
        #expect(first.commit == nil)
        #expect(first.tail?.text == " And so my fellow")
        let second = agreement.absorb(try pass((0, 3, " And so my fellow Americans")), bufferDuration: 3)
        #expect(second.commit?.text == " And so my")
        #expect(second.tail?.text == " fellow Americans")
        let third = agreement.absorb(try pass((0, 4, " And so my fellow Americans ask")), bufferDuration: 4)
        #expect(third.commit?.text == " fellow")
        #expect(third.tail?.text == " Americans ask")
    }

    @Test func theLastWordWaitsForTheOneAfterItAndOneMorePass() throws {
        var agreement = LocalAgreement(tokenizer: tokenizer)
        _ = agreement.absorb(try pass((0, 1, " And so")), bufferDuration: 1)
        #expect(agreement.absorb(try pass((0, 1.5, " And so")), bufferDuration: 1.5).commit == nil)
        let update = agreement.absorb(try pass((0, 2, " And so my")), bufferDuration: 2)
        #expect(update.commit?.text == " And")
        #expect(update.tail?.text == " so my")
    }

    @Test func passesThatDisagreeCommitNothing() throws {
        var agreement = LocalAgreement(tokenizer: tokenizer)
        _ = agreement.absorb(try pass((0, 2, " ask not what")), bufferDuration: 2)
        #expect(agreement.absorb(try pass((0, 2.5, " as knot what you")), bufferDuration: 2.5).commit == nil)
    }

    @Test func aPassThatDoesNotContinueTheCommittedTextIsIgnored() throws {
        var agreement = LocalAgreement(tokenizer: tokenizer)
        _ = agreement.absorb(try pass((0, 2, " And so my fellow")), bufferDuration: 2)
        _ = agreement.absorb(try pass((0, 3, " And so my fellow Americans")), bufferDuration: 3)
        let update = agreement.absorb(try pass((0, 3.5, " Hand sewn my fellow Americans")), bufferDuration: 3.5)
        #expect(update == LocalAgreement.Update())
        #expect(agreement.text == " And so my")
    }

    @Test func theFinalTextIsEveryCommitJoinedAndTheFlushCommitsTheRest() throws {
        var agreement = LocalAgreement(tokenizer: tokenizer)
        var commits: [TimedText] = []
        for update in [
            agreement.absorb(try pass((0, 2, " And so my")), bufferDuration: 2),
            agreement.absorb(try pass((0, 3, " And so my fellow")), bufferDuration: 3),
            agreement.absorb(try pass((0, 4, " And so my fellow Americans")), bufferDuration: 4),
            // The flush pass heard more than the latest partial: it commits all of it.
            agreement.flush(try pass((0, 4.5, " And so my fellow Americans,"), (4.5, 6, " ask not.")), bufferDuration: 6),
        ] {
            if let commit = update.commit { commits.append(commit) }
        }
        #expect(commits.map(\.text).joined() == " And so my fellow Americans, ask not.")
        #expect(agreement.text == commits.map(\.text).joined())
        #expect(agreement.segments.map(\.text) == [" And so my fellow Americans,", " ask not."])
        #expect(zip(commits.dropFirst(), commits).allSatisfy { $0.start >= $1.end })
    }

    @Test func theLatestPassIsTheFinalOneWhenNothingCameAfterIt() throws {
        var agreement = LocalAgreement(tokenizer: tokenizer)
        _ = agreement.absorb(try pass((0, 2, " And so my")), bufferDuration: 2)
        _ = agreement.absorb(try pass((0, 3, " And so my fellow Americans.")), bufferDuration: 3.3)
        let update = agreement.flushLatest(bufferDuration: 3.3)
        #expect(agreement.text == " And so my fellow Americans.")
        #expect(update.commit?.text == " my fellow Americans.")
    }

    @Test func aLongBufferDropsItsCommittedSegmentsAndTheirTextBecomesThePrompt() throws {
        var agreement = LocalAgreement(tokenizer: tokenizer, trimAfter: 5)
        let speech = try pass((0, 3, " And so my fellow Americans,"), (3, 6, " ask not what"))
        _ = agreement.absorb(speech, bufferDuration: 6)
        let update = agreement.absorb(try pass((0, 3, " And so my fellow Americans,"), (3, 6.5, " ask not what your country")),
                                      bufferDuration: 6.5)
        #expect(update.commit?.text == " And so my fellow Americans, ask not")
        #expect(update.drop == 3)
        #expect(agreement.bufferStart == 3)
        let continuation = agreement.continuation
        #expect(tokenizer.decode(continuation.previous) == " And so my fellow Americans,")
        // The segment still in the buffer is forced from the buffer's new start.
        #expect(continuation.prefix.first == tokenizer.special.timestampBegin)
        #expect(tokenizer.decode(continuation.prefix) == " ask not")
    }

    @Test func longSilenceWithNothingPendingIsDroppedButTheLastSecond() throws {
        var agreement = LocalAgreement(tokenizer: tokenizer)
        #expect(agreement.skipSilence(bufferDuration: 10, keep: 1) == 0)
        #expect(agreement.skipSilence(bufferDuration: 30, keep: 1) == 29)
        #expect(agreement.bufferStart == 29)
        #expect(agreement.continuation == Continuation())
    }

    @Test func aPauseCommitsTheUtteranceAndKeepsItsAudioForWhatFollows() throws {
        var agreement = LocalAgreement(tokenizer: tokenizer)
        _ = agreement.absorb(try pass((0, 2, " And so my")), bufferDuration: 2)
        let pause = agreement.flush(try pass((0, 2.5, " And so my fellow Americans.")), bufferDuration: 3.5)
        #expect(pause.commit?.text == " And so my fellow Americans.")
        #expect(pause.drop == 0)
        // The next pass continues the utterance's text, closed at its end.
        #expect(tokenizer.decode(agreement.continuation.prefix) == " And so my fellow Americans.")
        #expect(agreement.continuation.prefix.last == tokenizer.special.timestampBegin + 125)
        let next = agreement.absorb(try pass((0, 2.5, " And so my fellow Americans."), (3, 4, " Ask not")), bufferDuration: 4)
        #expect(next.tail?.text == " Ask not")
    }
}
