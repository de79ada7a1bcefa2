@testable import AmanuensisCore
import Foundation
import TestSupport
import Testing

/// Float16 rows read from a model file where its payload starts at any
/// byte: every row reads as the file holds it, whether it is among the
/// rows kept in memory or read from the file as it is asked for.
@Suite struct HalfRowsTests {
    @Test(arguments: [0, 4, 10, 12])
    func everyRowReadsAsTheFileHoldsIt(keptFrom: Int) throws {
        let rows = 10, width = 16, header = 187
        let values = (0..<(rows * width)).map { UInt16(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }
        var contents = Data(repeating: 0xA5, count: header)
        values.withUnsafeBytes { contents.append(contentsOf: $0) }
        let directory = try TemporaryDirectory()
        let file = try MappedFile(path: try directory.file("model.bin", contents: contents).path)
        let table = try HalfRows(in: file, bytes: UnsafeRawBufferPointer(rebasing: file.bytes[header...]), rows: rows,
                                 width: width, keptFrom: keptFrom)
        var runs: [Range<Int>] = []
        var read: [UInt16] = []
        table.runs(0..<rows) { run, first in
            runs.append(run)
            read += (0..<(run.count * width)).map { first.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self) }
        }
        let kept = min(keptFrom, rows)
        // The kept rows come first, as one run; then each row from the file.
        #expect(runs == (kept < rows ? [kept..<rows] : []) + (0..<kept).map { $0..<($0 + 1) })
        let expected = Array(values[(kept * width)...]) + Array(values[..<(kept * width)])
        #expect(read == expected)
        #expect(table.bytes == 2 * (rows - kept) * width)
    }
}
