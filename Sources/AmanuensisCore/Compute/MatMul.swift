import AmanuensisKernels
import CDNNL

/// y = epilogue(x·Wᵀ + b) for a fixed number of rows: one oneDNN matmul
/// primitive, built once at model load with the weights already reordered
/// into its preferred blocked layout, and shared read-only by every stream.
///
/// In float32 the bias and the GELU run inside the product as post-ops, so the
/// output is written once. The residual sum is left to the caller: oneDNN 2.6
/// has no fast path for a sum post-op after a binary one below AVX-512 and
/// falls back to its reference loops, a hundred times slower.
///
/// With `int8` the weights are quantized per output row here, and each call
/// quantizes every input row with its own scale, as CTranslate2 does: rows of
/// unlike magnitude (the GELU's output, attention's) each keep their 8 bits.
/// oneDNN applies the weights' scales; a per-row scale as a post-op would send
/// it to its reference loops (17 s a window), so the row scales, the bias and
/// the GELU are applied after it by our own kernel (`finish_int8_rows`).
///
/// Unchecked Sendable: it holds oneDNN handles (opaque pointers) to a
/// primitive and weights made once at load; oneDNN executes one primitive
/// from several threads, each with its own `DNNLExecutor` and buffers.
final class MatMul: @unchecked Sendable {
    enum Epilogue {
        case none
        case gelu
    }

    let rows: Int
    let inputs: Int
    let outputs: Int
    let arithmetic: Arithmetic
    /// Bytes of the user-managed scratchpad one call needs.
    let scratchpadBytes: Int
    /// Bytes of int8 input one call needs (`Call`'s `quantized`); 0 in float32.
    var quantizedInputBytes: Int { arithmetic == .int8 ? rows * inputs : 0 }
    private let primitive: dnnl_primitive_t
    private let sourceDescriptor: dnnl_memory_desc_t
    private let destinationDescriptor: dnnl_memory_desc_t
    private let scratchpadDescriptor: dnnl_memory_desc_t
    /// Owns its allocation (made by oneDNN, in the primitive's layout).
    private let weights: dnnl_memory_t
    private let bias: FloatBuffer
    private let biasMemory: dnnl_memory_t
    private let epilogue: Epilogue

    /// `weight` is `[outputs, inputs]` float32, as PyTorch stores it.
    init(weight: FloatBuffer, bias: FloatBuffer, rows: Int, outputs: Int, inputs: Int,
         arithmetic: Arithmetic, epilogue: Epilogue) {
        precondition(weight.count == outputs * inputs && bias.count == outputs)
        self.rows = rows
        self.inputs = inputs
        self.outputs = outputs
        self.arithmetic = arithmetic
        self.bias = bias
        self.epilogue = epilogue
        let integer = arithmetic == .int8
        let elementType = integer ? dnnl_s8 : dnnl_f32
        sourceDescriptor = DNNL.descriptor([rows, inputs], elementType, dnnl_ab)
        destinationDescriptor = DNNL.descriptor([rows, outputs], dnnl_f32, dnnl_ab)
        let anyWeights = DNNL.descriptor([inputs, outputs], elementType, dnnl_format_tag_any)
        let biasDescriptor = DNNL.descriptor([1, outputs], dnnl_f32, dnnl_ab)

        var attributes: dnnl_primitive_attr_t?
        DNNL.check(dnnl_primitive_attr_create(&attributes), "creating attributes")
        defer { dnnl_primitive_attr_destroy(attributes) }
        DNNL.check(dnnl_primitive_attr_set_scratchpad_mode(attributes, dnnl_scratchpad_mode_user), "setting the scratchpad mode")
        var postOps: dnnl_post_ops_t?
        DNNL.check(dnnl_post_ops_create(&postOps), "creating post-ops")
        defer { dnnl_post_ops_destroy(postOps) }
        // int8: W[n, :] ≈ q[n, :] · scale[n], so the output scales per column
        // are the weights' row scales (known now, copied by oneDNN).
        let quantizedWeights = integer ? Int8Rows(quantizing: weight, rows: outputs, columns: inputs) : nil
        if let quantizedWeights {
            DNNL.check(dnnl_primitive_attr_set_output_scales(attributes, dnnl_dim_t(outputs), 1 << 1, quantizedWeights.scales.pointer),
                       "setting output scales")
        } else {
            var biasAsOperand = biasDescriptor
            DNNL.check(dnnl_post_ops_append_binary(postOps, dnnl_binary_add, &biasAsOperand), "adding the bias post-op")
            switch epilogue {
            case .none: break
            case .gelu: DNNL.check(dnnl_post_ops_append_eltwise(postOps, 1, dnnl_eltwise_gelu_erf, 0, 0), "adding GELU")
            }
            DNNL.check(dnnl_primitive_attr_set_post_ops(attributes, postOps), "setting post-ops")
        }

        var description = dnnl_matmul_desc_t()
        var source = sourceDescriptor, weightsAny = anyWeights, destination = destinationDescriptor
        DNNL.check(dnnl_matmul_desc_init(&description, &source, &weightsAny, nil, &destination), "describing a matmul")
        var primitiveDescriptor: dnnl_primitive_desc_t?
        DNNL.check(dnnl_primitive_desc_create(&primitiveDescriptor, &description, attributes, DNNL.engine, nil),
                   "creating a \(rows)×\(inputs)×\(outputs) \(arithmetic) matmul")
        defer { dnnl_primitive_desc_destroy(primitiveDescriptor) }
        let weightsDescriptor = dnnl_primitive_desc_query_md(primitiveDescriptor, dnnl_query_weights_md, 0)!.pointee
        scratchpadDescriptor = dnnl_primitive_desc_query_md(primitiveDescriptor, dnnl_query_scratchpad_md, 0)!.pointee
        var scratchpad = scratchpadDescriptor
        scratchpadBytes = dnnl_memory_desc_get_size(&scratchpad)
        var primitive: dnnl_primitive_t?
        DNNL.check(dnnl_primitive_create(&primitive, primitiveDescriptor), "creating a matmul primitive")
        self.primitive = primitive!

        weights = DNNL.memory(weightsDescriptor, am_dnnl_memory_allocate())
        biasMemory = DNNL.memory(biasDescriptor, UnsafeMutableRawPointer(bias.pointer))
        // The user's layout: W stored [outputs, inputs] is the [inputs, outputs]
        // matrix in column-major order ("ba").
        let plain = DNNL.descriptor([inputs, outputs], elementType, dnnl_ba)
        if let quantizedWeights {
            Self.reorder(from: plain, UnsafeMutableRawPointer(quantizedWeights.pointer), into: weights)
        } else {
            Self.reorder(from: plain, UnsafeMutableRawPointer(weight.pointer), into: weights)
        }
    }

    deinit {
        dnnl_primitive_destroy(primitive)
        dnnl_memory_destroy(weights)
        dnnl_memory_destroy(biasMemory)
    }

    /// Bytes held: the weights in the primitive's layout and the bias.
    var bytes: Int {
        var descriptor: UnsafePointer<dnnl_memory_desc_t>?
        dnnl_memory_get_memory_desc(weights, &descriptor)
        return dnnl_memory_desc_get_size(descriptor) + bias.bytes
    }

    private static func reorder(from plain: dnnl_memory_desc_t, _ pointer: UnsafeMutableRawPointer, into target: dnnl_memory_t) {
        let source = DNNL.memory(plain, pointer)
        defer { dnnl_memory_destroy(source) }
        var targetDescriptor: UnsafePointer<dnnl_memory_desc_t>?
        dnnl_memory_get_memory_desc(target, &targetDescriptor)
        var plain = plain
        var reorderDescriptor: dnnl_primitive_desc_t?
        DNNL.check(dnnl_reorder_primitive_desc_create(&reorderDescriptor, &plain, DNNL.engine, targetDescriptor, DNNL.engine, nil),
                   "describing the weights reorder")
        defer { dnnl_primitive_desc_destroy(reorderDescriptor) }
        var reorder: dnnl_primitive_t?
        DNNL.check(dnnl_primitive_create(&reorder, reorderDescriptor), "creating the weights reorder")
        defer { dnnl_primitive_destroy(reorder) }
        let executor = DNNLExecutor()
        var arguments = [dnnl_exec_arg_t(arg: DNNL_ARG_FROM, memory: source), dnnl_exec_arg_t(arg: DNNL_ARG_TO, memory: target)]
        DNNL.check(dnnl_primitive_execute(reorder, executor.handle, 2, &arguments), "reordering weights")
        DNNL.check(dnnl_stream_wait(executor.handle), "waiting for the reorder")
    }

    /// One stream's binding of this product to its own buffers: the memory
    /// objects are made once, so a call only runs the primitive.
    final class Call {
        private let matMul: MatMul
        private let source: UnsafePointer<Float>
        private let destination: UnsafeMutablePointer<Float>
        private let quantized: UnsafeMutablePointer<Int8>?
        /// Each input row's scale, `int8` only.
        private let rowScales: FloatBuffer?
        private let memories: [dnnl_memory_t]
        private var arguments: [dnnl_exec_arg_t]

        /// `quantized` is int8 scratch of at least rows × inputs bytes (int8
        /// only); `scratchpad` holds at least `scratchpadBytes`.
        init(_ matMul: MatMul, source: UnsafePointer<Float>, destination: UnsafeMutablePointer<Float>,
             quantized: UnsafeMutablePointer<Int8>?, scratchpad: UnsafeMutableRawPointer) {
            self.matMul = matMul
            self.source = source
            self.destination = destination
            let integer = matMul.quantizedInputBytes > 0
            precondition(!integer || quantized != nil, "an int8 product needs quantization scratch")
            self.quantized = integer ? quantized : nil
            rowScales = integer ? FloatBuffer(count: matMul.rows) : nil
            let sourceMemory = DNNL.memory(matMul.sourceDescriptor,
                                           integer ? UnsafeMutableRawPointer(quantized!) : UnsafeMutableRawPointer(mutating: source))
            let destinationMemory = DNNL.memory(matMul.destinationDescriptor, UnsafeMutableRawPointer(destination))
            let scratchpadMemory = DNNL.memory(matMul.scratchpadDescriptor, scratchpad)
            memories = [sourceMemory, destinationMemory, scratchpadMemory]
            arguments = [
                dnnl_exec_arg_t(arg: DNNL_ARG_SRC, memory: sourceMemory),
                dnnl_exec_arg_t(arg: DNNL_ARG_WEIGHTS, memory: matMul.weights),
                dnnl_exec_arg_t(arg: DNNL_ARG_DST, memory: destinationMemory),
                dnnl_exec_arg_t(arg: DNNL_ARG_SCRATCHPAD, memory: scratchpadMemory),
            ]
            if !integer {
                arguments.append(dnnl_exec_arg_t(arg: am_dnnl_post_op_argument(0) | DNNL_ARG_SRC_1, memory: matMul.biasMemory))
            }
        }

        deinit { for memory in memories { dnnl_memory_destroy(memory) } }

        func run(on executor: DNNLExecutor) {
            guard let quantized, let rowScales else {
                execute(on: executor)
                return
            }
            let inputs = matMul.inputs, outputs = matMul.outputs
            CPUKernels.parallelRows(matMul.rows) { _, rows in
                for row in rows {
                    rowScales[row] = CPUKernels.selected.quantize_s8(source + row * inputs, quantized + row * inputs, inputs)
                }
            }
            execute(on: executor)
            let gelu: Int32 = matMul.epilogue == .gelu ? 1 : 0
            CPUKernels.parallelRows(matMul.rows) { _, rows in
                CPUKernels.selected.finish_int8_rows(destination + rows.lowerBound * outputs, rowScales.pointer + rows.lowerBound,
                                                     matMul.bias.pointer, rows.count, outputs, gelu)
            }
        }

        private func execute(on executor: DNNLExecutor) {
            DNNL.check(dnnl_primitive_execute(matMul.primitive, executor.handle, Int32(arguments.count), &arguments), "running a matmul")
        }
    }
}
