@testable import AmanuensisCore
import Foundation
import TestSupport
import Testing

/// A model's file pages leave the process once the load has copied them, so
/// a load's peak holds the weights once, not the file beside them.
@Suite struct MappedFileTests {
    /// The kilobytes of the mapping that starts at `base` now resident in
    /// this process, from /proc/self/smaps.
    static func residentKilobytes(of base: UnsafeRawPointer) throws -> Int {
        let start = String(UInt(bitPattern: base), radix: 16)
        let smaps = try #require(FileHandle(forReadingAtPath: "/proc/self/smaps")).readDataToEndOfFile()
        let lines = String(decoding: smaps, as: UTF8.self).split(separator: "\n")
        let header = try #require(lines.firstIndex { $0.hasPrefix(start + "-") }, "no mapping at \(start)")
        let rss = try #require(lines[(header + 1)...].first { $0.hasPrefix("Rss:") })
        return try #require(Int(rss.split(separator: " ")[1]))
    }

    @Test func releasedPagesLeaveTheProcessAndReadBackUnchanged() throws {
        let contents = Data((0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 12) })
        let directory = try TemporaryDirectory()
        let file = try MappedFile(path: directory.file("weights", contents: contents).path)
        let base = try #require(file.bytes.baseAddress)
        #expect(Data(file.bytes) == contents)
        #expect(try Self.residentKilobytes(of: base) == 1024)

        file.release(UnsafeRawBufferPointer(rebasing: file.bytes[100..<(1 << 20) - 100]))
        #expect(try Self.residentKilobytes(of: base) == 0)
        #expect(Data(file.bytes) == contents)
    }
}
