import AmanuensisClient
import AmanuensisProtocol
import Foundation

/// A response, made away from the event loop and written on it.
struct HTTPAnswer: Sendable {
    var status: Int
    var contentType: String
    var body: [UInt8]
    /// Seconds a client should wait before trying again (429, 503).
    var retryAfter: Int?

    static func text(_ text: String, contentType: String = "text/plain; charset=utf-8") -> HTTPAnswer {
        HTTPAnswer(status: 200, contentType: contentType, body: Array(text.utf8))
    }

    static func json(_ value: some Encodable, status: Int = 200) -> HTTPAnswer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = (try? encoder.encode(value)).map(Array.init) ?? Array("{}".utf8)
        return HTTPAnswer(status: status, contentType: "application/json", body: body + [10])
    }

    /// An error in OpenAI's shape, `{"error": {message, type, param, code}}`,
    /// which its client libraries raise with the message.
    static func error(_ status: Int, _ message: String, parameter: String? = nil, code: String? = nil) -> HTTPAnswer {
        struct Body: Encodable {
            struct Detail: Encodable {
                let message: String
                let type: String
                let param: String?
                let code: String?

                func encode(to encoder: any Encoder) throws {
                    var container = encoder.container(keyedBy: CodingKeys.self)
                    try container.encode(message, forKey: .message)
                    try container.encode(type, forKey: .type)
                    try container.encode(param, forKey: .param)
                    try container.encode(code, forKey: .code)
                }

                enum CodingKeys: String, CodingKey { case message, type, param, code }
            }

            let error: Detail
        }
        let type = status >= 500 ? "server_error" : "invalid_request_error"
        var answer = json(Body(error: .init(message: message, type: type, param: parameter, code: code)), status: status)
        if status == 429 || status == 503 { answer.retryAfter = 1 }
        return answer
    }

    /// What the daemon's refusal means to an HTTP client: 400 for a bad
    /// request, 415 for audio the daemon cannot read, 413 for audio too long,
    /// 429 when it has no capacity now, 503 when it is going away.
    static func refusal(_ error: ProtocolError) -> HTTPAnswer {
        let status = switch error.code {
        case .badRequest: 400
        case .badAudio: 415
        case .audioTooLong: 413
        case .permissionDenied: 403
        case .busy, .timeout, .tooManyConnections: 429
        case .shuttingDown: 503
        default: 500
        }
        return .error(status, error.message, code: error.code.name)
    }

    static func unreachable(_ error: DaemonConnection.Unreachable) -> HTTPAnswer {
        .error(503, error.description, code: "unreachable")
    }
}
