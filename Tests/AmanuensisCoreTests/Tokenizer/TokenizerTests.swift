import AmanuensisCore
import TestSupport
import Testing

@Suite struct TokenizerTests {
    @Test func encodesWithTheModelsMerges() throws {
        let tokenizer = try SharedModels.tinyEnglish.get().tokenizer
        #expect(try tokenizer.encode(" Hello world, it's 5 o'clock.") == [18435, 995, 11, 340, 338, 642, 267, 6, 15750, 13])
    }

    @Test func decodingRoundTripsTextOfAnyScript() throws {
        let tokenizer = try SharedModels.tinyEnglish.get().tokenizer
        for text in [" Café déjà vu", " 東京タワー", " ♪ la la ♪", " tabs\tand\nnewlines"] {
            #expect(tokenizer.decode(try tokenizer.encode(text)) == text)
        }
    }

    @Test func aCharacterSplitAcrossTokensComesOutWhole() throws {
        let tokenizer = try SharedModels.tinyEnglish.get().tokenizer
        let ids = try tokenizer.encode("♪")
        #expect(ids.count > 1, "♪ is three bytes; the test needs it split across tokens")
        #expect(tokenizer.decode(ids) == "♪")
        #expect(tokenizer.decode(ids.prefix(1)) == "\u{FFFD}")
    }

    @Test func controlAndTimestampTokensAreNotText() throws {
        let tokenizer = try SharedModels.tinyEnglish.get().tokenizer
        let special = tokenizer.special
        let ids = [special.startOfTranscript, special.timestampBegin] + (try tokenizer.encode(" Hi")) + [special.endOfText]
        #expect(tokenizer.decode(ids) == " Hi")
    }
}
