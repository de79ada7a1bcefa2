/// The arithmetic of the encoder's matrix products, chosen when a model is
/// loaded (weights are converted once, to this type).
///
/// There is no `bfloat16`: oneDNN 2.6, Debian 12's, runs bf16 products on this
/// class of CPU (Zen 5) at about 60 % of its float32 speed, so offering it
/// would only be slower. `int8` uses the VNNI dot products, about 3.5× float32.
public enum ComputeType: String, CaseIterable, Sendable {
    /// Exact against the reference implementations (within rounding).
    case float32
    /// Weights quantized per output row, inputs per product, as CTranslate2's
    /// int8 does: a few words change, as they do between its float32 and int8.
    case int8
}
