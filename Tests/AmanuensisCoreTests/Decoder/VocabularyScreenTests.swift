@testable import AmanuensisCore
import AmanuensisKernels
import Foundation
import TestSupport
import Testing

/// A screened embedding projects the text tokens through int8 rows; once a
/// search settles a row, its largest entries are float16's, ranked as
/// float16's are, and every other entry is within its bound of float16's.
@Suite struct VocabularyScreenTests {
    static func largest(_ values: [Float], _ count: Int) -> [Int] {
        Array(values.indices.sorted { values[$0] > values[$1] }.prefix(count))
    }

    /// Greedy steps over jfk.wav's window, each checked three ways: as
    /// projected, as settled for its `top` largest, and wholly from float16.
    @Test(arguments: [1, 6])
    func settledLogitsRankTheirLargestAsFloat16Does(top: Int) throws {
        try Self.expectSettledRowsRankAsFloat16Does(try SharedModels.tinyEnglish.get(), top: top)
    }

    /// A file may store the embedding in float32, in values float16 cannot
    /// hold: the screen's int8 rows are then quantized from the float16
    /// rows it projects again, so that the bounds are theirs.
    @Test func anEmbeddingStoredInFloat32IsScreenedAsFloat16Is() throws {
        let file = try CTranslate2File(path: TestPaths.model("tiny.en").appendingPathComponent("model.bin").path)
        var variables = file.variables
        let stored = try #require(variables["decoder/embeddings/weight"])
        var wide = [Float](repeating: 0, count: stored.elementCount)
        am_f16_to_f32(stored.data.baseAddress, &wide, wide.count)
        // A quarter of float16's step off every third weight: float16 rounds it back.
        for index in stride(from: 0, to: wide.count, by: 3) { wide[index] *= 1 + 0x1p-12 }
        let contents = wide.withUnsafeBytes { bytes in
            variables[stored.name] = .init(name: stored.name, shape: stored.shape, type: .float32, data: bytes)
            return CTranslate2Writer.serialize(variables.values.filter { $0.name != "decoder/projection/weight" })
        }
        let directory = try ModelLoadingTests.modelDirectory(modelBin: contents)
        let model = try WhisperModel(directory: directory.url)
        guard case .screened(let exact, let screen) = model.weights.embedding else {
            Issue.record("float32's embedding is screened")
            return
        }
        let width = model.dimensions.width
        var row = [Float](repeating: 0, count: width), quantized = [Int8](repeating: 0, count: width)
        for token in stride(from: 0, to: model.dimensions.vocabularySize, by: 97) {
            exact.runs(token..<(token + 1)) { _, half in am_f16_to_f32(half, &row, width) }
            let scale = CPUKernels.selected.quantize_s8(row, &quantized, width)
            #expect(scale == screen.scales[token], "token \(token)'s scale")
            #expect(quantized == Array(UnsafeBufferPointer(start: screen.pointer + token * width, count: width)), "token \(token)")
        }
        try Self.expectSettledRowsRankAsFloat16Does(model, top: 1)
        withExtendedLifetime(file) {}
    }

    static func expectSettledRowsRankAsFloat16Does(_ model: WhisperModel, top: Int) throws {
        let search = try NetworkStageTests.greedySearch(model)
        let screen = try #require(search.state.screen, "the embedding is screened")
        let vocabulary = model.dimensions.vocabularySize
        let logits = search.state.logits.pointer
        let row = { Array(UnsafeBufferPointer(start: logits, count: vocabulary)) }
        var input = [model.tokenizer.special.startOfTranscript], position = 0
        for step in 0..<12 {
            search.forward(tokens: input, sequences: 1, position: position, logitRows: [input.count - 1])
            position += input.count
            let projected = row()
            screen.settle(row: 0, logits: logits, below: vocabulary, top: top)
            let settled = row()
            for entry in 0..<vocabulary { screen.exact(row: 0, logits: logits, entry: entry) }
            let exact = row()

            let best = Self.largest(exact, top)
            #expect(Self.largest(settled, top) == best, "step \(step)")
            #expect(best.allSatisfy { settled[$0] == exact[$0] }, "step \(step): the largest are float16's")
            let outside = (0..<vocabulary).filter { abs(projected[$0] - exact[$0]) > screen.bound(row: 0, entry: $0) }
            #expect(outside.isEmpty, "step \(step): entries beyond their bound: \(outside.prefix(5))")
            let rescored = (0..<vocabulary).filter { settled[$0] != projected[$0] }.count
            // Greedy steps here project 0–7 entries again, six-best ones up to 621.
            #expect(rescored < vocabulary / 50, "step \(step): \(rescored) entries projected again from float16")
            input = [best[0]]
        }
    }

    /// Two rows at once take the kernel's float path (as beam search, a
    /// batched pass and word alignment do); with each row's leader masked
    /// after the projection, a settle for a beam of 16 ranks the 17 largest
    /// as float16 does.
    @Test func twoRowsWithTheirLeadersMaskedSettleABeamOf16AsFloat16Does() throws {
        let model = try SharedModels.tinyEnglish.get()
        let search = try NetworkStageTests.greedySearch(model)
        let screen = try #require(search.state.screen)
        let vocabulary = model.dimensions.vocabularySize, top = DecodingOptions.maximumSequences + 1
        search.forward(tokens: [model.tokenizer.special.startOfTranscript, 843], sequences: 1, position: 0, logitRows: [0, 1])
        for row in 0..<2 {
            let logits = search.state.logits.pointer + row * vocabulary
            let buffer = UnsafeMutableBufferPointer(start: logits, count: vocabulary)
            let projected = Array(buffer)
            for entry in 0..<vocabulary { screen.exact(row: row, logits: logits, entry: entry) }
            var exact = Array(buffer)
            let outside = (0..<vocabulary).filter { abs(projected[$0] - exact[$0]) > screen.bound(row: row, entry: $0) }
            #expect(outside.isEmpty, "row \(row): entries beyond their bound: \(outside.prefix(5))")

            let leader = Self.largest(Array(exact[..<model.tokenizer.special.endOfText]), 1)[0]
            exact[leader] = -.infinity
            _ = buffer.update(from: projected)
            logits[leader] = -.infinity
            screen.settle(row: row, logits: logits, below: vocabulary, top: top)
            let settled = Array(buffer)
            let best = Self.largest(exact, top)
            #expect(Self.largest(settled, top) == best, "row \(row)")
            #expect(best.allSatisfy { settled[$0] == exact[$0] }, "row \(row): the largest are float16's")
        }
    }
}
