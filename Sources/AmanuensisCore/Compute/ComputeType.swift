/// The arithmetic of the encoder's matrix products, chosen when a model is
/// loaded (weights are converted once, to this type).
///
/// There is no `bfloat16`: Debian 12's oneDNN 2.6 ran bf16 products slower
/// than float32 on a CPU with AVX512-BF16 but no AMX, so offering it there
/// would only be slower. `int8` uses the CPU's VNNI dot products where it has them.
public enum ComputeType: String, CaseIterable, Sendable {
    /// Exact against the reference implementations (within rounding).
    case float32
    /// Weights quantized per output row, inputs per row, as CTranslate2's
    /// int8 does: a few words change, as they do between its float32 and int8.
    case int8
}
