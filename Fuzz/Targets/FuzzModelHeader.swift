import Glibc

/// Fuzzes `CTranslate2File`, the reader of a model's `model.bin`. Its promise:
/// a truncated or corrupted file is an error naming the variable, never an
/// out-of-bounds read or a huge allocation.
///
/// The reader takes a path and memory-maps the file, so each input is written
/// to a file of this process's own (several fuzzers may run at once) and read
/// back through the real `MappedFile`. What loads must describe itself
/// consistently: every payload lies inside the mapping and holds exactly its
/// shape's elements.

private let path = "/tmp/amanuensis-fuzz-model-\(getpid()).bin"
/// Removes the file when the fuzzer exits normally (a crash leaves it behind).
private let removeAtExit: Void = { _ = atexit { unlink(path) } }()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = removeAtExit
    // Overwritten, then cut to size: ext4 flushes a file truncated to zero
    // when it is closed, which would make every execution wait for the disk.
    let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
    require(fd >= 0, "cannot create \(path)")
    require(pwrite(fd, data, size, 0) == size && ftruncate(fd, off_t(size)) == 0, "cannot write \(path)")
    close(fd)

    let model: CTranslate2File
    do {
        model = try CTranslate2File(path: path)
    } catch {
        require(error is ModelError, "CTranslate2File threw a \(type(of: error)): \(error)")
        return 0
    }
    let mapping = model.file.bytes
    for (name, variable) in model.variables {
        require(variable.shape.count <= 8, "'\(name)' has rank \(variable.shape.count)")
        require(variable.data.count == variable.elementCount * variable.type.itemSize, "'\(name)' payload size")
        if let start = variable.data.baseAddress, let base = mapping.baseAddress {
            require(start >= base && start + variable.data.count <= base + mapping.count, "'\(name)' outside the file")
        }
    }
    return 0
}
