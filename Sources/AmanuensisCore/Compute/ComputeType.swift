/// The arithmetic a model is loaded for (its weights are converted for it at load).
///
/// There is no `bfloat16`: Debian 12's oneDNN 2.6 ran bf16 products slower
/// than float32 on a CPU with AVX512-BF16 but no AMX, so offering it there
/// would only be slower. The int8 products use the CPU's VNNI dot products
/// where it has them.
public enum ComputeType: String, CaseIterable, Sendable {
    /// Exact against the reference implementations (within rounding).
    case float32
    /// Weights quantized per output row, inputs per row, as CTranslate2's
    /// int8 does: a few words change, as they do between its float32 and int8.
    case int8
    /// Every layer's products as in int8, the vocabulary projection as in
    /// float32, which chooses float16's tokens (`VocabularyScreen`): nearly
    /// int8's speed (a step also reads the few float16 rows the screen
    /// settles), and faster-whisper float32's text on more clips than int8
    /// (CorpusAgreementTests).
    case int8Layers = "int8_layers"
    /// The encoder's products in int8, the decoder as in float32: the
    /// default before int8_layers, which kept the same clips' text and
    /// halved the decoder's layer reads; kept for configurations that name it.
    case int8Encoder = "int8_encoder"
    /// The fastest of these whose accuracy holds on this CPU (`resolved`).
    case auto
}

/// Spelt as the configuration spells it, wherever one is printed.
extension ComputeType: CustomStringConvertible {
    public var description: String { rawValue }
}
