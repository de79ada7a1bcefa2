import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// A response of server-sent events, written from the thread pool onto the
/// client's channel (a channel takes writes from any thread, in order).
final class EventStream: Sendable {
    private let channel: any Channel
    private let keepAlive: Bool
    private let begun = NIOLockedValueBox(false)

    init(channel: any Channel, keepAlive: Bool) {
        self.channel = channel
        self.keepAlive = keepAlive
    }

    var hasBegun: Bool { begun.withLockedValue { $0 } }

    /// The response's head; once, whatever calls it first.
    func begin() {
        guard begun.withLockedValue({ begun in defer { begun = true }; return !begun }) else { return }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/event-stream")
        headers.add(name: "Cache-Control", value: "no-cache")
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        channel.writeAndFlush(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers)), promise: nil)
    }

    /// One event; the head goes first if it has not (the daemon's segments
    /// may overtake its `accepted`).
    func send(_ event: some Encodable) {
        begin()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let json = try? encoder.encode(event) else { return }
        let bytes = Array("data: ".utf8) + Array(json) + Array("\n\n".utf8)
        channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(bytes: bytes))), promise: nil)
    }

    func end() {
        let done = channel.writeAndFlush(HTTPServerResponsePart.end(nil))
        guard !keepAlive else { return }
        let channel = channel
        done.whenComplete { _ in channel.close(promise: nil) }
    }
}
