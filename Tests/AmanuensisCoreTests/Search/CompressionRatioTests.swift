@testable import AmanuensisCore
import Testing

@Suite struct CompressionRatioTests {
    @Test func matchesZlibAtLevelSix() {
        let sentence = "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country."
        #expect(abs(CompressionRatio.of(sentence) - 107.0 / 79.0) < 1e-9)
        #expect(abs(CompressionRatio.of(String(repeating: "hello ", count: 40)) - 14.1) < 0.05)
    }
}
