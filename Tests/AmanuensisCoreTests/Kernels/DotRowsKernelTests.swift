import AmanuensisKernels
import Foundation
import Testing

/// Every instruction-set variant of a kernel computes what its scalar
/// reference computes, on shapes with and without a vector-width tail.
@Suite struct DotRowsKernelTests {
    @Test(arguments: [(1, 384), (5, 512), (8, 64), (9, 384), (2, 40)])
    func variantsMatchTheReference(rows: Int, width: Int) {
        var generator = SystemRandomNumberGenerator()
        let vocabulary = 1_003
        let weights = (0..<(vocabulary * width)).map { _ in Float.random(in: -1...1, using: &generator) }
        var halves = [UInt16](repeating: 0, count: weights.count)
        am_f32_to_f16(weights, &halves, weights.count)
        let x = (0..<(rows * width)).map { _ in Float.random(in: -2...2, using: &generator) }
        var reference = [Float](repeating: 0, count: rows * vocabulary)
        am_dot_rows_f16_c(halves, x, &reference, rows, width, 0, vocabulary, vocabulary, 0)
        for table in KernelTables.runnable.dropFirst() {
            let name = String(cString: table.isa), kernel = table.dot_rows_f16!
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

    /// A model file stores the embedding at any byte, and the screened
    /// embedding is read there (`HalfRows`): a table at an odd address gives
    /// every variant the same sums as an aligned copy.
    @Test(arguments: [1, 3])
    func aFloat16TableAtAnOddAddressGivesTheSameSums(rows: Int) {
        var generator = SystemRandomNumberGenerator()
        let vocabulary = 257, width = 384
        let weights = (0..<(vocabulary * width)).map { _ in Float.random(in: -1...1, using: &generator) }
        var halves = [UInt16](repeating: 0, count: weights.count)
        am_f32_to_f16(weights, &halves, weights.count)
        var shifted = [UInt8](repeating: 0, count: 2 * halves.count + 1)
        shifted.withUnsafeMutableBytes { target in
            halves.withUnsafeBytes { (target.baseAddress! + 1).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        }
        let x = (0..<(rows * width)).map { _ in Float.random(in: -2...2, using: &generator) }
        for table in KernelTables.runnable {
            let name = String(cString: table.isa), kernel = table.dot_rows_f16!
            var aligned = [Float](repeating: 0, count: rows * vocabulary), odd = aligned, widened = [Float](repeating: 0, count: width)
            kernel(halves, x, &aligned, rows, width, 0, vocabulary, vocabulary, 0)
            shifted.withUnsafeBytes { bytes in
                kernel(bytes.baseAddress! + 1, x, &odd, rows, width, 0, vocabulary, vocabulary, 0)
                table.f16_to_f32!(bytes.baseAddress! + 1 + 2 * width, &widened, width)
            }
            #expect(odd == aligned, "\(name), \(rows) rows")
            #expect(widened.indices.allSatisfy { widened[$0] == Float(Float16(weights[width + $0])) }, "\(name): row 1 widened")
        }
    }

    /// The int8 tables' product: scale[v] · (x · q[v]) in every variant, the
    /// scalar reference against that definition in double. A single row of
    /// x may be rounded to 16 bits first (the vector variants' integer path),
    /// so each result may also differ by that rounding's bound,
    /// scale[v] · Σ|q[v]| · max|x| / 65534.
    @Test(arguments: [(1, 384), (1, 1536), (5, 512), (8, 64), (9, 384), (2, 40)])
    func int8VariantsMatchTheirDefinition(rows: Int, width: Int) {
        var generator = SystemRandomNumberGenerator()
        let vocabulary = 1_003
        let quantized = (0..<(vocabulary * width)).map { _ in Int8.random(in: -127...127, using: &generator) }
        let scales = (0..<vocabulary).map { _ in Float.random(in: 0.001...0.01, using: &generator) }
        let x = (0..<(rows * width)).map { _ in Float.random(in: -2...2, using: &generator) }
        let exact = (0..<rows).flatMap { r in
            (0..<vocabulary).map { v in
                Double(scales[v]) * (0..<width).reduce(0.0) { $0 + Double(x[r * width + $1]) * Double(quantized[v * width + $1]) }
            }
        }
        let halfUnit = rows == 1 ? Double(x.map(abs).max()!) / 65_534 : 0
        let tolerance = (0..<rows).flatMap { _ in
            (0..<vocabulary).map { v in
                1e-3 + halfUnit * Double(scales[v]) * (0..<width).reduce(0.0) { $0 + Double(abs(Int(quantized[v * width + $1]))) }
            }
        }
        for table in KernelTables.runnable {
            let name = String(cString: table.isa)
            var ours = [Float](repeating: 0, count: rows * vocabulary)
            table.dot_rows_s8(quantized, scales, x, &ours, rows, width, 0, vocabulary, vocabulary, 0)
            let outside = zip(zip(ours, exact), tolerance).filter { abs(Double($0.0) - $0.1) > $1 }.count
            #expect(outside == 0, "\(name), \(rows)×\(width): \(outside) results outside the tolerance")
            table.dot_rows_s8(quantized, scales, x, &ours, rows, width, 0, vocabulary, vocabulary, 1)
            let doubled = zip(zip(ours, exact), tolerance).filter { abs(Double($0.0) - 2 * $0.1) > 2 * $1 }.count
            #expect(doubled == 0, "\(name) accumulating: \(doubled) results outside the tolerance")
        }
    }

    /// Attention's weighted sum of float16 value rows, with strided weights
    /// and output, and a value count that is odd (the unpaired last row).
    @Test(arguments: [(1, 64, 1_500), (3, 64, 1_501), (2, 16, 7), (1, 40, 9), (2, 128, 33)])
    func weightedSumVariantsMatchTheReference(rows: Int, width: Int, count: Int) {
        var generator = SystemRandomNumberGenerator()
        let values = (0..<(count * width)).map { _ in Float.random(in: -1...1, using: &generator) }
        var halves = [UInt16](repeating: 0, count: values.count)
        am_f32_to_f16(values, &halves, values.count)
        let weightStride = count + 3, outStride = width + 5
        let weights = (0..<(rows * weightStride)).map { _ in Float.random(in: 0...1, using: &generator) }
        var reference = [Float](repeating: 0, count: rows * outStride)
        am_weighted_f16_c(halves, weights, &reference, rows, count, width, weightStride, outStride)
        var back = [Float](repeating: 0, count: values.count)
        am_f16_to_f32(halves, &back, values.count)
        let direct = (0..<rows).flatMap { r in
            (0..<width).map { i in (0..<count).reduce(Float(0)) { $0 + weights[r * weightStride + $1] * back[$1 * width + i] } }
        }
        #expect(zip(direct, (0..<rows).flatMap { r in reference[(r * outStride)..<(r * outStride + width)] })
            .allSatisfy { abs($0 - $1) <= 1e-2 }, "the reference is not the definition")
        for table in KernelTables.runnable.dropFirst() {
            var ours = [Float](repeating: 0, count: rows * outStride)
            table.weighted_f16(halves, weights, &ours, rows, count, width, weightStride, outStride)
            let largest = zip(ours, reference).map { abs($0 - $1) }.max()!
            #expect(largest <= 1e-2, "\(String(cString: table.isa)), \(rows)×\(width)×\(count): max difference \(largest)")
        }
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["AMANUENSIS_FORCE_ISA"] == nil))
    func theWidestVariantThisCPURunsIsSelected() {
        let widest = String(cString: KernelTables.runnable.last!.isa)
        #expect(String(cString: am_kernels_select()!.pointee.isa) == widest)
    }

    @Test func halfConversionVariantsRoundAsTheReference() {
        var generator = SystemRandomNumberGenerator()
        let values = (0..<1_001).map { _ in Float.random(in: -70_000...70_000, using: &generator) * (Bool.random() ? 1 : 1e-8) }
            + [0, -0.0, .infinity, -.infinity, 65_519, 65_520, 6.1e-5, 3e-8]
        var reference = [UInt16](repeating: 0, count: values.count)
        am_f32_to_f16(values, &reference, values.count)
        for table in KernelTables.runnable.dropFirst() {
            var ours = [UInt16](repeating: 1, count: values.count)
            table.f32_to_f16(values, &ours, values.count)
            #expect(ours == reference, "\(String(cString: table.isa))")
        }
    }

    @Test func everyVariantWidensEveryHalfAsTheReferenceDoes() {
        let halves = (0...UInt16.max).map { $0 }
        var reference = [Float](repeating: 0, count: halves.count)
        am_f16_to_f32(halves, &reference, halves.count)
        for table in KernelTables.runnable {
            var widened = [Float](repeating: 0, count: halves.count)
            table.f16_to_f32(halves, &widened, halves.count)
            let differing = halves.indices.filter {
                reference[$0].isNaN ? !widened[$0].isNaN : widened[$0].bitPattern != reference[$0].bitPattern
            }
            #expect(differing.isEmpty, "\(String(cString: table.isa)): \(differing.prefix(5).map { String(halves[$0], radix: 16) })")
        }
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
