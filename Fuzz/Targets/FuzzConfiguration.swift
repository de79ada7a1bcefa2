/// Fuzzes `DaemonConfiguration.apply(text:file:)`: `ConfigurationFile` parses
/// the text, the key table reads it. Its promise: any file is either a
/// configuration whose every value lies in its key's documented range, or an
/// `Invalid` error that names the file; never a trap or a crash.
///
/// Text that is not UTF-8 never reaches the parser (the daemon refuses the
/// file as unreadable), so it is skipped here too.

/// The defaults, made once: they read the environment, which is slow.
private let defaults = DaemonConfiguration()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let text = String(validating: UnsafeBufferPointer(start: data, count: size), as: UTF8.self) else { return 0 }
    var configuration = defaults
    do {
        try configuration.apply(text: text, file: "fuzz.conf")
    } catch let invalid as DaemonConfiguration.Invalid {
        require(invalid.description.hasPrefix("fuzz.conf:"), "an error that does not name the file: \(invalid)")
        return 0
    } catch {
        require(false, "apply threw a \(type(of: error)): \(error)")
    }
    let c = configuration
    for (name, value, range) in [("streams", c.streams, 1...64), ("max_streams", c.maximumStreams, 1...64),
                                 ("stream_growth", c.streamGrowth, 1...64), ("encoders", c.encoders, 1...64),
                                 ("beam_size", c.beamSize, 1...16), ("max_frame_bytes", c.maximumFrameBytes, 65_536...67_108_864),
                                 ("max_connections", c.maximumConnections, 1...65_536),
                                 ("max_connections_per_user", c.maximumConnectionsPerUser, 1...65_536),
                                 ("max_queued", c.maximumQueued, 1...65_536)] {
        require(range.contains(value), "\(name) = \(value) accepted")
    }
    for (name, value, range) in [("idle_exit", c.idleExit ?? 0, 0...31_536_000), ("max_audio_seconds", c.maximumAudioSeconds, 1...86_400),
                                 ("read_timeout", c.readTimeout, 0.1...3600), ("idle_timeout", c.idleTimeout, 1...86_400),
                                 ("drain_timeout", c.drainTimeout, 0...3600), ("queue_timeout", c.queueTimeout, 0.1...3600)] {
        require(range.contains(value), "\(name) = \(value) accepted")
    }
    require(!c.socket.isEmpty && !c.model.isEmpty && !c.language.isEmpty, "an empty path or language accepted")
    require(!(c.allowedUsers + c.allowedGroups).contains(""), "an empty name accepted")
    return 0
}
