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
    /// A request is with the daemon: the client is silent while it waits.
    private var answering = false

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
            case .failure(let refusal):
                request = nil
                respond(refusal.answer, keepAlive: head.isKeepAlive && !refusal.closing, context: context)
            }
        case .body(let buffer):
            guard request != nil else { return }
            guard body.count + buffer.readableBytes <= service.maximumUploadBytes else {
                request = nil
                body = []
                return respond(.error(413, "the body is larger than \(service.maximumUploadBytes) bytes"), keepAlive: false, context: context)
            }
            body += buffer.readableBytesView
        case .end:
            guard let (head, route) = request else { return }
            request = nil
            let body = self.body
            self.body = []
            let service = service
            let events = EventStream(channel: context.channel, keepAlive: head.isKeepAlive)
            let handler = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            answering = true
            pool.runIfActive(eventLoop: context.eventLoop) {
                service.answer(route, head: head, body: body, events: events)
            }.whenComplete { outcome in
                let (handler, context) = handler.value
                handler.answering = false
                switch outcome {
                case .success(.answer(let answer)): handler.respond(answer, keepAlive: head.isKeepAlive, context: context)
                case .success(.streamed): break
                case .failure: handler.respond(.error(503, "the gateway is stopping"), keepAlive: false, context: context)
                }
            }
        }
    }

    /// A client that sends nothing for `idleTimeout` while no answer is
    /// being made (a body that stops halfway, a connection kept open and
    /// unused) is closed: each holds a connection and a buffer.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard case IdleStateHandler.IdleStateEvent.read = event else { return context.fireUserInboundEventTriggered(event) }
        if !answering { context.close(promise: nil) }
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
