@testable import AmanuensisCore
import Foundation
import TestSupport
import Testing

/// A damaged or foreign model directory is an error that names the file and
/// the variable, never a crash or an out-of-bounds read.
@Suite struct ModelLoadingTests {
    /// A copy of tiny.en's directory whose model.bin is `contents`.
    static func modelDirectory(modelBin contents: Data) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        let source = TestPaths.model("tiny.en")
        for name in ["config.json", "vocabulary.txt", "tokenizer.json"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: directory.url.appendingPathComponent(name))
        }
        _ = try directory.file("model.bin", contents: contents)
        return directory
    }

    static func realModelBin() throws -> Data {
        _ = try SharedModels.tinyEnglish.get()
        return try Data(contentsOf: TestPaths.model("tiny.en").appendingPathComponent("model.bin"), options: .mappedIfSafe)
    }

    @Test func tinyEnglishHasTheDocumentedShape() throws {
        let model = try SharedModels.tinyEnglish.get()
        #expect(model.dimensions == WhisperDimensions(melBins: 80, width: 384, heads: 6, encoderLayers: 4, decoderLayers: 4,
                                                      feedForward: 1536, audioPositions: 1500, textPositions: 448,
                                                      vocabularySize: 51864))
        #expect(!model.tokenizer.special.isMultilingual)
        #expect(model.tokenizer.special.startSequence(language: nil, task: .transcribe) == [50257])
        #expect(model.languages.codes == ["en"] && !model.languages.isMultilingual)
    }

    @Test(arguments: [10, 1_000, 5_000_000, 75_537_000])
    func aTruncatedFileNamesWhereItEnds(length: Int) throws {
        let directory = try Self.modelDirectory(modelBin: try Self.realModelBin().prefix(length))
        let error = try #require(throws: ModelError.self) { try WhisperModel(directory: directory.url) }
        #expect(error.code == .truncated)
        #expect(error.file.hasSuffix("model.bin"))
        #expect(error.description.contains("model.bin"))
        if length > 1_000 { #expect(error.variable != nil, "\(error)") }
    }

    @Test func aWrongShapeNamesTheVariable() throws {
        let file = try CTranslate2File(path: TestPaths.model("tiny.en").appendingPathComponent("model.bin").path)
        var variables = file.variables
        let original = try #require(variables["encoder/layer_2/ffn/linear_0/bias"])
        // Half the bias: consistent on disk, wrong for the model.
        variables[original.name] = .init(name: original.name, shape: [768], type: original.type,
                                         data: UnsafeRawBufferPointer(rebasing: original.data[0..<(768 * 2)]))
        let directory = try Self.modelDirectory(modelBin: CTranslate2Writer.serialize(variables.values.filter { $0.name != "decoder/projection/weight" }))
        let error = try #require(throws: ModelError.self) { try WhisperModel(directory: directory.url) }
        #expect(error.code == .wrongShape)
        #expect(error.variable == "encoder/layer_2/ffn/linear_0/bias")
        withExtendedLifetime(file) {}
    }

    /// The encoder's attention kernel takes heads 64 wide, as every Whisper
    /// model has: twelve heads over tiny.en's 384 would be 32 wide.
    @Test func headsOtherThan64WideAreRefused() throws {
        let file = try CTranslate2File(path: TestPaths.model("tiny.en").appendingPathComponent("model.bin").path)
        var variables = file.variables
        let original = try #require(variables["encoder/num_heads"])
        try #require([.int8, .int16, .int32].contains(original.type), "num_heads is stored as \(original.type)")
        // Twelve in the stored integer type, little-endian.
        let twelve = Data([12] + [UInt8](repeating: 0, count: original.type.itemSize - 1))
        try twelve.withUnsafeBytes { twelve in
            for name in ["encoder/num_heads", "decoder/num_heads"] {
                variables[name] = .init(name: name, shape: original.shape, type: original.type, data: twelve)
            }
            let directory = try Self.modelDirectory(modelBin: CTranslate2Writer.serialize(variables.values.filter { $0.name != "decoder/projection/weight" }))
            let error = try #require(throws: ModelError.self) { try WhisperModel(directory: directory.url) }
            #expect(error.code == .unsupported)
            #expect(error.variable == "encoder/num_heads")
        }
        withExtendedLifetime(file) {}
    }

    @Test func garbageIsNotAModel() throws {
        var generator = SystemRandomNumberGenerator()
        let directory = try Self.modelDirectory(modelBin: Data((0..<100_000).map { _ in UInt8.random(in: 0...255, using: &generator) }))
        #expect(throws: ModelError.self) { try WhisperModel(directory: directory.url) }
    }

    @Test func aMissingDirectoryIsUnreadable() {
        let error = #expect(throws: ModelError.self) { try WhisperModel(directory: URL(fileURLWithPath: "/nonexistent/model")) }
        #expect(error?.code == .unreadable)
    }

    @Test func aVocabularyOfTheWrongSizeIsRefused() throws {
        let directory = try Self.modelDirectory(modelBin: try Self.realModelBin())
        let vocabulary = directory.url.appendingPathComponent("vocabulary.txt")
        try (String(contentsOf: vocabulary, encoding: .utf8) + "<|one-too-many|>\n").write(to: vocabulary, atomically: true, encoding: .utf8)
        let error = try #require(throws: ModelError.self) { try WhisperModel(directory: directory.url) }
        #expect(error.code == .malformed && error.file.hasSuffix("vocabulary.txt"))
        #expect(error.description.contains("51865 tokens, but the embedding has 51864 rows"), "\(error)")
    }

    @Test func aVocabularyWithoutWhispersSpecialTokensIsRefused() throws {
        let directory = try Self.modelDirectory(modelBin: try Self.realModelBin())
        try "a\nb\nc\n".write(to: directory.url.appendingPathComponent("vocabulary.txt"), atomically: true, encoding: .utf8)
        let error = try #require(throws: ModelError.self) { try WhisperModel(directory: directory.url) }
        #expect(error.code == .malformed)
        #expect(error.description.contains("the vocabulary has no <|endoftext|> token"), "\(error)")
    }
}

/// Writes variables in CTranslate2's binary version 6 layout, for tests that
/// need a consistent file with one thing wrong in it.
enum CTranslate2Writer {
    static func serialize(_ variables: [CTranslate2File.Variable]) -> Data {
        var data = Data()
        func u8(_ v: UInt8) { data.append(v) }
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        func string(_ s: String) { u16(UInt16(s.utf8.count + 1)); data.append(contentsOf: Array(s.utf8)); u8(0) }
        u32(6); string("WhisperSpec"); u32(3); u32(UInt32(variables.count))
        for variable in variables.sorted(by: { $0.name < $1.name }) {
            string(variable.name)
            u8(UInt8(variable.shape.count))
            for dimension in variable.shape { u32(UInt32(dimension)) }
            u8(variable.type.rawValue)
            u32(UInt32(variable.data.count))
            data.append(contentsOf: variable.data)
        }
        u32(0)
        return data
    }
}
