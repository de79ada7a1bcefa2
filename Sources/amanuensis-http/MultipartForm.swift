import Foundation

/// The parts of a `multipart/form-data` body (RFC 7578), read from bytes
/// already held, and bounded: at most `maximumParts` parts, each with at
/// most `maximumHeaderBytes` of headers. A part's data is a slice of the
/// body, never a copy.
struct MultipartForm {
    static let maximumParts = 64
    static let maximumHeaderBytes = 8 * 1024

    struct Part {
        var name: String
        var filename: String?
        var contentType: String?
        var data: ArraySlice<UInt8>
    }

    struct Malformed: Error {
        let reason: String
    }

    let parts: [Part]

    /// The value of the `boundary` parameter of a Content-Type, if it is
    /// `multipart/form-data` and has one.
    static func boundary(ofContentType contentType: String) -> String? {
        let fields = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard fields.first?.lowercased() == "multipart/form-data" else { return nil }
        for field in fields.dropFirst() {
            let pair = field.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == "boundary" else { continue }
            var value = pair[1].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            // RFC 2046: 1 to 70 characters.
            return (1...70).contains(value.utf8.count) ? value : nil
        }
        return nil
    }

    init(_ body: [UInt8], boundary: String) throws {
        let delimiter = Array("--\(boundary)".utf8)
        let crlf: [UInt8] = [13, 10]
        guard var position = Self.find(delimiter, in: body[...], from: 0) else {
            throw Malformed(reason: "the body has no part (no boundary line)")
        }
        var parts: [Part] = []
        while true {
            position += delimiter.count
            if body[position...].starts(with: [45, 45]) { break }
            guard body[position...].starts(with: crlf) else { throw Malformed(reason: "a boundary line is not followed by a line end") }
            position += 2
            guard parts.count < Self.maximumParts else { throw Malformed(reason: "more than \(Self.maximumParts) parts") }
            let window = min(body.count, position + Self.maximumHeaderBytes + 4)
            guard let headersEnd = Self.find(crlf + crlf, in: body[..<window], from: position) else {
                throw Malformed(reason: window < body.count ? "a part's headers are longer than \(Self.maximumHeaderBytes) bytes"
                                                            : "the body ends inside a part's headers")
            }
            var part = try Self.part(headers: body[position..<headersEnd])
            let dataStart = headersEnd + 4
            guard let dataEnd = Self.find(crlf + delimiter, in: body[...], from: dataStart) else {
                throw Malformed(reason: "the body ends inside the part '\(part.name)' (no closing boundary)")
            }
            part.data = body[dataStart..<dataEnd]
            parts.append(part)
            position = dataEnd + 2
        }
        self.parts = parts
    }

    /// The first part named `name`, and every part so named.
    subscript(name: String) -> Part? { parts.first { $0.name == name } }
    func all(_ name: String) -> [Part] { parts.filter { $0.name == name } }

    /// A part's name, file name and type, from its headers.
    private static func part(headers: ArraySlice<UInt8>) throws -> Part {
        var disposition: String?
        var contentType: String?
        for line in String(decoding: headers, as: UTF8.self).split(separator: "\r\n") {
            let pair = line.split(separator: ":", maxSplits: 1)
            guard pair.count == 2 else { throw Malformed(reason: "a part header without a colon") }
            let value = pair[1].trimmingCharacters(in: .whitespaces)
            switch pair[0].lowercased() {
            case "content-disposition": disposition = value
            case "content-type": contentType = value
            default: break
            }
        }
        guard let disposition, disposition.lowercased().hasPrefix("form-data"),
              let name = parameter("name", of: disposition) else {
            throw Malformed(reason: "a part without Content-Disposition: form-data; name=…")
        }
        return Part(name: name, filename: parameter("filename", of: disposition), contentType: contentType, data: [])
    }

    /// `key="value"` (or unquoted) in a header value; quoted values keep what a backslash escapes.
    static func parameter(_ key: String, of header: String) -> String? {
        var rest = Substring(header)
        while let semicolon = rest.firstIndex(of: ";") {
            rest = rest[rest.index(after: semicolon)...].drop { $0 == " " || $0 == "\t" }
            guard rest.prefix(key.count + 1).lowercased() == key + "=" else { continue }
            rest = rest.dropFirst(key.count + 1)
            guard rest.first == "\"" else { return String(rest.prefix { $0 != ";" }).trimmingCharacters(in: .whitespaces) }
            var value = ""
            var escaped = false
            for character in rest.dropFirst() {
                if escaped {
                    value.append(character)
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == "\"" {
                    return value
                } else {
                    value.append(character)
                }
            }
            return nil
        }
        return nil
    }

    /// Where `needle` first starts in `haystack` at or after `start`.
    static func find(_ needle: [UInt8], in haystack: ArraySlice<UInt8>, from start: Int) -> Int? {
        guard let first = needle.first, haystack.endIndex - start >= needle.count else { return nil }
        var index = start
        let last = haystack.endIndex - needle.count
        while index <= last {
            if haystack[index] == first, haystack[index..<index + needle.count].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}
