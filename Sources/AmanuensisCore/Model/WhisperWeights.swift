import AmanuensisKernels

/// y = x·Wᵀ + b, with W stored `[outputs, inputs]` as in PyTorch.
struct Linear: Sendable {
    /// W as the decoder reads it: float16, exact for the float16 weights
    /// models ship, or int8 with a scale a row for the int8 types.
    /// A decoding step's few rows read it as it is; a prompt's many rows
    /// widen it to float32 one product at a time (`apply`), so no float32
    /// copy of the decoder stays resident (33 MB for tiny.en).
    let weight: RowTable
    let bias: FloatBuffer
    let outputs: Int
    let inputs: Int

    init(weight: FloatBuffer, bias: FloatBuffer, outputs: Int, inputs: Int, arithmetic: Arithmetic) {
        (self.bias, self.outputs, self.inputs) = (bias, outputs, inputs)
        self.weight = switch arithmetic {
        case .float32: .half(HalfBuffer(converting: weight))
        case .int8: .int8(Int8Rows(quantizing: weight, rows: outputs, columns: inputs))
        }
    }

    var bytes: Int { weight.bytes + bias.bytes }
}

/// A weight matrix as the decoder reads it: float16, or int8 with a scale a
/// row for the int8 types, half the bytes again, as CTranslate2's int8
/// keeps its decoder's products (Docs/whisper-reference.md §1.3).
enum RowTable: Sendable {
    case half(HalfBuffer)
    case int8(Int8Rows)

    /// Rows `range` of the table, `columns` wide, in float32, to `target`.
    func widen(_ range: Range<Int>, columns: Int, into target: UnsafeMutablePointer<Float>) {
        switch self {
        case .half(let table):
            CPUKernels.selected.f16_to_f32(table.pointer + range.lowerBound * columns, target, range.count * columns)
        case .int8(let table):
            table.widen(range, into: target)
        }
    }

    var bytes: Int {
        switch self {
        case .half(let table): table.bytes
        case .int8(let table): table.bytes
        }
    }

    /// The memory of the rows, as a step reads them (`ReadAhead`).
    var region: UnsafeRawBufferPointer {
        switch self {
        case .half(let table): UnsafeRawBufferPointer(start: table.pointer, count: table.bytes)
        case .int8(let table): UnsafeRawBufferPointer(start: table.pointer, count: table.rows * table.columns)
        }
    }
}

struct LayerNorm: Sendable {
    let gamma: FloatBuffer
    let beta: FloatBuffer
    static let epsilon: Float = 1e-5
}

/// The encoder's products are oneDNN primitives for its fixed row count, in
/// the model's compute type, their epilogues fused.
struct EncoderLayer: Sendable {
    let attentionNorm: LayerNorm
    /// Fused query, key and value rows, in that order.
    let queryKeyValue: MatMul
    let attentionOutput: MatMul
    let feedForwardNorm: LayerNorm
    /// With the GELU fused.
    let feedForwardIn: MatMul
    let feedForwardOut: MatMul

    var matMuls: [MatMul] { [queryKeyValue, attentionOutput, feedForwardIn, feedForwardOut] }
}

struct DecoderLayer: Sendable {
    let selfAttentionNorm: LayerNorm
    let selfQueryKeyValue: Linear
    let selfAttentionOutput: Linear
    let crossAttentionNorm: LayerNorm
    let crossQuery: Linear
    /// Fused key and value rows over the encoder output, computed once a
    /// window: a product over the window's rows like the encoder's, in
    /// float32, run by the encoder (`AudioEncoder.crossKeysAndValues`).
    let crossKeyValue: MatMul
    let crossAttentionOutput: Linear
    let feedForwardNorm: LayerNorm
    let feedForwardIn: Linear
    let feedForwardOut: Linear

    /// The products a decoding step runs, in its order (`ReadAhead` reads
    /// them so: three before the cross-attention, three after).
    var linears: [Linear] { [selfQueryKeyValue, selfAttentionOutput, crossQuery, crossAttentionOutput, feedForwardIn, feedForwardOut] }
}

/// Every weight of a Whisper model, converted at load from whatever the file
/// stores (float16, bfloat16, float32, or int8/int16 with scales), with every
/// shape checked against the model's dimensions: the encoder's products in
/// the chosen compute type (the decoder's cross-attention keys and values,
/// computed once a window, in float32), the decoder's layers as row tables
/// in float16 or int8 (`RowTable`), its embedding as `TokenEmbedding` says.
struct WhisperWeights: Sendable {
    let dimensions: WhisperDimensions
    /// The convolutions as products over im2col rows `[inputs·3]` (in-channel
    /// major, kernel tap minor), each with its GELU. The first reads the
    /// log-mel directly and stays float32 in every compute type.
    let conv1: MatMul
    let conv2: MatMul
    let encoderPositions: FloatBuffer
    let encoderLayers: [EncoderLayer]
    let encoderNorm: LayerNorm
    let embedding: TokenEmbedding
    let decoderPositions: FloatBuffer
    let decoderLayers: [DecoderLayer]
    let decoderNorm: LayerNorm

    /// `exactRowsKeptFrom`: where a screened embedding's rows that every
    /// step reads begin (`VocabularyScreen.approximateEntries`).
    init(file: CTranslate2File, computeType: ComputeType, exactRowsKeptFrom: Int) throws {
        let reader = TensorReader(file: file)
        let conv1Shape = try reader.shape("encoder/conv1/weight", rank: 3)
        let width = conv1Shape[0]
        let melBins = conv1Shape[1]
        guard conv1Shape[2] == 3 else {
            throw reader.error(.wrongShape, "encoder/conv1/weight", "kernel size \(conv1Shape[2]), expected 3")
        }
        let heads = Int(try reader.scalar("encoder/num_heads"))
        guard heads > 0, width % heads == 0 else {
            throw reader.error(.wrongShape, "encoder/num_heads", "\(heads) heads do not divide width \(width)")
        }
        guard width / heads == Int(AM_ATTENTION_WIDTH) else {
            throw reader.error(.unsupported, "encoder/num_heads",
                               "heads \(width / heads) wide; every Whisper model's are \(AM_ATTENTION_WIDTH)")
        }
        guard try reader.scalar("decoder/num_heads") == Float(heads) else {
            throw reader.error(.unsupported, "decoder/num_heads", "differs from the encoder's")
        }
        for (name, expected) in [("decoder/activation", 3.0), ("decoder/pre_norm", 1.0), ("decoder/scale_embeddings", 0.0)]
        where reader.has(name) {
            let value = try reader.scalar(name)
            guard value == Float(expected) else {
                throw reader.error(.unsupported, name, "value \(value); Whisper uses \(expected)")
            }
        }
        let embeddingShape = try reader.shape("decoder/embeddings/weight", rank: 2)
        let audioPositions = try reader.shape("encoder/position_encodings/encodings", rank: 2)[0]
        let textPositions = try reader.shape("decoder/position_encodings/encodings", rank: 2)[0]
        let feedForward = try reader.shape("encoder/layer_0/ffn/linear_0/weight", rank: 2)[0]
        dimensions = WhisperDimensions(
            melBins: melBins, width: width, heads: heads,
            encoderLayers: reader.layerCount(prefix: "encoder"),
            decoderLayers: reader.layerCount(prefix: "decoder"),
            feedForward: feedForward, audioPositions: audioPositions,
            textPositions: textPositions, vocabularySize: embeddingShape[0])
        let d = dimensions
        guard d.encoderLayers > 0, d.decoderLayers > 0, audioPositions > 0, textPositions > 0, d.vocabularySize > 0 else {
            throw reader.error(.wrongShape, "encoder/layer_0", "the model has no layers or positions")
        }

        conv1 = try reader.matMul("encoder/conv1", rows: 2 * audioPositions, outputs: width, inputs: melBins * 3,
                                  storedShape: [width, melBins, 3], arithmetic: .float32, epilogue: .gelu)
        conv2 = try reader.matMul("encoder/conv2", rows: audioPositions, outputs: width, inputs: width * 3,
                                  storedShape: [width, width, 3], arithmetic: computeType.encoder, epilogue: .gelu)
        encoderPositions = try reader.tensor("encoder/position_encodings/encodings", shape: [audioPositions, width])
        encoderLayers = try (0..<d.encoderLayers).map { index in
            let p = "encoder/layer_\(index)/"
            func product(_ scope: String, outputs: Int, inputs: Int, _ epilogue: MatMul.Epilogue) throws -> MatMul {
                try reader.matMul(p + scope, rows: audioPositions, outputs: outputs, inputs: inputs,
                                  arithmetic: computeType.encoder, epilogue: epilogue)
            }
            return EncoderLayer(
                attentionNorm: try reader.layerNorm(p + "self_attention/layer_norm", width: width),
                queryKeyValue: try product("self_attention/linear_0", outputs: 3 * width, inputs: width, .none),
                attentionOutput: try product("self_attention/linear_1", outputs: width, inputs: width, .none),
                feedForwardNorm: try reader.layerNorm(p + "ffn/layer_norm", width: width),
                feedForwardIn: try product("ffn/linear_0", outputs: feedForward, inputs: width, .gelu),
                feedForwardOut: try product("ffn/linear_1", outputs: width, inputs: feedForward, .none))
        }
        encoderNorm = try reader.layerNorm("encoder/layer_norm", width: width)
        let embeddingName = "decoder/embeddings/weight"
        embedding = switch computeType.embedding {
        case .float32:
            try reader.screenedEmbedding(embeddingName, rows: d.vocabularySize, columns: width, keptFrom: exactRowsKeptFrom)
        case .int8: .int8(try reader.int8Rows(embeddingName, rows: d.vocabularySize, columns: width))
        }
        decoderPositions = try reader.tensor("decoder/position_encodings/encodings", shape: [textPositions, width])
        decoderLayers = try (0..<d.decoderLayers).map { index in
            let p = "decoder/layer_\(index)/"
            func linear(_ name: String, outputs: Int, inputs: Int) throws -> Linear {
                try reader.linear(p + name, outputs: outputs, inputs: inputs, arithmetic: computeType.decoderLayers)
            }
            return DecoderLayer(
                selfAttentionNorm: try reader.layerNorm(p + "self_attention/layer_norm", width: width),
                selfQueryKeyValue: try linear("self_attention/linear_0", outputs: 3 * width, inputs: width),
                selfAttentionOutput: try linear("self_attention/linear_1", outputs: width, inputs: width),
                crossAttentionNorm: try reader.layerNorm(p + "attention/layer_norm", width: width),
                crossQuery: try linear("attention/linear_0", outputs: width, inputs: width),
                // float32 in every compute type: every step of every token
                // reads these keys and values, and in int8 they changed the
                // text of 3 more of the 56 corpus clips (CorpusAgreementTests),
                // for about 6 % of the encoder's arithmetic.
                crossKeyValue: try reader.matMul(p + "attention/linear_1", rows: audioPositions, outputs: 2 * width,
                                                 inputs: width, arithmetic: .float32, epilogue: .none),
                crossAttentionOutput: try linear("attention/linear_2", outputs: width, inputs: width),
                feedForwardNorm: try reader.layerNorm(p + "ffn/layer_norm", width: width),
                feedForwardIn: try linear("ffn/linear_0", outputs: feedForward, inputs: width),
                feedForwardOut: try linear("ffn/linear_1", outputs: width, inputs: feedForward))
        }
        decoderNorm = try reader.layerNorm("decoder/layer_norm", width: width)
    }

    /// Bytes held by the converted weights.
    var bytes: Int {
        var buffers: [FloatBuffer] = [encoderPositions, encoderNorm.gamma, encoderNorm.beta, decoderPositions,
                                      decoderNorm.gamma, decoderNorm.beta]
        var otherBytes = windowMatMuls.reduce(embedding.bytes) { $0 + $1.bytes }
        for layer in encoderLayers {
            buffers += [layer.attentionNorm.gamma, layer.attentionNorm.beta, layer.feedForwardNorm.gamma, layer.feedForwardNorm.beta]
        }
        for layer in decoderLayers {
            for linear in layer.linears { otherBytes += linear.bytes }
            for norm in [layer.selfAttentionNorm, layer.crossAttentionNorm, layer.feedForwardNorm] {
                buffers += [norm.gamma, norm.beta]
            }
        }
        return buffers.reduce(otherBytes) { $0 + $1.bytes }
    }

    /// Every product over a window's rows: the encoder's, the stem's
    /// included, and the decoder layers' cross-attention keys and values.
    var windowMatMuls: [MatMul] { [conv1, conv2] + encoderLayers.flatMap(\.matMuls) + decoderLayers.map(\.crossKeyValue) }
}

/// Reads named variables as float32, checking each one's shape first, and
/// gives back each one's mapped pages once it is copied out.
private struct TensorReader {
    let file: CTranslate2File

    var path: String { file.file.path }

    func error(_ code: ModelError.Code, _ name: String, _ detail: String) -> ModelError {
        ModelError(code, file: path, variable: name, detail)
    }

    func has(_ name: String) -> Bool { file.variables[name] != nil }

    func variable(_ name: String) throws -> CTranslate2File.Variable {
        guard let variable = file.variables[name] else {
            throw error(.missingVariable, name, "missing; is this a Whisper model in CTranslate2 format?")
        }
        return variable
    }

    func shape(_ name: String, rank: Int) throws -> [Int] {
        let shape = try variable(name).shape
        guard shape.count == rank, shape.allSatisfy({ $0 > 0 }) else {
            throw error(.wrongShape, name, "shape \(shape), expected \(rank) non-zero dimensions")
        }
        return shape
    }

    func layerCount(prefix: String) -> Int {
        var count = 0
        while has("\(prefix)/layer_\(count)/ffn/linear_0/weight") { count += 1 }
        return count
    }

    func scalar(_ name: String) throws -> Float {
        let variable = try variable(name)
        guard variable.elementCount == 1 else { throw error(.wrongShape, name, "shape \(variable.shape), expected a scalar") }
        return try convert(variable)[0]
    }

    func tensor(_ name: String, shape expected: [Int]) throws -> FloatBuffer {
        try convert(variable(name, shape: expected))
    }

    /// A screened embedding (`TokenEmbedding.screened`), `[rows, columns]`:
    /// its float16 rows, read from the file as a step needs them but for
    /// those from `kept` on, and its int8 rows quantized from those float16
    /// values, so that each is within half its scale of the row the screen
    /// bounds it by. A file that stores another type gives one float16 copy
    /// for both.
    func screenedEmbedding(_ name: String, rows: Int, columns: Int, keptFrom kept: Int) throws -> TokenEmbedding {
        let variable = try variable(name, shape: [rows, columns])
        guard variable.type == .float16 else {
            let copy = HalfBuffer(converting: try convert(variable))
            return .screened(HalfRows(copy: copy, width: columns),
                             Int8Rows(quantizingHalf: copy.pointer, rows: rows, columns: columns))
        }
        defer { file.release(variable) }
        return .screened(try HalfRows(in: file.file, bytes: variable.data, rows: rows, width: columns, keptFrom: kept),
                         Int8Rows(quantizingHalf: variable.data.baseAddress!, rows: rows, columns: columns))
    }

    /// `[rows, columns]` in int8 with a scale a row, quantized from the file's
    /// own float16 bytes a row at a time where it stores float16, so the
    /// embedding is never whole in a wider type.
    func int8Rows(_ name: String, rows: Int, columns: Int) throws -> Int8Rows {
        let variable = try variable(name, shape: [rows, columns])
        guard variable.type == .float16 else { return Int8Rows(quantizing: try convert(variable), rows: rows, columns: columns) }
        defer { file.release(variable) }
        return Int8Rows(quantizingHalf: variable.data.baseAddress!, rows: rows, columns: columns)
    }

    private func variable(_ name: String, shape expected: [Int]) throws -> CTranslate2File.Variable {
        let variable = try variable(name)
        guard variable.shape == expected else {
            throw error(.wrongShape, name, "shape \(variable.shape), expected \(expected)")
        }
        return variable
    }

    func linear(_ scope: String, outputs: Int, inputs: Int, arithmetic: Arithmetic) throws -> Linear {
        let weight = try tensor(scope + "/weight", shape: [outputs, inputs])
        return Linear(weight: weight, bias: try tensor(scope + "/bias", shape: [outputs]), outputs: outputs, inputs: inputs,
                      arithmetic: arithmetic)
    }

    func matMul(_ scope: String, rows: Int, outputs: Int, inputs: Int, storedShape: [Int]? = nil,
                arithmetic: Arithmetic, epilogue: MatMul.Epilogue) throws -> MatMul {
        MatMul(weight: try tensor(scope + "/weight", shape: storedShape ?? [outputs, inputs]),
               bias: try tensor(scope + "/bias", shape: [outputs]),
               rows: rows, outputs: outputs, inputs: inputs, arithmetic: arithmetic, epilogue: epilogue)
    }

    func layerNorm(_ scope: String, width: Int) throws -> LayerNorm {
        LayerNorm(gamma: try tensor(scope + "/gamma", shape: [width]),
                  beta: try tensor(scope + "/beta", shape: [width]))
    }

    /// Converts a payload to float32. Quantized integers are divided by their
    /// scale (a multiplier in CTranslate2: w ≈ q / scale), per row for int8.
    private func convert(_ variable: CTranslate2File.Variable) throws -> FloatBuffer {
        defer { file.release(variable) }
        let count = variable.elementCount
        let output = FloatBuffer(count: count)
        let source = variable.data
        switch variable.type {
        case .float32:
            for i in 0..<count { output[i] = source.loadUnaligned(fromByteOffset: 4 * i, as: Float.self) }
        case .float16:
            am_f16_to_f32(source.baseAddress, output.pointer, count)
        case .bfloat16:
            am_bf16_to_f32(source.baseAddress, output.pointer, count)
        case .int8, .int16, .int32:
            let scales = try quantizationScales(for: variable)
            let rowLength = count / max(scales.count, 1)
            for i in 0..<count {
                let q: Float = switch variable.type {
                case .int8: Float(source.load(fromByteOffset: i, as: Int8.self))
                case .int16: Float(source.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self))
                default: Float(source.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))
                }
                output[i] = scales.isEmpty ? q : q / scales[i / rowLength]
            }
        }
        return output
    }

    /// The `<name>_scale` companion of a quantized weight: one value per output
    /// row (int8) or one for the tensor (int16); none for integer scalars.
    private func quantizationScales(for variable: CTranslate2File.Variable) throws -> [Float] {
        let scaleName = variable.name + "_scale"
        guard let scale = file.variables[scaleName] else {
            guard variable.elementCount == 1 else {
                throw error(.missingVariable, scaleName, "quantized weight without its scale")
            }
            return []
        }
        let rows = variable.shape.first ?? 1
        guard scale.type == .float32 || scale.type == .float16 || scale.type == .bfloat16,
              scale.elementCount == rows || scale.elementCount == 1 else {
            throw error(.wrongShape, scaleName, "shape \(scale.shape) does not fit \(variable.shape)")
        }
        let values = try convert(scale).array
        guard values.allSatisfy({ $0.isFinite && $0 != 0 }) else {
            throw error(.malformed, scaleName, "zero or non-finite scale")
        }
        return values
    }
}
