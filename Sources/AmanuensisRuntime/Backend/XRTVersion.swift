import Foundation

/// XRT's release as major.minor. Versions appear as "2.18.179" (the
/// version.json of an upstream install) and as Debian package versions such as
/// "2.13.466+dfsg-1", sometimes behind an epoch or a YYYYMM release prefix
/// ("202410.2.18.179"); only major and minor decide whether XDNA can work.
struct XRTVersion: Comparable, Sendable {
    let major: Int
    let minor: Int

    /// The first release whose driver plug-in interface XDNA uses.
    static let minimumForXDNA = XRTVersion(major: 2, minor: 18)

    init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    init?(parsing text: String) {
        var version = Substring(text.trimmingCharacters(in: .whitespacesAndNewlines))
        if let colon = version.firstIndex(of: ":"), version[..<colon].allSatisfy(\.isNumber) {
            version = version[version.index(after: colon)...]
        }
        // The upstream part ends where Debian's suffixes begin.
        if let end = version.firstIndex(where: { "+-~".contains($0) }) { version = version[..<end] }
        var numbers = version.split(separator: ".").map { Int($0) }
        guard !numbers.contains(nil) else { return nil }
        if let first = numbers.first, let year = first, year >= 100_000 { numbers.removeFirst() }
        guard numbers.count >= 2, let major = numbers[0], let minor = numbers[1] else { return nil }
        self.init(major: major, minor: minor)
    }

    static func < (lhs: XRTVersion, rhs: XRTVersion) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }
}
