import AmanuensisClient
import AmanuensisProtocol
import Foundation
import NIOHTTP1

/// What the HTTP gateway serves, apart from moving bytes: the routes,
/// the token, the upload limit, and the daemon conversation behind each
/// route. Everything here may block (it talks to the daemon) and runs on
/// the gateway's thread pool, never on the event loop.
struct GatewayService: Sendable {
    let daemonPath: String
    /// `Authorization: Bearer` must carry this, when set.
    let token: String?
    let maximumUploadBytes: Int
    /// Upload bytes held at once by all connections together.
    let uploads: UploadBudget

    enum Route: Sendable {
        case health, models, transcriptions, translations

        var task: DecodingChoices.Task { self == .translations ? .translate : .daemonDefault }
    }

    enum Outcome: Sendable {
        case answer(HTTPAnswer)
        /// Written to the client as server-sent events already.
        case streamed
    }

    /// The route of a request, or the answer its head alone earns (an
    /// unknown path, a wrong method or token, a body announced too large).
    func route(_ head: HTTPRequestHead) -> Result<Route, HTTPAnswerRefusal> {
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let routes: [String: (Route, HTTPMethod)] = [
            "/health": (.health, .GET), "/v1/models": (.models, .GET),
            "/v1/audio/transcriptions": (.transcriptions, .POST), "/v1/audio/translations": (.translations, .POST),
        ]
        guard let (route, method) = routes[path] else {
            return .failure(.init(.error(404, "no route \(head.method.rawValue) \(path.prefix(200))")))
        }
        guard head.method == method else {
            return .failure(.init(.error(405, "\(path) takes \(method.rawValue)")))
        }
        if let token, !Self.bearer(head.headers["Authorization"].first, matches: token) {
            return .failure(.init(.error(401, "a missing or wrong API key (Authorization: Bearer)", code: "invalid_api_key")))
        }
        guard method == .POST else { return .success(route) }
        if let declared = head.headers["Content-Length"].first.flatMap(Int.init), declared > maximumUploadBytes {
            return .failure(.init(.error(413, "a body of \(declared) bytes; the limit is \(maximumUploadBytes)"), closing: true))
        }
        guard MultipartForm.boundary(ofContentType: head.headers["Content-Type"].first ?? "") != nil else {
            return .failure(.init(.error(415, "the body must be multipart/form-data with a boundary"), closing: true))
        }
        return .success(route)
    }

    func answer(_ route: Route, head: HTTPRequestHead, body: [UInt8], events: EventStream, abandonment: Abandonment) -> Outcome {
        do {
            switch route {
            case .health:
                _ = try DaemonTranscription.status(daemonPath: daemonPath)
                return .answer(.text("OK\n"))
            case .models:
                let status = try DaemonTranscription.status(daemonPath: daemonPath)
                return .answer(.json(ModelList(model: status["model_name"] ?? "whisper")))
            case .transcriptions, .translations:
                let boundary = MultipartForm.boundary(ofContentType: head.headers["Content-Type"].first ?? "") ?? ""
                let form: TranscriptionForm
                do {
                    form = try TranscriptionForm(try MultipartForm(body, boundary: boundary), task: route.task)
                } catch let malformed as MultipartForm.Malformed {
                    return .answer(.error(400, "a malformed multipart body: \(malformed.reason)"))
                } catch let invalid as TranscriptionForm.Invalid {
                    return .answer(.error(400, invalid.message, parameter: invalid.parameter))
                }
                if form.stream { return stream(form, events: events, abandonment: abandonment) }
                let result = try DaemonTranscription.run(form.audio, choices: form.choices, daemonPath: daemonPath, abandonment: abandonment)
                return .answer(OpenAIResponse.answer(result, format: form.format, task: route.task, words: form.choices.wordTimestamps))
            }
        } catch {
            return .answer(Self.answer(for: error))
        }
    }

    /// Text events as the daemon finalizes segments, then the whole text
    /// (OpenAI's `transcript.text.delta` and `transcript.text.done`). The
    /// stream opens once the daemon has accepted the audio, so a file it
    /// cannot read still gets its status code.
    private func stream(_ form: TranscriptionForm, events: EventStream, abandonment: Abandonment) -> Outcome {
        var sent = ""
        do {
            let result = try DaemonTranscription.run(form.audio, choices: form.choices, daemonPath: daemonPath,
                                                     abandonment: abandonment) { event in
                switch event {
                case .accepted:
                    events.begin()
                case .segments(let segments):
                    let delta = segments.map(\.text).joined()
                    events.send(TextDelta(delta: sent.isEmpty ? delta.trimmingCharacters(in: .whitespaces) : delta))
                    sent += delta
                }
            }
            let whole = result.segments.map(\.text).joined()
            if whole.count > sent.count {
                let rest = String(whole.dropFirst(sent.count))
                events.send(TextDelta(delta: sent.isEmpty ? rest.trimmingCharacters(in: .whitespaces) : rest))
            }
            events.send(TextDone(text: result.text))
            events.end()
            return .streamed
        } catch {
            guard events.hasBegun else { return .answer(Self.answer(for: error)) }
            events.send(StreamError(error: .init(message: "\(error)")))
            events.end()
            return .streamed
        }
    }

    private static func answer(for error: any Error) -> HTTPAnswer {
        switch error {
        case let error as ProtocolError: .refusal(error)
        case let error as DaemonConnection.Unreachable: .unreachable(error)
        default: .error(500, "\(error)")
        }
    }

    /// Compares in time that does not depend on where the token differs.
    static func bearer(_ header: String?, matches token: String) -> Bool {
        guard let header, header.hasPrefix("Bearer ") else { return false }
        let given = Array(header.dropFirst("Bearer ".count).utf8), expected = Array(token.utf8)
        var difference = given.count ^ expected.count
        for index in expected.indices { difference |= Int(expected[index] ^ (index < given.count ? given[index] : 0)) }
        return difference == 0
    }

    struct ModelList: Encodable {
        struct Model: Encodable {
            let id: String
            let object = "model"
            let created = 0
            let ownedBy = "amanuensis"

            enum CodingKeys: String, CodingKey {
                case id, object, created
                case ownedBy = "owned_by"
            }
        }

        let object = "list"
        let data: [Model]

        init(model: String) { data = [Model(id: model)] }
    }

    struct TextDelta: Encodable {
        let type = "transcript.text.delta"
        let delta: String
    }

    struct TextDone: Encodable {
        let type = "transcript.text.done"
        let text: String
    }

    struct StreamError: Encodable {
        struct Detail: Encodable {
            let message: String
        }

        let type = "error"
        let error: Detail
    }
}

/// An answer to a request's head, and whether the connection must close
/// after it (a body was announced that will not be read).
struct HTTPAnswerRefusal: Error, Sendable {
    let answer: HTTPAnswer
    let closing: Bool

    init(_ answer: HTTPAnswer, closing: Bool = false) {
        self.answer = answer
        self.closing = closing
    }
}
