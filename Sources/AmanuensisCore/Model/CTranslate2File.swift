/// The variables of a CTranslate2 `model.bin` (binary version ≤ 6), indexed by
/// name, with aliases resolved. See Docs/whisper-reference.md §1 for the layout.
///
/// Nothing in the file is trusted: every length is checked against the bytes
/// that remain before it is used, and a tensor's byte count must equal its
/// element count times its item size, so a truncated or corrupted file is an
/// error naming the variable, never an out-of-bounds read or a huge allocation.
struct CTranslate2File {
    enum DataType: UInt8 {
        case float32 = 0, int8 = 1, int16 = 2, int32 = 3, float16 = 4, bfloat16 = 5

        var itemSize: Int {
            switch self {
            case .int8: 1
            case .int16, .float16, .bfloat16: 2
            case .float32, .int32: 4
            }
        }
    }

    struct Variable {
        let name: String
        let shape: [Int]
        let type: DataType
        /// The payload, inside the mapped file; unaligned.
        let data: UnsafeRawBufferPointer

        var elementCount: Int { shape.reduce(1, *) }
    }

    /// Gives back the mapped pages of a variable the load has copied out
    /// (`MappedFile.release`).
    func release(_ variable: Variable) { file.release(variable.data) }

    let file: MappedFile
    let specName: String
    let specRevision: UInt32
    private(set) var variables: [String: Variable] = [:]

    static let newestBinaryVersion: UInt32 = 6
    private static let maximumRank = 8

    init(path: String) throws {
        file = try MappedFile(path: path)
        var cursor = Cursor(bytes: file.bytes, path: path)
        let version = try cursor.u32(while: "reading the binary version")
        guard version >= 1, version <= Self.newestBinaryVersion else {
            throw ModelError(.unsupported, file: path,
                             "binary version \(version); this reader understands 1 to \(Self.newestBinaryVersion)")
        }
        if version >= 2 {
            specName = try cursor.string(while: "reading the spec name")
            specRevision = try cursor.u32(while: "reading the spec revision")
        } else {
            specName = ""
            specRevision = 1
        }
        let count = try cursor.u32(while: "reading the variable count")
        for _ in 0..<count {
            let variable = try Self.readVariable(&cursor, version: version)
            variables[variable.name] = variable
        }
        if version >= 3 {
            let aliases = try cursor.u32(while: "reading the alias count")
            for _ in 0..<aliases {
                let alias = try cursor.string(while: "reading an alias name")
                let target = try cursor.string(while: "reading the target of alias '\(alias)'")
                guard let variable = variables[target] else {
                    throw ModelError(.malformed, file: path, variable: alias, "alias of missing variable '\(target)'")
                }
                variables[alias] = Variable(name: alias, shape: variable.shape, type: variable.type, data: variable.data)
                for suffix in ["_scale", "_zero"] {
                    if let companion = variables[target + suffix] { variables[alias + suffix] = companion }
                }
            }
        }
        guard cursor.remaining == 0 else {
            throw ModelError(.malformed, file: path, "\(cursor.remaining) unexpected bytes after the last record")
        }
    }

    private static func readVariable(_ cursor: inout Cursor, version: UInt32) throws -> Variable {
        let name = try cursor.string(while: "reading a variable name")
        let rank = Int(try cursor.u8(while: "reading the rank of '\(name)'", variable: name))
        guard rank <= maximumRank else {
            throw ModelError(.malformed, file: cursor.path, variable: name, "rank \(rank) is implausible")
        }
        var shape: [Int] = []
        var elements = 1
        for _ in 0..<rank {
            let dimension = Int(try cursor.u32(while: "reading the shape", variable: name))
            let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw ModelError(.malformed, file: cursor.path, variable: name, "shape overflows") }
            shape.append(dimension)
            elements = product
        }
        let type: DataType
        let byteCount: Int
        if version >= 4 {
            let id = try cursor.u8(while: "reading the data type", variable: name)
            guard let known = DataType(rawValue: id) else {
                throw ModelError(.unsupported, file: cursor.path, variable: name, "unknown data type id \(id)")
            }
            type = known
            byteCount = Int(try cursor.u32(while: "reading the payload size", variable: name))
        } else {
            let itemSize = try cursor.u8(while: "reading the item size", variable: name)
            switch itemSize {
            case 4: type = .float32
            case 2: type = .int16
            case 1: type = .int8
            default: throw ModelError(.unsupported, file: cursor.path, variable: name, "item size \(itemSize)")
            }
            byteCount = Int(try cursor.u32(while: "reading the element count", variable: name)) * Int(itemSize)
        }
        let (expected, overflow) = elements.multipliedReportingOverflow(by: type.itemSize)
        guard !overflow, byteCount == expected else {
            throw ModelError(.malformed, file: cursor.path, variable: name,
                             "payload of \(byteCount) bytes does not match shape \(shape) of \(type)")
        }
        let data = try cursor.take(byteCount, while: "reading the payload", variable: name)
        return Variable(name: name, shape: shape, type: type, data: data)
    }

    /// A bounds-checked little-endian reader over the mapped bytes.
    private struct Cursor {
        let bytes: UnsafeRawBufferPointer
        let path: String
        var offset = 0

        var remaining: Int { bytes.count - offset }

        mutating func take(_ count: Int, while action: String, variable: String? = nil) throws -> UnsafeRawBufferPointer {
            guard count >= 0, count <= remaining else {
                throw ModelError(.truncated, file: path, variable: variable,
                                 "file ends at byte \(bytes.count) while \(action) (\(count) bytes needed at \(offset))")
            }
            defer { offset += count }
            return UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count])
        }

        mutating func u8(while action: String, variable: String? = nil) throws -> UInt8 {
            try take(1, while: action, variable: variable)[0]
        }

        mutating func u16(while action: String, variable: String? = nil) throws -> UInt16 {
            UInt16(littleEndian: try take(2, while: action, variable: variable).loadUnaligned(as: UInt16.self))
        }

        mutating func u32(while action: String, variable: String? = nil) throws -> UInt32 {
            UInt32(littleEndian: try take(4, while: action, variable: variable).loadUnaligned(as: UInt32.self))
        }

        /// A u16 length that counts a trailing NUL, then that many bytes.
        mutating func string(while action: String) throws -> String {
            let length = Int(try u16(while: action))
            guard length > 0 else { throw ModelError(.malformed, file: path, "empty string while \(action)") }
            let raw = try take(length, while: action)
            guard raw[length - 1] == 0 else {
                throw ModelError(.malformed, file: path, "string without its NUL while \(action)")
            }
            return String(decoding: raw[0..<(length - 1)], as: UTF8.self)
        }
    }
}
