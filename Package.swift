// swift-tools-version:6.0
import Foundation
import PackageDescription

/// The programs link the Swift runtime and Foundation statically, so that they
/// run without a Swift toolchain (Packaging/build-deb.sh packages them). The
/// libraries are named because the modules are compiled against the shared
/// runtime, whose link entries leave out what the static Foundation needs.
/// lld, because GNU ld warns of glibc's mktemp inside the static Foundation.
/// Only programs take these flags: a test bundle linking a target inherits
/// its flags, and Swift Testing has no static library (so the daemon's code
/// is the library AmanuensisDaemon, and amanuensisd is its entry point).
/// Sanitizer builds (Tools/sanitize.sh sets AMANUENSIS_SHARED_RUNTIME) link
/// the shared runtime instead: ThreadSanitizer aborts any program with a
/// static Foundation at its first read of the environment (its free() is
/// handed a block its allocator never made).
let standalone: [LinkerSetting] = ProcessInfo.processInfo.environment["AMANUENSIS_SHARED_RUNTIME"] != nil ? [] : [
    .unsafeFlags(["-static-stdlib", "-use-ld=lld",
                  "-l_FoundationICU", "-lCoreFoundation", "-l_FoundationCShims", "-l_FoundationCollections", "-lswiftSynchronization"]),
]

let package = Package(
    name: "Amanuensis",
    products: [
        .library(name: "AmanuensisCore", targets: ["AmanuensisCore"]),
        .library(name: "AmanuensisProtocol", targets: ["AmanuensisProtocol"]),
        .library(name: "AmanuensisRuntime", targets: ["AmanuensisRuntime"]),
        .executable(name: "amanuensisd", targets: ["amanuensisd"]),
        .executable(name: "amctl", targets: ["amctl"]),
        .executable(name: "amanuensis-bench", targets: ["amanuensis-bench"]),
        .executable(name: "amanuensis-wyoming", targets: ["amanuensis-wyoming"]),
        .executable(name: "amanuensis-http", targets: ["amanuensis-http"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // One system library per C dependency: a module map and a shim header, nothing else.
        .systemLibrary(name: "CSndFile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(name: "CFFTW", pkgConfig: "fftw3f", providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "CSoxr", pkgConfig: "soxr", providers: [.apt(["libsoxr-dev"])]),
        .systemLibrary(name: "CDNNL", providers: [.apt(["libdnnl-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),

        .target(name: "AmanuensisKernels"),
        .target(name: "CPosixShim"),
        .target(name: "AmanuensisProtocol"),
        .target(name: "AmanuensisTransport", dependencies: ["AmanuensisProtocol", "CPosixShim"]),
        .target(
            name: "AmanuensisClient",
            dependencies: ["AmanuensisProtocol", "AmanuensisTransport", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .target(name: "WyomingProtocol"),
        .target(
            name: "GatewaySupport",
            dependencies: ["CPosixShim", "CSystemd", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .target(
            name: "AmanuensisCore",
            dependencies: ["AmanuensisKernels", "CSndFile", "CFFTW", "CSoxr", "CDNNL", "CZlib"]
        ),
        // The only target that starts threads or holds pools: streams, workers, batching, backends.
        .target(
            name: "AmanuensisRuntime",
            dependencies: ["AmanuensisCore", "AmanuensisProtocol", "CPosixShim", .product(name: "Histogram", package: "hdrhistogram-swift")]
        ),
        .target(
            name: "AmanuensisDaemon",
            dependencies: [
                "AmanuensisRuntime", "AmanuensisCore", "AmanuensisProtocol", "AmanuensisTransport", "CPosixShim", "CSystemd",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        .executableTarget(name: "amanuensisd", dependencies: ["AmanuensisDaemon"], linkerSettings: standalone),
        .executableTarget(
            name: "amctl",
            dependencies: [
                "AmanuensisClient", "AmanuensisProtocol", "AmanuensisTransport", "CPosixShim",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            linkerSettings: standalone
        ),
        .executableTarget(
            name: "amanuensis-wyoming",
            dependencies: [
                "AmanuensisClient", "AmanuensisProtocol", "CPosixShim", "CSystemd", "GatewaySupport", "WyomingProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            linkerSettings: standalone
        ),
        .executableTarget(
            name: "amanuensis-http",
            dependencies: [
                "AmanuensisClient", "AmanuensisProtocol", "AmanuensisTransport", "CPosixShim", "CSystemd", "GatewaySupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            linkerSettings: standalone
        ),
        .executableTarget(
            name: "amanuensis-bench",
            dependencies: [
                "AmanuensisRuntime", "AmanuensisCore", "AmanuensisProtocol", "AmanuensisTransport", "WyomingProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            linkerSettings: standalone
        ),
        .target(name: "TestSupport", dependencies: ["AmanuensisCore"], path: "Tests/TestSupport"),
        .testTarget(name: "AmanuensisCoreTests", dependencies: ["AmanuensisCore", "AmanuensisKernels", "CSndFile", "TestSupport"]),
        .testTarget(name: "AmanuensisProtocolTests", dependencies: ["AmanuensisProtocol"]),
        .testTarget(name: "AmanuensisRuntimeTests", dependencies: ["AmanuensisRuntime", "AmanuensisCore", "AmanuensisProtocol", "TestSupport"]),
        .testTarget(
            name: "amanuensisdTests",
            dependencies: ["AmanuensisCore", "AmanuensisDaemon", "AmanuensisProtocol", "AmanuensisTransport", "TestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
