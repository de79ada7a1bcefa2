/// Fuzzes `MultipartForm`, which cuts an HTTP client's upload into its
/// fields before amanuensis-http looks at any of them.
///
/// Input: one byte for the boundary's length (1 to 16), the boundary, then
/// the body. Whatever parses must make sense: every part's data lies in the
/// body and holds no delimiter, and the parts written out again as a form
/// (with their names and file names) read back as the same parts.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    guard let first = input.first else { return 0 }
    let length = Int(first) % 16 + 1
    guard input.count > length else { return 0 }
    let boundary = String(decoding: input[1...length].map { 0x30 + $0 % 43 }, as: UTF8.self)
    let body = Array(input[(length + 1)...])
    guard let form = try? MultipartForm(body, boundary: boundary) else { return 0 }
    let delimiter = Array("\r\n--\(boundary)".utf8)
    for part in form.parts {
        require(part.data.startIndex >= 0 && part.data.endIndex <= body.count, "a part outside the body")
        require(MultipartForm.find(delimiter, in: part.data, from: part.data.startIndex) == nil, "a part holds the delimiter")
    }
    // Names and file names that a header can carry back as they are.
    let writable = form.parts.allSatisfy { part in
        ([part.name] + (part.filename.map { [$0] } ?? [])).allSatisfy { !$0.contains { "\"\\;\r\n".contains($0) } }
    }
    guard writable else { return 0 }
    var written: [UInt8] = []
    for part in form.parts {
        var disposition = "form-data; name=\"\(part.name)\""
        if let filename = part.filename { disposition += "; filename=\"\(filename)\"" }
        written += Array("--\(boundary)\r\nContent-Disposition: \(disposition)\r\n\r\n".utf8) + part.data + Array("\r\n".utf8)
    }
    written += Array("--\(boundary)--\r\n".utf8)
    guard let again = try? MultipartForm(written, boundary: boundary) else {
        fatalError("the parts written out again do not parse: \(form.parts.map(\.name))")
    }
    require(again.parts.map(\.name) == form.parts.map(\.name), "names \(again.parts.map(\.name)) vs \(form.parts.map(\.name))")
    require(again.parts.map(\.filename) == form.parts.map(\.filename), "file names differ")
    require(zip(again.parts, form.parts).allSatisfy { $0.data.elementsEqual($1.data) }, "data differs")
    return 0
}
