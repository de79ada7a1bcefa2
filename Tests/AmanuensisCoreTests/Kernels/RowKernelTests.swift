import AmanuensisKernels
import Foundation
import Testing

/// The row kernels compute softmax, log-sum-exp, GELU, layer norm, int8 quantization and the
/// finish of an int8 product as their definitions say, in every instruction-set variant this CPU can run, on
/// widths with and without a vector-width tail.
@Suite struct RowKernelTests {
    static func randomRows(_ count: Int, in range: ClosedRange<Float>) -> [Float] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in Float.random(in: range, using: &generator) }
    }

    @Test(arguments: [1, 7, 16, 33, 1500])
    func softmaxMatchesItsDefinition(cols: Int) {
        let rows = 3
        var input = Self.randomRows(rows * cols, in: -30...30)
        if cols > 1 { input[0] = -.infinity }  // a masked score
        for table in KernelTables.runnable {
            var x = input
            table.softmax_rows(&x, rows, cols, cols)
            for row in 0..<rows {
                let values = input[(row * cols)..<((row + 1) * cols)].map(Double.init)
                let largest = values.max()!
                let sum = values.reduce(0) { $0 + exp($1 - largest) }
                for column in 0..<cols {
                    let exact = exp(values[column] - largest) / sum
                    let ours = Double(x[row * cols + column])
                    #expect(abs(ours - exact) <= 1e-6 + 1e-5 * exact, "\(String(cString: table.isa)) [\(row), \(column)]: \(ours) vs \(exact)")
                }
            }
            if cols > 1 { #expect(x[0] == 0, "a -inf score gets exactly zero weight") }
        }
    }

    @Test(arguments: [1, 7, 16, 33, 51_864])
    func logSumExpMatchesItsDefinition(count: Int) {
        var x = Self.randomRows(count, in: -30...30)
        if count > 1 { x[count / 2] = -.infinity }  // a masked logit
        let largest = x.map(Double.init).max()!
        let exact = largest + log(x.reduce(0.0) { $0 + exp(Double($1) - largest) })
        for table in KernelTables.runnable {
            let ours = Double(table.logsumexp(x, count))
            #expect(abs(ours - exact) <= 1e-5 * max(1, abs(exact)), "\(String(cString: table.isa)): \(ours) vs \(exact)")
        }
    }

    @Test func logSumExpIsNotFiniteWhereALogitIsNot() {
        let masked = [Float](repeating: -.infinity, count: 40)
        var unordered = Self.randomRows(40, in: -3...3), infinite = unordered
        unordered[37] = .nan
        infinite[3] = .infinity
        for table in KernelTables.runnable {
            let name = String(cString: table.isa)
            #expect(table.logsumexp(masked, masked.count) == -.infinity, "\(name): all masked")
            #expect(table.logsumexp(unordered, unordered.count).isNaN, "\(name): a NaN logit")
            #expect(!table.logsumexp(infinite, infinite.count).isFinite, "\(name): an infinite logit")
        }
    }

    @Test func geluMatchesItsDefinition() {
        let x = Self.randomRows(1_537, in: -8...8) + [0, -0.0, 40, -40]
        for table in KernelTables.runnable {
            var y = x
            table.gelu(&y, y.count)
            for (input, ours) in zip(x, y) {
                let exact = 0.5 * Double(input) * (1 + erf(Double(input) / 2.squareRoot()))
                #expect(abs(Double(ours) - exact) <= 1e-6 * max(1, abs(exact)), "\(String(cString: table.isa)): gelu(\(input))")
            }
        }
    }

    @Test(arguments: [5, 64, 384, 385])
    func layerNormMatchesItsDefinition(cols: Int) {
        let rows = 4
        let x = Self.randomRows(rows * cols, in: -4...6)
        let gamma = Self.randomRows(cols, in: 0.5...1.5), beta = Self.randomRows(cols, in: -1...1)
        for table in KernelTables.runnable {
            var y = [Float](repeating: 0, count: x.count)
            table.layer_norm(x, &y, gamma, beta, rows, cols, 1e-5)
            for row in 0..<rows {
                let values = x[(row * cols)..<((row + 1) * cols)].map(Double.init)
                let mean = values.reduce(0, +) / Double(cols)
                let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(cols)
                for column in 0..<cols {
                    let exact = (values[column] - mean) / (variance + 1e-5).squareRoot() * Double(gamma[column]) + Double(beta[column])
                    #expect(abs(Double(y[row * cols + column]) - exact) <= 1e-4, "\(String(cString: table.isa))")
                }
            }
        }
    }

    @Test func quantizationKeepsEveryValueWithinHalfAStep() {
        let x = Self.randomRows(1_001, in: -3...2) + [4.5]
        for table in KernelTables.runnable {
            var q = [Int8](repeating: 0, count: x.count)
            let scale = table.quantize_s8(x, &q, x.count)
            #expect(abs(scale - 4.5 / 127) < 1e-7)
            #expect(q.last == 127)
            for (value, quantized) in zip(x, q) {
                #expect(abs(Float(quantized) * scale - value) <= scale / 2 + 1e-6)
            }
        }
        var zeros = [Int8](repeating: 1, count: 4)
        #expect(am_quantize_s8_c([0, 0, 0, 0], &zeros, 4) == 1 && zeros == [0, 0, 0, 0])
    }

    /// Each row's scale and the bias, then GELU against libm's erf: the int8
    /// products' own erf must not add an error the quantization would notice.
    @Test(arguments: [1, 17, 384])
    func int8FinishScalesEachRowAndAddsTheBias(cols: Int) {
        let rows = 3
        let products = Self.randomRows(rows * cols, in: -400...400)
        let rowScales: [Float] = [0.02, 0.001, 0.0075], bias = Self.randomRows(cols, in: -2...2)
        for table in KernelTables.runnable {
            for gelu in [false, true] {
                var y = products
                table.finish_int8_rows(&y, rowScales, bias, rows, cols, gelu ? 1 : 0)
                for row in 0..<rows {
                    for column in 0..<cols {
                        let v = Double(products[row * cols + column]) * Double(rowScales[row]) + Double(bias[column])
                        let exact = gelu ? 0.5 * v * (1 + erf(v / 2.0.squareRoot())) : v
                        let ours = Double(y[row * cols + column])
                        #expect(abs(ours - exact) <= 2e-7 * max(1, abs(v)) + 1e-6 * abs(exact),
                                "\(String(cString: table.isa)) gelu \(gelu) [\(row), \(column)]: \(ours) vs \(exact)")
                    }
                }
            }
        }
    }
}
