/// A cross-attention head of the decoder whose weights follow the spoken
/// words in time (config.json's `alignment_heads`).
public struct AlignmentHead: Hashable, Sendable {
    public let layer: Int
    public let head: Int
}
