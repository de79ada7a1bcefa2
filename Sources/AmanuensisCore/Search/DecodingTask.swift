/// What the model writes: the speech as spoken, or its English translation
/// (multilingual models only).
public enum DecodingTask: String, Hashable, Sendable, CaseIterable {
    case transcribe, translate
}
