import AmanuensisCore
import ArgumentParser
import Foundation
import Glibc
import WyomingProtocol

extension Bench {
    /// What a gateway adds to a request: the same audio sent to the daemon
    /// directly (a connection, hello, raw upload, as amctl sends standard
    /// input) and through the Wyoming gateway (a TCP connection, transcribe,
    /// audio-start, 100 ms chunks, audio-stop, as Home Assistant sends it),
    /// interleaved so that drift and load hit both alike. Each time runs
    /// from before the connection to the transcript.
    struct GatewayOverhead: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gateway",
            abstract: "Measure the Wyoming gateway's overhead against the daemon's own protocol.")

        @Option(help: "The daemon's socket.")
        var socket: String

        @Option(help: "The gateway's address, HOST:PORT.")
        var wyoming: String

        @Option(help: "Pairs of runs (one direct, one through the gateway).")
        var runs = 20

        @Argument(help: "Audio file.", completion: .file())
        var file: String

        func run() throws {
            let audio = try AudioFileDecoder.decode(path: file)
            let pcm = audio.samples.flatMap { sample -> [UInt8] in
                let value = Int16(max(-32768, min(32767, (sample * 32768).rounded())))
                return [UInt8(truncatingIfNeeded: value), UInt8(truncatingIfNeeded: value >> 8)]
            }
            var direct: [Double] = [], gateway: [Double] = []
            var texts: Set<String> = []
            for run in 0..<runs + 1 {
                var started = ContinuousClock.now
                var client = try BenchClient(socket: socket)
                var retries = 0
                guard case .transcribed = try client.transcribe(pcm: pcm, busyRetries: &retries) else {
                    throw ValidationError("the daemon did not transcribe \(file)")
                }
                let directTime = (ContinuousClock.now - started).milliseconds
                started = ContinuousClock.now
                texts.insert(try Self.viaWyoming(pcm, at: wyoming))
                // The first pair warms both paths and is not counted.
                guard run > 0 else { continue }
                direct.append(directTime)
                gateway.append((ContinuousClock.now - started).milliseconds)
            }
            let report = GatewayOverheadReport(
                file: file, audioSeconds: audio.duration, runs: runs,
                directMilliseconds: Summary(direct), gatewayMilliseconds: Summary(gateway),
                medianAddedMilliseconds: Summary(gateway).median - Summary(direct).median,
                pairedAddedMilliseconds: Summary(zip(gateway, direct).map { $0 - $1 }),
                gatewayTexts: texts.sorted())
            print(try JSONOutput.encode(report))
        }

        /// One utterance through the gateway; its transcript's text.
        static func viaWyoming(_ pcm: [UInt8], at address: String) throws -> String {
            guard let colon = address.lastIndex(of: ":"), let port = UInt16(address[address.index(after: colon)...]) else {
                throw ValidationError("--wyoming: '\(address)' is not HOST:PORT")
            }
            let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var peer = sockaddr_in()
            peer.sin_family = sa_family_t(AF_INET)
            peer.sin_port = port.bigEndian
            peer.sin_addr.s_addr = inet_addr(String(address[..<colon]))
            let connected = withUnsafePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else { throw ValidationError("cannot connect to \(address)") }
            let format: [String: JSONValue] = ["rate": .number(16_000), "width": .number(2), "channels": .number(1)]
            var bytes = try WyomingEvent(type: "transcribe").encoded() + WyomingEvent(type: "audio-start", data: format).encoded()
            for start in stride(from: 0, to: pcm.count, by: 3_200) {
                bytes += try WyomingEvent(type: "audio-chunk", data: format, payload: Array(pcm[start..<min(start + 3_200, pcm.count)])).encoded()
            }
            bytes += try WyomingEvent(type: "audio-stop").encoded()
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                guard written > 0 else { throw ValidationError("the gateway closed the connection") }
                offset += written
            }
            var reader = WyomingReader { buffer in max(0, read(fd, buffer.baseAddress, buffer.count)) }
            while let event = try reader.next() {
                if event.type == "transcript" { return event.data["text"]?.string ?? "" }
                if event.type == "error" { throw ValidationError("the gateway said: \(event.data["text"]?.string ?? "")") }
            }
            throw ValidationError("the gateway closed the connection before the transcript")
        }
    }

    struct GatewayOverheadReport: Encodable {
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
