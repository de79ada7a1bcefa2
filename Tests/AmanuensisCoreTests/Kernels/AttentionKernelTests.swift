import AmanuensisKernels
import Foundation
import Testing

/// The encoder's fused attention computes softmax(q·Kᵀ/√d)·V, in every
/// instruction-set variant, reading one head's columns of a fused Q|K|V
/// buffer and writing one head's columns of the output.
@Suite struct AttentionKernelTests {
    /// Row counts below, at and past a tile (12 rows on AVX-512, 2 on AVX2),
    /// key counts with and without padding, and the encoder's own 1500.
    @Test(arguments: [(1, 5), (13, 37), (12, 64), (25, 1_500)])
    func variantsComputeScaledDotProductAttention(rows: Int, keys: Int) {
        let width = Int(AM_ATTENTION_WIDTH), heads = 2, head = 1
        let stride = 3 * heads * width, column = head * width
        var generator = SystemRandomNumberGenerator()
        // Wide enough scores that the softmax is far from uniform.
        let qkv = (0..<(max(rows, keys) * stride)).map { _ in Float.random(in: -3...3, using: &generator) }
        let scale = 1 / Float(width).squareRoot()

        var expected = [Double](repeating: 0, count: rows * width)
        for i in 0..<rows {
            let scores = (0..<keys).map { j in
                (0..<width).reduce(0.0) { sum, d in
                    sum + Double(qkv[i * stride + column + d]) * Double(qkv[j * stride + heads * width + column + d])
                } * Double(scale)
            }
            let largest = scores.max()!
            let weights = scores.map { exp($0 - largest) }
            let total = weights.reduce(0, +)
            for d in 0..<width {
                expected[i * width + d] = (0..<keys).reduce(0.0) { sum, j in
                    sum + weights[j] * Double(qkv[j * stride + 2 * heads * width + column + d])
                } / total
            }
        }

        var packed = [Float](repeating: .nan, count: am_attention_packed_floats(keys))
        qkv.withUnsafeBufferPointer { qkv in
            let base = qkv.baseAddress!
            am_attention_pack(base + heads * width + column, base + 2 * heads * width + column, stride, keys, scale, &packed)
        }
        for table in KernelTables.runnable {
            var scores = [Float](repeating: .nan, count: Int(AM_ATTENTION_ROWS) * am_attention_padded_keys(keys))
            let outStride = heads * width
            var out = [Float](repeating: -7, count: rows * outStride)
            qkv.withUnsafeBufferPointer { qkv in
                out.withUnsafeMutableBufferPointer { out in
                    table.attention(qkv.baseAddress! + column, stride, packed, keys, rows, &scores, out.baseAddress! + column, outStride)
                }
            }
            let name = String(cString: table.isa)
            let largest = (0..<(rows * width)).map { abs(Double(out[($0 / width) * outStride + column + $0 % width]) - expected[$0]) }.max()!
            #expect(largest <= 1e-5, "\(name), \(rows) rows × \(keys) keys: max difference \(largest)")
            let otherHead = (0..<rows).flatMap { row in out[(row * outStride)..<(row * outStride + column)] }
            #expect(otherHead.allSatisfy { $0 == -7 }, "\(name) wrote outside its head's columns")
        }
    }
}
