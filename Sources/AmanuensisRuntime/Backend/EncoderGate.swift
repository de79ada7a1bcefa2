/// The start-up check an accelerator encoder must pass before it serves: on a
/// fixed clip its output must match the CPU encoder's frame by frame. A device
/// that computes nothing, or something else, is refused at start instead of
/// producing wrong transcripts later.
public enum EncoderGate {
    public static let minimumCosine = 0.999

    public struct Verdict: Sendable, Equatable, CustomStringConvertible {
        public let passed: Bool
        /// The frame with the lowest cosine, or the first frame at fault.
        public let worstFrame: Int
        public let worstCosine: Double
        /// Why it failed; nil when it passed.
        public let failure: String?

        public var description: String {
            let worst = "worst frame \(worstFrame), cosine \(worstCosine)"
            return failure.map { "encoder gate failed: \($0)" } ?? "encoder gate passed (\(worst))"
        }

        static func fail(_ failure: String, frame: Int = 0, cosine: Double = 0) -> Verdict {
            Verdict(passed: false, worstFrame: frame, worstCosine: cosine, failure: failure)
        }
    }

    /// Compares two outputs of shape frames × width.
    public static func compare(cpu: [Float], accelerator: [Float], width: Int) -> Verdict {
        guard width > 0, !cpu.isEmpty, cpu.count % width == 0 else {
            return .fail("the CPU reference is not a whole number of \(width)-wide frames")
        }
        guard accelerator.count == cpu.count else {
            return .fail("the accelerator wrote \(accelerator.count) values, the CPU \(cpu.count)")
        }
        if let bad = accelerator.firstIndex(where: { !$0.isFinite }) {
            return .fail("frame \(bad / width) holds \(accelerator[bad])", frame: bad / width)
        }
        // An all-zero output has no direction, and a device that did nothing
        // must never pass because a cosine happened to be undefined.
        guard accelerator.contains(where: { $0 != 0 }) else {
            return .fail("the accelerator output is all zero")
        }
        var worst = (frame: 0, cosine: Double.infinity)
        for frame in 0..<(cpu.count / width) {
            let range = frame * width..<(frame + 1) * width
            let cosine = cosine(cpu[range], accelerator[range])
            if cosine < worst.cosine { worst = (frame, cosine) }
        }
        guard worst.cosine >= minimumCosine else {
            return .fail("frame \(worst.frame) has cosine \(worst.cosine), below \(minimumCosine)",
                         frame: worst.frame, cosine: worst.cosine)
        }
        return Verdict(passed: true, worstFrame: worst.frame, worstCosine: worst.cosine, failure: nil)
    }

    /// Runs `encoder` on the clip and compares it with the CPU's output. The
    /// buffer starts as NaN so frames the device never wrote fail the gate.
    public static func run(_ encoder: some AcceleratorEncoder, mel: [Float], melFrames: Int,
                           cpuOutput: [Float], width: Int) -> Verdict {
        var output = [Float](repeating: .nan, count: cpuOutput.count)
        do {
            try mel.withUnsafeBufferPointer { mel in
                try output.withUnsafeMutableBufferPointer { output in
                    guard let melBase = mel.baseAddress, let outputBase = output.baseAddress else { return }
                    try encoder.encode(mel: melBase, frames: melFrames, into: outputBase)
                }
            }
        } catch {
            return .fail("\(encoder.deviceName) failed to encode: \(error)")
        }
        return compare(cpu: cpuOutput, accelerator: output, width: width)
    }

    /// In Double: 384–1280 products of Float rounding would blur the 0.001
    /// margin the gate tests. Two zero frames agree; one zero frame does not.
    static func cosine(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Double {
        var dot = 0.0, normA = 0.0, normB = 0.0
        for (x, y) in zip(a, b) {
            dot += Double(x) * Double(y)
            normA += Double(x) * Double(x)
            normB += Double(y) * Double(y)
        }
        if normA == 0, normB == 0 { return 1 }
        if normA == 0 || normB == 0 { return 0 }
        return dot / (normA.squareRoot() * normB.squareRoot())
    }
}
