import AmanuensisKernels
import Foundation
import Testing

/// The fused attention computes softmax(q·Kᵀ/√d)·V, in every
/// instruction-set variant, reading one head's columns of a fused Q|K|V
/// buffer and writing one head's columns of the output: the encoder's
/// self-attention, and a prompt's cross-attention over float16 keys and
/// values.
@Suite struct AttentionKernelTests {
    /// Row counts below, at and past a tile (12 rows on AVX-512, 2 on AVX2),
    /// key counts with and without padding, and the encoder's own 1500.
    static let shapes = [(1, 5), (13, 37), (12, 64), (25, 1_500)]
    static let width = Int(AM_ATTENTION_WIDTH), heads = 2, head = 1
    static let stride = 3 * heads * width, column = head * width, outStride = heads * width
    static let scale = 1 / Float(width).squareRoot()

    @Test(arguments: shapes)
    func variantsComputeScaledDotProductAttention(rows: Int, keys: Int) {
        let (qkv, expected) = Self.problem(rows: rows, keys: keys)
        var packed = [Float](repeating: .nan, count: am_attention_packed_floats(keys))
        qkv.withUnsafeBufferPointer { qkv in
            let base = qkv.baseAddress!
            am_attention_pack(base + Self.heads * Self.width + Self.column, base + 2 * Self.heads * Self.width + Self.column,
                              Self.stride, keys, Self.scale, &packed)
        }
        for table in KernelTables.runnable {
            var scores = [Float](repeating: .nan, count: Int(AM_ATTENTION_ROWS) * am_attention_padded_keys(keys))
            let out = Self.output(rows: rows, reading: qkv) { qkv, out in
                table.attention(qkv + Self.column, Self.stride, packed, keys, rows, &scores, out + Self.column, Self.outStride)
            }
            Self.check(out, against: expected, rows: rows, keys: keys, within: 1e-5, String(cString: table.isa))
        }
    }

    /// A prompt's cross-attention packs one head's float16 keys and values
    /// `[count, width]`: the packing is that of the same values widened, with
    /// every variant's widening.
    @Test(arguments: [5, 37, 64, 1_500])
    func float16KeysAndValuesPackAsTheirFloats(keys: Int) {
        var generator = SystemRandomNumberGenerator()
        let keyHalves = (0..<(keys * Self.width)).map { _ in Float16(Float.random(in: -3...3, using: &generator)) }
        let valueHalves = (0..<(keys * Self.width)).map { _ in Float16(Float.random(in: -3...3, using: &generator)) }
        var expected = [Float](repeating: .nan, count: am_attention_packed_floats(keys))
        am_attention_pack(keyHalves.map(Float.init), valueHalves.map(Float.init), Self.width, keys, Self.scale, &expected)
        for table in KernelTables.runnable {
            var packed = [Float](repeating: .nan, count: am_attention_packed_floats(keys))
            am_attention_pack_f16(keyHalves, valueHalves, keys, Self.scale, table.f16_to_f32, &packed)
            #expect(packed.elementsEqual(expected, by: { $0.bitPattern == $1.bitPattern }), "\(String(cString: table.isa))")
        }
    }

    /// The int8 encoders' attention where the CPU has AVX512-BF16: its
    /// inputs rounded to bfloat16 (8 significant bits), its sums in float32,
    /// so it stays within a few bfloat16 steps of the exact result.
    @Test(.enabled(if: KernelTables.bfloat16 != nil, "this CPU has no AVX512-BF16"), arguments: shapes)
    func bfloat16VariantStaysWithinItsRounding(rows: Int, keys: Int) {
        let kernels = KernelTables.bfloat16!
        let (qkv, expected) = Self.problem(rows: rows, keys: keys)
        var packed = [Float](repeating: .nan, count: am_attention_packed_floats(keys))
        qkv.withUnsafeBufferPointer { qkv in
            let base = qkv.baseAddress!
            kernels.attention_pack_bf16(base + Self.heads * Self.width + Self.column,
                                        base + 2 * Self.heads * Self.width + Self.column, Self.stride, keys, Self.scale, &packed)
        }
        var scratch = [Float](repeating: .nan, count: am_attention_bf16_scratch_floats(keys))
        let out = Self.output(rows: rows, reading: qkv) { qkv, out in
            kernels.attention_bf16(qkv + Self.column, Self.stride, packed, keys, rows, &scratch, out + Self.column, Self.outStride)
        }
        Self.check(out, against: expected, rows: rows, keys: keys, within: 0.05, "bfloat16")
    }

    /// Random Q|K|V rows of two heads, wide enough that the softmax is far
    /// from uniform, and head 1's attention computed in Double.
    private static func problem(rows: Int, keys: Int) -> (qkv: [Float], expected: [Double]) {
        var generator = SystemRandomNumberGenerator()
        let qkv = (0..<(max(rows, keys) * stride)).map { _ in Float.random(in: -3...3, using: &generator) }
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
        return (qkv, expected)
    }

    /// The output rows a kernel writes, both heads' columns, head 0's left at −7.
    private static func output(rows: Int, reading qkv: [Float],
                               _ run: (UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) -> [Float] {
        var out = [Float](repeating: -7, count: rows * outStride)
        qkv.withUnsafeBufferPointer { qkv in
            out.withUnsafeMutableBufferPointer { out in run(qkv.baseAddress!, out.baseAddress!) }
        }
        return out
    }

    private static func check(_ out: [Float], against expected: [Double], rows: Int, keys: Int, within tolerance: Double,
                              _ name: String) {
        let largest = (0..<(rows * width)).map { abs(Double(out[($0 / width) * outStride + column + $0 % width]) - expected[$0]) }.max()!
        #expect(largest <= tolerance, "\(name), \(rows) rows × \(keys) keys: max difference \(largest)")
        let otherHead = (0..<rows).flatMap { row in out[(row * outStride)..<(row * outStride + column)] }
        #expect(otherHead.allSatisfy { $0 == -7 }, "\(name) wrote outside its head's columns")
    }
}
