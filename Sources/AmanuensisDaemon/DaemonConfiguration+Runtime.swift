import AmanuensisCore
import AmanuensisProtocol
import AmanuensisRuntime

/// What the configuration asks of the engine. Apart from the file's keys, so
/// that the configuration fuzz target builds them without the engine.
extension DaemonConfiguration {
    /// What a request that names no option decodes with.
    var decodingOptions: DecodingOptions {
        var options = DecodingOptions()
        options.beamSize = beamSize
        options.language = language == DecodingChoices.detectLanguage ? nil : language
        options.task = task
        return options
    }

    /// The runtime's shape: streams, their growth, the encoders, the defaults.
    var runtime: Runtime.Configuration {
        Runtime.Configuration(streams: streams, maximumStreams: maximumStreams, growth: streamGrowth, encoders: encoders,
                              defaults: decodingOptions)
    }
}
