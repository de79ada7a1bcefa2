import Foundation

/// One event of the Wyoming protocol (OHF-Voice/wyoming): a JSON header
/// line naming its `type`, then `data_length` bytes of JSON data merged
/// over the header's `data`, then `payload_length` bytes of payload (audio).
public struct WyomingEvent: Hashable, Sendable {
    public var type: String
    public var data: [String: JSONValue]
    public var payload: [UInt8]

    public init(type: String, data: [String: JSONValue] = [:], payload: [UInt8] = []) {
        self.type = type
        self.data = data
        self.payload = payload
    }

    /// The version of the `wyoming` package whose peers the tests run against.
    public static let protocolVersion = "1.10.2"

    /// The header line, the data and the payload, as the Python peers write them.
    public func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let dataBytes = data.isEmpty ? [] : [UInt8](try encoder.encode(data))
        var header: [String: JSONValue] = ["type": .string(type), "version": .string(Self.protocolVersion)]
        if !dataBytes.isEmpty { header["data_length"] = .number(Double(dataBytes.count)) }
        if !payload.isEmpty { header["payload_length"] = .number(Double(payload.count)) }
        return [UInt8](try encoder.encode(header)) + [0x0A] + dataBytes + payload
    }

    public static func error(_ text: String, code: String) -> WyomingEvent {
        WyomingEvent(type: "error", data: ["text": .string(text), "code": .string(code)])
    }
}
