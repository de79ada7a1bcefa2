import AmanuensisKernels
import Foundation
import Testing

/// Every instruction-set variant of a kernel computes what its scalar
/// reference computes, on shapes with and without a vector-width tail.
@Suite struct LogitsKernelTests {
    @Test(arguments: [(1, 384), (5, 512), (8, 64), (9, 384), (2, 40)])
    func variantsMatchTheReference(rows: Int, width: Int) {
        var generator = SystemRandomNumberGenerator()
        let vocabulary = 1_003
        let weights = (0..<(vocabulary * width)).map { _ in Float.random(in: -1...1, using: &generator) }
        var halves = [UInt16](repeating: 0, count: weights.count)
        am_f32_to_f16(weights, &halves, weights.count)
        let x = (0..<(rows * width)).map { _ in Float.random(in: -2...2, using: &generator) }
        var reference = [Float](repeating: 0, count: rows * vocabulary)
        am_logits_f16_c(halves, x, &reference, rows, width, 0, vocabulary, vocabulary, 0)
        for table in KernelTables.runnable.dropFirst() {
            let name = String(cString: table.isa), kernel = table.logits_f16!
            var ours = [Float](repeating: 0, count: rows * vocabulary)
            kernel(halves, x, &ours, rows, width, 0, vocabulary, vocabulary, 0)
            let largest = zip(ours, reference).map { abs($0 - $1) }.max()!
            #expect(largest <= 1e-3, "\(name), \(rows)×\(width): max difference \(largest)")
            // Accumulating adds the same products to what is there.
            kernel(halves, x, &ours, rows, width, 0, vocabulary, vocabulary, 1)
            let doubled = zip(ours, reference).map { abs($0 - 2 * $1) }.max()!
            #expect(doubled <= 2e-3, "\(name) accumulating: max difference \(doubled)")
        }
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["AMANUENSIS_FORCE_ISA"] == nil))
    func theWidestVariantThisCPURunsIsSelected() {
        let widest = String(cString: KernelTables.runnable.last!.isa)
        #expect(String(cString: am_kernels_select()!.pointee.isa) == widest)
    }

    @Test func halfConversionRoundTripsExactly() {
        let values: [Float] = [0, -0.0, 1, -2.5, 65504, 6.1035156e-05, 5.9604645e-08, .infinity, 0.1]
        var halves = [UInt16](repeating: 0, count: values.count)
        am_f32_to_f16(values, &halves, values.count)
        var back = [Float](repeating: 0, count: values.count)
        am_f16_to_f32(halves, &back, values.count)
        #expect(Array(back.prefix(8)) == Array(values.prefix(8)))
        #expect(abs(back[8] - 0.1) < 1e-4)
        #expect(halves[1] == 0x8000 && halves[7] == 0x7C00)
    }
}
