/// An encoder that runs somewhere other than the CPU. It is a protocol so a
/// test can inject a fake one and prove that `EncoderGate` refuses a wrong
/// device before it serves; this project has no real implementation yet.
public protocol AcceleratorEncoder {
    /// For the journal, e.g. the PCI address and accel node.
    var deviceName: String { get }

    /// Encodes `frames` mel frames into `into`, which holds as many floats as
    /// the CPU encoder writes for the same input.
    func encode(mel: UnsafePointer<Float>, frames: Int, into: UnsafeMutablePointer<Float>) throws
}
