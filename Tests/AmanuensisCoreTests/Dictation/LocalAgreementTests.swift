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
        let first = agreement.absorb(try pass((0, 3, " And so my fellow")), wholeBuffer: 3)
        #expect(first.commit == nil)
        #expect(first.tail?.text == " And so my fellow")
        let second = agreement.absorb(try pass((0, 4, " And so my fellow Americans")), wholeBuffer: 4)
        #expect(second.commit?.text == " And so my")
        #expect(second.tail?.text == " fellow Americans")
        let third = agreement.absorb(try pass((0, 5, " And so my fellow Americans ask")), wholeBuffer: 5)
        #expect(third.commit?.text == " fellow")
        #expect(third.tail?.text == " Americans ask")
    }

    @Test func theLastWordWaitsForTheOneAfterItAndOneMorePass() throws {
        var agreement = LocalAgreement(tokenizer: tokenizer)
        _ = agreement.absorb(try pass((0, 3, " And so")), wholeBuffer: 3)
        #expect(agreement.absorb(try pass((0, 3.5, " And so")), wholeBuffer: 3.5).commit == nil)
        let update = agreement.absorb(try pass((0, 4, " And so my")), wholeBuffer: 4)
        #expect(update.commit?.text == " And")
        #expect(update.tail?.text == " so my")
    }

    /// Modelled on LJ001-0029, whose first words two short passes misread alike.
    @Test func theFirstWordsWaitForTwoPassesThatHeardThreeSeconds() throws {
        var agreement = LocalAgreement(tokenizer: tokenizer)
        _ = agreement.absorb(try pass((0, 2, " but they'll want the hole.")), wholeBuffer: 2)
        #expect(agreement.absorb(try pass((0, 3, " but they'll want the hole, except")), wholeBuffer: 3).commit == nil)
        let corrected = agreement.absorb(try pass((0, 4, " But, though on the whole, except in Italy,")), wholeBuffer: 4)
        #expect(corrected.commit == nil)
        #expect(corrected.tail?.text == " But, though on the whole, except in Italy,")
        let late = agreement.absorb(try pass((0, 4.9, " But, though on the whole, except in Italy, Gothic")), wholeBuffer: 4.9)
        #expect(late.commit?.text == " But, though on the whole, except in")
        #expect(agreement.text == " But, though on the whole, except in")
    }

    @Test func aPassThatHeardTooLittleLeavesTheFirstWordsToTheNext() throws {
        var agreement = LocalAgreement(tokenizer: tokenizer)
        _ = agreement.absorb(try pass((0, 2.5, " And so my fellow")), heard: 2.5, bufferDuration: 3.2)
        #expect(agreement.absorb(try pass((0, 3.4, " And so my fellow Americans")), wholeBuffer: 3.4).commit == nil)
        #expect(agreement.absorb(try pass((0, 4, " And so my fellow Americans ask")), wholeBuffer: 4).commit?.text
            == " And so my fellow")
    }

    /// A forced commit closes every piece and the trim drops them: what the
    /// last pass heard before the cut is not heard of the buffer that is left.
    @Test func afterTheBufferDropsAllItsTextTheFirstWordsWaitAgain() throws {
        var agreement = LocalAgreement(tokenizer: tokenizer, trimAfter: 5, forceAfter: 5)
        let forced = agreement.absorb(try pass((0, 4, " And so my fellow Americans,"), (4, 5.5, " ask not")), wholeBuffer: 5.5)
        #expect(forced.commit?.text == " And so my fellow Americans,")
        #expect(forced.drop == 4)
        let short = agreement.absorb(try pass((0, 2, " ask not what your")), wholeBuffer: 2)
        #expect(short.commit == nil)
        #expect(agreement.absorb(try pass((0, 2.5, " ask not what your country")), wholeBuffer: 2.5).commit == nil)
    }

    @Test func passesThatDisagreeCommitNothing() throws {
        var agreement = LocalAgreement(tokenizer: tokenizer)
        _ = agreement.absorb(try pass((0, 3, " ask not what")), wholeBuffer: 3)
        #expect(agreement.absorb(try pass((0, 3.5, " as knot what you")), wholeBuffer: 3.5).commit == nil)
    }

    @Test func aPassThatDoesNotContinueTheCommittedTextIsIgnored() throws {
        var agreement = LocalAgreement(tokenizer: tokenizer)
        _ = agreement.absorb(try pass((0, 3, " And so my fellow")), wholeBuffer: 3)
        _ = agreement.absorb(try pass((0, 4, " And so my fellow Americans")), wholeBuffer: 4)
        let update = agreement.absorb(try pass((0, 4.5, " Hand sewn my fellow Americans")), wholeBuffer: 4.5)
        #expect(update == LocalAgreement.Update())
        #expect(agreement.text == " And so my")
    }

    @Test func theFinalTextIsEveryCommitJoinedAndTheFlushCommitsTheRest() throws {
        var agreement = LocalAgreement(tokenizer: tokenizer)
        var commits: [TimedText] = []
        for update in [
            agreement.absorb(try pass((0, 3, " And so my")), wholeBuffer: 3),
            agreement.absorb(try pass((0, 4, " And so my fellow")), wholeBuffer: 4),
            agreement.absorb(try pass((0, 5, " And so my fellow Americans")), wholeBuffer: 5),
            // The flush pass heard more than the latest partial: it commits all of it.
            agreement.flush(try pass((0, 5.5, " And so my fellow Americans,"), (5.5, 7, " ask not.")), bufferDuration: 7),
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
        _ = agreement.absorb(try pass((0, 3, " And so my")), wholeBuffer: 3)
        _ = agreement.absorb(try pass((0, 4, " And so my fellow Americans.")), wholeBuffer: 4.3)
        let update = agreement.flushLatest(bufferDuration: 4.3)
        #expect(agreement.text == " And so my fellow Americans.")
        #expect(update.commit?.text == " my fellow Americans.")
    }

    @Test func aLongBufferDropsItsCommittedSegmentsAndTheirTextBecomesThePrompt() throws {
        var agreement = LocalAgreement(tokenizer: tokenizer, trimAfter: 5)
        let speech = try pass((0, 3, " And so my fellow Americans,"), (3, 6, " ask not what"))
        _ = agreement.absorb(speech, wholeBuffer: 6)
        let update = agreement.absorb(try pass((0, 3, " And so my fellow Americans,"), (3, 6.5, " ask not what your country")),
                                      wholeBuffer: 6.5)
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
        _ = agreement.absorb(try pass((0, 2, " And so my")), wholeBuffer: 2)
        let pause = agreement.flush(try pass((0, 2.5, " And so my fellow Americans.")), bufferDuration: 3.5)
        #expect(pause.commit?.text == " And so my fellow Americans.")
        #expect(pause.drop == 0)
        // The next pass continues the utterance's text, closed at its end.
        #expect(tokenizer.decode(agreement.continuation.prefix) == " And so my fellow Americans.")
        #expect(agreement.continuation.prefix.last == tokenizer.special.timestampBegin + 125)
        let next = agreement.absorb(try pass((0, 2.5, " And so my fellow Americans."), (3, 4, " Ask not")), wholeBuffer: 4)
        #expect(next.tail?.text == " Ask not")
    }
}

extension LocalAgreement {
    /// A pass over all the audio in the buffer, none having arrived while it ran.
    mutating func absorb(_ segments: [Segment], wholeBuffer seconds: Double) -> Update {
        absorb(segments, heard: seconds, bufferDuration: seconds)
    }
}
