import AmanuensisClient
import ArgumentParser
import CSystemd
import Foundation
import GatewaySupport
import Glibc
import NIOCore
import NIOHTTP1
import NIOPosix

/// The OpenAI-compatible HTTP gateway: `POST /v1/audio/transcriptions`
/// and `translations`, `GET /v1/models` and `/health`, served from
/// amanuensisd as a client of the daemon like amctl, so the daemon stays
/// the one owner of the model. See amanuensis-http(8).
@main
struct AmanuensisHTTP: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "amanuensis-http",
        abstract: "Serve OpenAI's audio transcription API from amanuensisd.",
        discussion: "Socket-activated by amanuensis-http.socket, or listening on --listen when started by hand.")

    @Option(help: ArgumentHelp("Where to listen when systemd passes no socket: HOST:PORT or unix:PATH.", valueName: "address"))
    var listen = ListenAddress.tcp(host: "127.0.0.1", port: 8080)

    @OptionGroup var connection: ConnectionOptions

    @Option(help: ArgumentHelp("A file holding the API key clients must send (Authorization: Bearer); without one, loopback only.",
                               valueName: "file"))
    var tokenFile: String?

    @Option(help: "The largest upload, in megabytes.")
    var maxUploadMb = 25

    /// Requests answered at once; more wait for a thread.
    private static let workers = 32
    /// Uploads of the largest size held at once; more are refused with 503.
    private static let uploadsHeld = 8

    func validate() throws {
        guard (1...4096).contains(maxUploadMb) else { throw ValidationError("--max-upload-mb must be from 1 to 4096") }
    }

    func run() throws {
        signal(SIGPIPE, SIG_IGN)
        let token = try tokenFile.map(readToken)
        let listener: Int32
        let place: String
        do {
            (listener, place) = try ListeningSocket.open(listen, program: "amanuensis-http")
        } catch let failure as ListeningSocket.Failure {
            throw self.failure(failure.description)
        }
        guard token != nil || ListeningSocket.isLocal(listener) else {
            throw failure("\(place) is not a loopback address: without --token-file, amanuensis-http serves loopback or a Unix socket only")
        }
        let service = GatewayService(daemonPath: connection.socketPath, token: token, maximumUploadBytes: maxUploadMb * 1_000_000,
                                     uploads: UploadBudget(limit: Self.uploadsHeld * maxUploadMb * 1_000_000))
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let pool = NIOThreadPool(numberOfThreads: Self.workers)
        pool.start()
        let channel = try ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: RequestHandler.idleTimeout))
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(RequestHandler(service: service, pool: pool))
                }
            }
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: false)
            .withBoundSocket(listener)
            .wait()
        log("serving OpenAI's audio API on \(place) from the daemon at \(service.daemonPath)\(token == nil ? "" : ", with a token")")
        sd_notify(0, "READY=1")
        try channel.closeFuture.wait()
    }

    private func readToken(_ path: String) throws -> String {
        guard let contents = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw failure("cannot read the token file \(path)")
        }
        let token = contents.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty, !token.contains(where: \.isWhitespace) else {
            throw failure("the token file \(path) must hold one token")
        }
        return token
    }

    private func failure(_ message: String) -> ExitCode {
        log(message)
        return ExitCode(1)
    }

    private func log(_ message: String) {
        FileHandle.standardError.write(Data("amanuensis-http: \(message)\n".utf8))
    }
}
