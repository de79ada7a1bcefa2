import Glibc

/// A value of `amanuensisd.conf`.
enum ConfigurationValue: Equatable, Sendable {
    case string(String)
    case integer(Int)
    case float(Double)
    case boolean(Bool)
    case array([ConfigurationValue])
}

/// The part of TOML that amanuensisd.conf(5) is written in: `key = value`
/// lines and comments, with strings (basic and literal), integers (also
/// hexadecimal, octal and binary), floats, booleans and arrays of them.
/// What no key takes (tables, inline tables, dates, multi-line strings,
/// dotted keys) is refused with its line, as is anything that is not TOML.
///
/// Our own, and small, because the file is read again on every SIGHUP by a
/// daemon that serves other users: a general TOML library that asserts on
/// some malformed dates or leaks each parsed document would let a typo in
/// this file stop the daemon, or grow it with every reload.
struct ConfigurationFile {
    struct Entry: Equatable {
        let key: String
        let value: ConfigurationValue
        let line: Int
    }

    struct Invalid: Error, CustomStringConvertible, Equatable {
        let line: Int
        let message: String
        var description: String { "line \(line): \(message)" }
    }

    /// The keys in the order they appear, each once.
    let entries: [Entry]

    init(parsing text: String) throws {
        var parser = Parser(bytes: Array(text.utf8))
        entries = try parser.document()
    }

    /// The largest file read: a configuration is a few hundred bytes.
    static let maximumBytes = 1 << 20

    struct Unreadable: Error, CustomStringConvertible {
        let description: String
    }

    /// The text of the file at `path`. Read here, not with Foundation's
    /// `String(contentsOfFile:)`, which leaks a 4 KiB buffer on every empty
    /// file it reads (LeakSanitizer; Swift 6.3), and SIGHUP reads again.
    static func read(path: String) throws -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Unreadable(description: "cannot read the configuration file: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw Unreadable(description: "cannot read the configuration file: \(String(cString: strerror(errno)))") }
            if count == 0 { break }
            bytes += chunk[..<count]
            guard bytes.count <= maximumBytes else { throw Unreadable(description: "the configuration file is over \(maximumBytes) bytes") }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw Unreadable(description: "the configuration file is not UTF-8 text")
        }
        return text
    }
}

/// A recursive-descent reading of the bytes, one line at a time.
private struct Parser {
    let bytes: [UInt8]
    var index = 0
    var line = 1

    init(bytes: [UInt8]) {
        self.bytes = bytes
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
    }

    /// Arrays nest at most this deep: a file of brackets must not exhaust the stack.
    private static let maximumDepth = 32

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private func fail(_ message: String) -> ConfigurationFile.Invalid {
        ConfigurationFile.Invalid(line: line, message: message)
    }

    mutating func document() throws -> [ConfigurationFile.Entry] {
        var entries: [ConfigurationFile.Entry] = []
        var seen = Set<String>()
        while true {
            skipBlanks()
            guard let byte = current else { return entries }
            switch byte {
            case UInt8(ascii: "#"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                try endOfLine()
            case UInt8(ascii: "["):
                throw fail("tables are not used: every key of amanuensisd.conf is at the top of the file")
            default:
                let keyLine = line
                let key = try self.key()
                guard seen.insert(key).inserted else { throw fail("key '\(key)' is given twice") }
                skipBlanks()
                if current == UInt8(ascii: ".") { throw fail("dotted keys are not used: '\(key).…'") }
                guard current == UInt8(ascii: "=") else { throw fail("expected '=' after '\(key)'") }
                index += 1
                skipBlanks()
                let value = try self.value(depth: 0)
                entries.append(.init(key: key, value: value, line: keyLine))
                try endOfLine()
            }
        }
    }

    private mutating func skipBlanks() {
        while current == UInt8(ascii: " ") || current == UInt8(ascii: "\t") { index += 1 }
    }

    /// A comment, if any, then a newline or the end of the text.
    private mutating func endOfLine() throws {
        skipBlanks()
        if current == UInt8(ascii: "#") {
            index += 1
            while let byte = current, byte != UInt8(ascii: "\n") {
                if Self.isControl(byte) && byte != UInt8(ascii: "\r") { throw fail("a control character in a comment") }
                index += 1
            }
        }
        if current == UInt8(ascii: "\r") { index += 1 }
        guard let byte = current else { return }
        guard byte == UInt8(ascii: "\n") else { throw fail("expected the end of the line") }
        index += 1
        line += 1
    }

    private mutating func key() throws -> String {
        switch current {
        case UInt8(ascii: "\""): return try basicString()
        case UInt8(ascii: "'"): return try literalString()
        default:
            let start = index
            while let byte = current, Self.isBareKey(byte) { index += 1 }
            guard index > start else { throw fail("expected a key") }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }
    }

    private mutating func value(depth: Int) throws -> ConfigurationValue {
        guard let byte = current else { throw fail("expected a value") }
        switch byte {
        case UInt8(ascii: "\""): return .string(try basicString())
        case UInt8(ascii: "'"): return .string(try literalString())
        case UInt8(ascii: "["): return .array(try array(depth: depth + 1))
        case UInt8(ascii: "{"): throw fail("inline tables are not used in amanuensisd.conf")
        default: return try scalar()
        }
    }

    /// Blanks, newlines and comments between the elements of an array.
    private mutating func skipArraySpace() throws {
        while true {
            skipBlanks()
            switch current {
            case UInt8(ascii: "#"), UInt8(ascii: "\r"), UInt8(ascii: "\n"): try endOfLine()
            default: return
            }
        }
    }

    private mutating func array(depth: Int) throws -> [ConfigurationValue] {
        guard depth <= Self.maximumDepth else { throw fail("arrays nested more than \(Self.maximumDepth) deep") }
        index += 1
        var elements: [ConfigurationValue] = []
        while true {
            try skipArraySpace()
            if current == UInt8(ascii: "]") { index += 1; return elements }
            elements.append(try value(depth: depth))
            try skipArraySpace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"): index += 1; return elements
            default: throw fail("expected ',' or ']' in an array")
            }
        }
    }

    private mutating func literalString() throws -> String {
        if bytes[index...].starts(with: Array("'''".utf8)) { throw fail("multi-line strings are not used in amanuensisd.conf") }
        index += 1
        let start = index
        while let byte = current, byte != UInt8(ascii: "'") {
            if byte == UInt8(ascii: "\n") { throw fail("a string that does not end on its line") }
            if Self.isControl(byte) && byte != UInt8(ascii: "\t") { throw fail("a control character in a string") }
            index += 1
        }
        guard current != nil else { throw fail("a string that does not end on its line") }
        defer { index += 1 }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func basicString() throws -> String {
        if bytes[index...].starts(with: Array("\"\"\"".utf8)) { throw fail("multi-line strings are not used in amanuensisd.conf") }
        index += 1
        var text: [UInt8] = []
        while true {
            guard let byte = current, byte != UInt8(ascii: "\n") else { throw fail("a string that does not end on its line") }
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: text, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try escape(into: &text)
            default:
                if Self.isControl(byte) && byte != UInt8(ascii: "\t") { throw fail("a control character in a string") }
                text.append(byte)
            }
        }
    }

    private mutating func escape(into text: inout [UInt8]) throws {
        guard let byte = current else { throw fail("a string that does not end on its line") }
        index += 1
        let simple: [UInt8: UInt8] = [UInt8(ascii: "b"): 0x08, UInt8(ascii: "t"): 0x09, UInt8(ascii: "n"): 0x0A,
                                      UInt8(ascii: "f"): 0x0C, UInt8(ascii: "r"): 0x0D, UInt8(ascii: "\""): 0x22,
                                      UInt8(ascii: "\\"): 0x5C]
        if let replacement = simple[byte] { return text.append(replacement) }
        let digits = byte == UInt8(ascii: "u") ? 4 : byte == UInt8(ascii: "U") ? 8 : 0
        guard digits > 0 else { throw fail("an unknown escape '\\\(Character(Unicode.Scalar(byte)))' in a string") }
        guard index + digits <= bytes.count,
              let code = UInt32(String(decoding: bytes[index..<index + digits], as: UTF8.self), radix: 16),
              bytes[index..<index + digits].allSatisfy(Self.isHexDigit),
              let scalar = Unicode.Scalar(code) else { throw fail("an escape that is not a Unicode scalar value") }
        index += digits
        text.append(contentsOf: String(Character(scalar)).utf8)
    }

    /// A boolean, integer or float: the bytes up to the next separator, read
    /// as TOML reads them.
    private mutating func scalar() throws -> ConfigurationValue {
        let start = index
        while let byte = current, !Self.endsScalar(byte) { index += 1 }
        let token = String(decoding: bytes[start..<index], as: UTF8.self)
        switch token {
        case "true": return .boolean(true)
        case "false": return .boolean(false)
        case "": throw fail("expected a value")
        default: break
        }
        let bytes = Array(token.utf8)
        if bytes.contains(UInt8(ascii: ":")) || (bytes.count > 4 && bytes[..<4].allSatisfy(Self.isDigit) && bytes[4] == UInt8(ascii: "-")) {
            throw fail("dates and times are not used in amanuensisd.conf")
        }
        if let integer = Self.integer(bytes) { return .integer(integer) }
        if let float = Self.float(bytes) { return .float(float) }
        throw fail("'\(token.prefix(40))' is not a value: strings take quotes")
    }

    /// TOML integers: decimal without leading zeros, or 0x, 0o, 0b; an
    /// underscore only between digits. Nil if not one, or out of range.
    private static func integer(_ token: [UInt8]) -> Int? {
        let radixes: [(prefix: UInt8, radix: Int)] = [(UInt8(ascii: "x"), 16), (UInt8(ascii: "o"), 8), (UInt8(ascii: "b"), 2)]
        if token.count > 2, token[0] == UInt8(ascii: "0"), let (_, radix) = radixes.first(where: { $0.prefix == token[1] }) {
            let digits = token[2...]
            guard isDigitRun(digits, radix: radix) else { return nil }
            return Int(String(decoding: digits.filter { $0 != UInt8(ascii: "_") }, as: UTF8.self), radix: radix)
        }
        let unsigned = token.first == UInt8(ascii: "+") || token.first == UInt8(ascii: "-") ? token.dropFirst() : token[...]
        guard isDecimalWhole(unsigned) else { return nil }
        return Int(String(decoding: token.filter { $0 != UInt8(ascii: "_") }, as: UTF8.self))
    }

    /// TOML floats: a whole part, then a fraction, an exponent or both; or
    /// inf and nan with an optional sign.
    private static func float(_ token: [UInt8]) -> Double? {
        let unsigned = token.first == UInt8(ascii: "+") || token.first == UInt8(ascii: "-") ? token.dropFirst() : token[...]
        if unsigned.elementsEqual("inf".utf8) { return token.first == UInt8(ascii: "-") ? -.infinity : .infinity }
        if unsigned.elementsEqual("nan".utf8) { return .nan }
        let exponentAt = unsigned.firstIndex { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
        let mantissa = unsigned[..<(exponentAt ?? unsigned.endIndex)]
        let pointAt = mantissa.firstIndex(of: UInt8(ascii: "."))
        guard exponentAt != nil || pointAt != nil, isDecimalWhole(mantissa[..<(pointAt ?? mantissa.endIndex)]) else { return nil }
        if let pointAt, !isDigitRun(mantissa[(pointAt + 1)...], radix: 10) { return nil }
        if let exponentAt {
            var exponent = unsigned[(exponentAt + 1)...]
            if exponent.first == UInt8(ascii: "+") || exponent.first == UInt8(ascii: "-") { exponent = exponent.dropFirst() }
            guard isDigitRun(exponent, radix: 10) else { return nil }
        }
        return Double(String(decoding: token.filter { $0 != UInt8(ascii: "_") }, as: UTF8.self))
    }

    /// A whole number's digits as TOML writes them: 0, or no leading zero.
    private static func isDecimalWhole(_ digits: ArraySlice<UInt8>) -> Bool {
        digits.elementsEqual([UInt8(ascii: "0")]) || (digits.first != UInt8(ascii: "0") && isDigitRun(digits, radix: 10))
    }

    /// Digits of `radix`, with an underscore only between two of them.
    private static func isDigitRun(_ digits: ArraySlice<UInt8>, radix: Int) -> Bool {
        guard let first = digits.first, let last = digits.last, first != UInt8(ascii: "_"), last != UInt8(ascii: "_") else { return false }
        var previous: UInt8 = 0
        for byte in digits {
            if byte == UInt8(ascii: "_") {
                guard previous != UInt8(ascii: "_") else { return false }
            } else {
                guard let value = Character(Unicode.Scalar(byte)).hexDigitValue, value < radix else { return false }
            }
            previous = byte
        }
        return true
    }

    private static func isBareKey(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "_"), UInt8(ascii: "-"): true
        default: false
        }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"), UInt8(ascii: "A")...UInt8(ascii: "F"): true
        default: false
        }
    }

    private static func isControl(_ byte: UInt8) -> Bool { byte < 0x20 || byte == 0x7F }

    private static func endsScalar(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"), UInt8(ascii: "#"),
             UInt8(ascii: ","), UInt8(ascii: "]"): true
        default: false
        }
    }
}
