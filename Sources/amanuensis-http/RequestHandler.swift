import NIOCore
import NIOHTTP1
import NIOPosix

/// One client connection's requests, after NIO's HTTP/1.1 parsing (which
/// also keeps pipelined requests in order): the head is judged at once, the
/// body gathered up to the upload limit, and the answer made on the thread
/// pool, so a slow daemon never holds the event loop.
final class RequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// How long a connection refused mid-upload is read (and its bytes
    /// dropped) after the answer, so that the answer is not lost to a reset.
    private static let linger = TimeAmount.seconds(2)
    static let idleTimeout = TimeAmount.seconds(30)

    private let service: GatewayService
    private let pool: NIOThreadPool
    private var request: (head: HTTPRequestHead, route: GatewayService.Route)?
    private var body: [UInt8] = []
    /// Requests with the daemon (pipelined ones may overlap): the client is
    /// silent while it waits, and is not idle.
    private var answering = 0
    /// Tells the requests with the daemon when the client goes.
    private let abandonment = Abandonment()

    init(service: GatewayService, pool: NIOThreadPool) {
        self.service = service
        self.pool = pool
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            body = []
            switch service.route(head) {
            case .success(let route):
                request = (head, route)
                // Grown by doubling, a body would hold up to twice what the budget counts.
                if let declared = head.headers["Content-Length"].first.flatMap(Int.init), declared > 0 {
                    body.reserveCapacity(min(declared, service.maximumUploadBytes))
                }
                // curl waits a second for this before sending a large body.
                if head.headers["Expect"].first?.lowercased() == "100-continue" {
                    context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))), promise: nil)
                }
            case .failure(let refusal):
                request = nil
                respond(refusal.answer, keepAlive: head.isKeepAlive && !refusal.closing, context: context)
            }
        case .body(let buffer):
            guard request != nil else { return }
            guard body.count + buffer.readableBytes <= service.maximumUploadBytes else {
                drop()
                return respond(.error(413, "the body is larger than \(service.maximumUploadBytes) bytes"), keepAlive: false, context: context)
            }
            guard service.uploads.reserve(buffer.readableBytes) else {
                drop()
                return respond(.error(503, "the gateway holds \(service.uploads.limit) bytes of uploads already; try again"),
                               keepAlive: false, context: context)
            }
            body += buffer.readableBytesView
        case .end:
            guard let (head, route) = request else { return }
            request = nil
            let body = self.body
            self.body = []
            let held = body.count
            let service = service
            let events = EventStream(channel: context.channel, keepAlive: head.isKeepAlive)
            let abandonment = abandonment
            let handler = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            answering += 1
            pool.runIfActive(eventLoop: context.eventLoop) {
                service.answer(route, head: head, body: body, events: events, abandonment: abandonment)
            }.whenComplete { outcome in
                let (handler, context) = handler.value
                handler.answering -= 1
                handler.giveBack(held)
                switch outcome {
                case .success(.answer(let answer)): handler.respond(answer, keepAlive: head.isKeepAlive, context: context)
                case .success(.streamed): break
                case .failure: handler.respond(.error(503, "the gateway is stopping"), keepAlive: false, context: context)
                }
            }
        }
    }

    /// The client went away: its requests with the daemon are cancelled, its
    /// bytes given back.
    func channelInactive(context: ChannelHandlerContext) {
        abandonment.abandon()
        drop()
        context.fireChannelInactive()
    }

    /// Forgets the body being read, and gives its bytes back.
    private func drop() {
        request = nil
        giveBack(body.count)
        body = []
    }

    /// A body's bytes go back to the budget once it is dropped or answered.
    private func giveBack(_ bytes: Int) {
        service.uploads.release(bytes)
    }

    /// A client that sends nothing for `idleTimeout` while no answer is
    /// being made (a body that stops halfway, a connection kept open and
    /// unused) is closed: each holds a connection and a buffer.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard case IdleStateHandler.IdleStateEvent.read = event else { return context.fireUserInboundEventTriggered(event) }
        if answering == 0 { context.close(promise: nil) }
    }

    private func respond(_ answer: HTTPAnswer, keepAlive: Bool, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: answer.contentType)
        headers.add(name: "Content-Length", value: String(answer.body.count))
        if let seconds = answer.retryAfter { headers.add(name: "Retry-After", value: String(seconds)) }
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: answer.status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: answer.body)))), promise: nil)
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        guard !keepAlive else { return }
        let channel = context.channel
        written.whenComplete { _ in
            channel.close(mode: .output, promise: nil)
            channel.eventLoop.scheduleTask(in: Self.linger) { channel.close(promise: nil) }
        }
    }
}
