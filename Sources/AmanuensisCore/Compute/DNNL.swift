import CDNNL

/// The process's oneDNN CPU engine, and the one way its status codes are checked.
enum DNNL {
    /// An opaque pointer, so not Sendable to Swift; oneDNN's engine is safe to
    /// share between threads, and this one is made once and never changed.
    nonisolated(unsafe) static let engine: dnnl_engine_t = {
        var engine: dnnl_engine_t?
        check(dnnl_engine_create(&engine, dnnl_cpu, 0), "creating the CPU engine")
        return engine!
    }()

    /// oneDNN fails only on arguments, and every shape is fixed by the model,
    /// validated at load: a failure is a programming error, not bad input.
    static func check(_ status: dnnl_status_t, _ what: @autoclosure () -> String) {
        precondition(status == dnnl_success, "oneDNN failed \(what()): status \(status.rawValue)")
    }

    static func descriptor(_ dimensions: [Int], _ type: dnnl_data_type_t, _ tag: dnnl_format_tag_t) -> dnnl_memory_desc_t {
        var descriptor = dnnl_memory_desc_t()
        let dims = dimensions.map { dnnl_dim_t($0) }
        check(dnnl_memory_desc_init_by_tag(&descriptor, Int32(dims.count), dims, type, tag), "describing \(dimensions)")
        return descriptor
    }

    /// A memory object over `pointer`, which the caller keeps alive longer.
    static func memory(_ descriptor: dnnl_memory_desc_t, _ pointer: UnsafeMutableRawPointer?) -> dnnl_memory_t {
        var descriptor = descriptor
        var memory: dnnl_memory_t?
        check(dnnl_memory_create(&memory, &descriptor, engine, pointer), "creating a memory object")
        return memory!
    }
}

/// What oneDNN runs primitives on (its "stream"): one per encoder, used by
/// one thread at a time.
final class DNNLExecutor {
    let handle: dnnl_stream_t

    init() {
        var handle: dnnl_stream_t?
        DNNL.check(dnnl_stream_create(&handle, DNNL.engine, dnnl_stream_default_flags.rawValue), "creating an executor")
        self.handle = handle!
    }

    deinit { dnnl_stream_destroy(handle) }
}
