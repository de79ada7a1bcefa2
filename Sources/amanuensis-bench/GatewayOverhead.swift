import AmanuensisCore
import ArgumentParser
import Foundation
import Glibc
import WyomingProtocol

extension Bench {
    /// What a gateway adds to a request, each time from before the
    /// connection to the text, interleaved with the same request made the
    /// daemon's own way so that drift and load hit both alike:
    /// - Wyoming (`--wyoming`): transcribe, audio-start, 100 ms chunks and
    ///   audio-stop, as Home Assistant sends them, against a raw upload of
    ///   the same samples (a connection, hello, as amctl sends standard input);
    /// - HTTP (`--http`): a multipart POST of the file, as OpenAI's clients
    ///   send it, against the file's descriptor (as `amctl transcribe FILE`).
    struct GatewayOverhead: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gateway",
            abstract: "Measure a gateway's overhead against the daemon's own protocol.")

        @OptionGroup var daemon: SocketOption

        @Option(help: "The Wyoming gateway's address, HOST:PORT.")
        var wyoming: String?

        @Option(help: "The HTTP gateway's address, HOST:PORT.")
        var http: String?

        @Option(help: "Pairs of runs (one direct, one through the gateway).")
        var runs = 20

        @Argument(help: "Audio file.", completion: .file())
        var file: String

        func validate() throws {
            guard (wyoming == nil) != (http == nil) else { throw ValidationError("name one gateway: --wyoming or --http") }
        }

        func run() throws {
            let audio = try AudioFileDecoder.decode(path: file)
            let pcm = audio.samples.flatMap { sample -> [UInt8] in
                let value = Int16(max(-32768, min(32767, (sample * 32768).rounded())))
                return [UInt8(truncatingIfNeeded: value), UInt8(truncatingIfNeeded: value >> 8)]
            }
            let upload = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
            var direct: [Double] = [], gateway: [Double] = []
            var texts: Set<String> = []
            for run in 0..<runs + 1 {
                var started = ContinuousClock.now
                var client = try BenchClient(socket: daemon.socket)
                if http == nil {
                    var retries = 0
                    guard case .transcribed = try client.transcribe(pcm: pcm, busyRetries: &retries) else {
                        throw ValidationError("the daemon did not transcribe \(file)")
                    }
                } else {
                    _ = try client.result(of: file)
                }
                let directTime = (ContinuousClock.now - started).milliseconds
                started = ContinuousClock.now
                if let wyoming {
                    texts.insert(try Self.viaWyoming(pcm, at: try Self.connect(wyoming)))
                } else if let http {
                    texts.insert(try Self.viaHTTP(upload, name: URL(fileURLWithPath: file).lastPathComponent, at: try Self.connect(http)))
                }
                // The first pair warms both paths and is not counted.
                guard run > 0 else { continue }
                direct.append(directTime)
                gateway.append((ContinuousClock.now - started).milliseconds)
            }
            let report = GatewayOverheadReport(
                gateway: wyoming == nil ? "http" : "wyoming", file: file, audioSeconds: audio.duration, runs: runs,
                directMilliseconds: Summary(direct), gatewayMilliseconds: Summary(gateway),
                medianAddedMilliseconds: Summary(gateway).median - Summary(direct).median,
                pairedAddedMilliseconds: Summary(zip(gateway, direct).map { $0 - $1 }),
                gatewayTexts: texts.sorted())
            print(try JSONOutput.encode(report))
        }

        /// A TCP connection to HOST:PORT (a literal IPv4 address).
        static func connect(_ address: String) throws -> Int32 {
            guard let colon = address.lastIndex(of: ":"), let port = UInt16(address[address.index(after: colon)...]) else {
                throw ValidationError("'\(address)' is not HOST:PORT")
            }
            let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var peer = sockaddr_in()
            peer.sin_family = sa_family_t(AF_INET)
            peer.sin_port = port.bigEndian
            peer.sin_addr.s_addr = inet_addr(String(address[..<colon]))
            let connected = withUnsafePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else {
                close(fd)
                throw ValidationError("cannot connect to \(address)")
            }
            return fd
        }

        static func sendAll(_ bytes: [UInt8], to fd: Int32) throws {
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                guard written > 0 else { throw ValidationError("the gateway closed the connection") }
                offset += written
            }
        }

        /// One utterance through the Wyoming gateway on `fd` (closed after); its transcript's text.
        static func viaWyoming(_ pcm: [UInt8], at fd: Int32) throws -> String {
            defer { close(fd) }
            let format: [String: JSONValue] = ["rate": .number(16_000), "width": .number(2), "channels": .number(1)]
            var bytes = try WyomingEvent(type: "transcribe").encoded() + WyomingEvent(type: "audio-start", data: format).encoded()
            for start in stride(from: 0, to: pcm.count, by: 3_200) {
                bytes += try WyomingEvent(type: "audio-chunk", data: format, payload: Array(pcm[start..<min(start + 3_200, pcm.count)])).encoded()
            }
            try sendAll(bytes + WyomingEvent(type: "audio-stop").encoded(), to: fd)
            var reader = WyomingReader { buffer in max(0, read(fd, buffer.baseAddress, buffer.count)) }
            while let event = try reader.next() {
                if event.type == "transcript" { return event.data["text"]?.string ?? "" }
                if event.type == "error" { throw ValidationError("the gateway said: \(event.data["text"]?.string ?? "")") }
            }
            throw ValidationError("the gateway closed the connection before the transcript")
        }

        /// One file through the HTTP gateway on `fd` (closed after), as text.
        static func viaHTTP(_ file: [UInt8], name: String, at fd: Int32) throws -> String {
            defer { close(fd) }
            let boundary = "amanuensis-bench-boundary"
            let body = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\n\r\n".utf8) + file
                + Array("\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"response_format\"\r\n\r\ntext\r\n--\(boundary)--\r\n".utf8)
            let head = "POST /v1/audio/transcriptions HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                + "Content-Type: multipart/form-data; boundary=\(boundary)\r\nContent-Length: \(body.count)\r\n\r\n"
            try sendAll(Array(head.utf8) + body, to: fd)
            var answer: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                guard count > 0 else { break }
                answer += buffer[0..<count]
            }
            let text = String(decoding: answer, as: UTF8.self)
            guard text.hasPrefix("HTTP/1.1 200"), let blank = text.range(of: "\r\n\r\n") else {
                throw ValidationError("the gateway answered: \(text.prefix(300))")
            }
            return String(text[blank.upperBound...]).trimmingCharacters(in: .newlines)
        }
    }

    struct GatewayOverheadReport: Encodable {
        let gateway: String
        let file: String
        let audioSeconds: Double
        let runs: Int
        let directMilliseconds: Summary
        let gatewayMilliseconds: Summary
        let medianAddedMilliseconds: Double
        /// Each gateway run less the direct run just before it.
        let pairedAddedMilliseconds: Summary
        /// One text when every run through the gateway read alike.
        let gatewayTexts: [String]
    }
}
