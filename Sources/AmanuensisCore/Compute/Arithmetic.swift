import AmanuensisKernels

/// What one product computes in, and what the weights it reads are kept as.
enum Arithmetic: Sendable {
    case float32
    case int8
}

extension ComputeType {
    /// What `auto` stands for on this CPU; any other type itself.
    /// `int8_layers` where the CPU has int8 dot products (AVX-512 VNNI or
    /// AMX): there it holds the accuracy bar of the default (at least 90 %
    /// of the corpus clips with faster-whisper float32's text, and its word
    /// error rate within 0.3 points; CorpusAgreementTests, SilenceTests) and
    /// it is faster than float32. float32 elsewhere, where oneDNN's int8
    /// products have no such instructions to gain from.
    public var resolved: ComputeType {
        guard self == .auto else { return self }
        let features = String(cString: am_cpu_features()).split(separator: " ")
        return features.contains("avx512_vnni") || features.contains("amx_int8") ? .int8Layers : .float32
    }

    /// The encoder's products.
    var encoder: Arithmetic { resolved == .float32 ? .float32 : .int8 }

    /// The decoder's layers, which every decoding step reads.
    var decoderLayers: Arithmetic { [.int8, .int8Layers].contains(resolved) ? .int8 : .float32 }

    /// The embedding, which every decoding step reads whole as the
    /// vocabulary projection: int8, or screened (`TokenEmbedding`).
    var embedding: Arithmetic { resolved == .int8 ? .int8 : .float32 }
}
