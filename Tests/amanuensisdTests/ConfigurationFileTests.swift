import Foundation
import TestSupport
import Testing
@testable import AmanuensisDaemon

/// amanuensisd.conf is read with TOML's rules for everything a key can take,
/// and refuses the rest with the line it is on.
@Suite struct ConfigurationFileTests {
    static func values(_ text: String) throws -> [String: ConfigurationValue] {
        Dictionary(uniqueKeysWithValues: try ConfigurationFile(parsing: text).entries.map { ($0.key, $0.value) })
    }

    static func error(_ text: String) -> ConfigurationFile.Invalid? {
        do { _ = try ConfigurationFile(parsing: text) } catch let invalid as ConfigurationFile.Invalid { return invalid } catch {}
        return nil
    }

    @Test func readsTheValuesTOMLWritesForEachKind() throws {
        let values = try Self.values("""
            \u{FEFF}# a comment
            plain = "a \\"quoted\\" \\\\ path\\t\\u00e9\\U0001F600"   # after a value
            literal = 'C:\\raw\\path'
            "quoted key" = 1
            decimal = +1_000
            negative = -17
            hex = 0xDEAD_beef
            octal = 0o755
            binary = 0b1010
            float = 6.626e-34
            exponent = 1E3
            fraction = -0.5
            yes = true
            no = false
            names = [ "alice",
                      'bob', # a comment inside
                    ]
            nested = [[1, 2], ["a"]]
            empty = []\r
            """)
        #expect(values["plain"] == .string("a \"quoted\" \\ path\té😀"))
        #expect(values["literal"] == .string("C:\\raw\\path"))
        #expect(values["quoted key"] == .integer(1))
        #expect(values["decimal"] == .integer(1000))
        #expect(values["negative"] == .integer(-17))
        #expect(values["hex"] == .integer(0xDEAD_BEEF))
        #expect(values["octal"] == .integer(0o755))
        #expect(values["binary"] == .integer(10))
        #expect(values["float"] == .float(6.626e-34))
        #expect(values["exponent"] == .float(1000))
        #expect(values["fraction"] == .float(-0.5))
        #expect(values["yes"] == .boolean(true) && values["no"] == .boolean(false))
        #expect(values["names"] == .array([.string("alice"), .string("bob")]))
        #expect(values["nested"] == .array([.array([.integer(1), .integer(2)]), .array([.string("a")])]))
        #expect(values["empty"] == .array([]))
    }

    @Test(arguments: [
        ("a = 1\nb = 2\na = 3", 3, "key 'a' is given twice"),
        ("\n[daemon]\nstreams = 2", 2, "tables are not used"),
        ("a = { b = 1 }", 1, "inline tables are not used"),
        ("a.b = 1", 1, "dotted keys are not used"),
        ("a = 1979-05-27", 1, "dates and times are not used"),
        ("a = 07:32:00", 1, "dates and times are not used"),
        ("a = \"\"\"\nmany\nlines\"\"\"", 1, "multi-line strings are not used"),
        ("a = \"open", 1, "a string that does not end on its line"),
        ("a = 'open\nb = 1", 1, "a string that does not end on its line"),
        ("a = \"\\x41\"", 1, "an unknown escape '\\x'"),
        ("a = \"\\uD800\"", 1, "an escape that is not a Unicode scalar value"),
        ("a = \"bell\u{07}\"", 1, "a control character in a string"),
        ("a = 012", 1, "'012' is not a value"),
        ("a = 1__0", 1, "'1__0' is not a value"),
        ("a = 99999999999999999999", 1, "'99999999999999999999' is not a value"),
        ("a = 1.", 1, "'1.' is not a value"),
        ("a = yes", 1, "'yes' is not a value: strings take quotes"),
        ("a = 1 2", 1, "expected the end of the line"),
        ("a = [1 2]", 1, "expected ',' or ']' in an array"),
        ("a = [\n1,\n", 3, "expected a value"),
        ("a 1", 1, "expected '=' after 'a'"),
        ("= 1", 1, "expected a key"),
        ("a =", 1, "expected a value"),
    ])
    func refusesWithTheLine(text: String, line: Int, message: String) {
        let error = Self.error(text)
        #expect(error?.line == line, "\(String(describing: error))")
        #expect(error?.message.hasPrefix(message) == true, "\(String(describing: error))")
    }

    @Test func arraysNestedDeeperThanAnyKeyNeedsAreRefusedNotRecursedInto() {
        #expect(Self.error("a = " + String(repeating: "[", count: 100_000))?.message.hasPrefix("arrays nested more than") == true)
    }

    /// `install.sh --user` puts the example under the user's configuration
    /// directory: a user's daemon reads it there before the system's.
    @Test func aUsersDaemonReadsTheUsersFileFirst() {
        let system = "/etc/amanuensis/amanuensisd.conf"
        #expect(DaemonConfiguration.defaultPaths(uid: 1000, environment: ["XDG_CONFIG_HOME": "/x", "HOME": "/home/u"])
            == ["/x/amanuensis/amanuensisd.conf", system])
        #expect(DaemonConfiguration.defaultPaths(uid: 1000, environment: ["XDG_CONFIG_HOME": "", "HOME": "/home/u"])
            == ["/home/u/.config/amanuensis/amanuensisd.conf", system])
        #expect(DaemonConfiguration.defaultPaths(uid: 0, environment: ["HOME": "/root"]) == [system])
    }

    @Test func theFileIsReadWholeAndMustBeSmallUTF8Text() throws {
        let directory = try TemporaryDirectory()
        #expect(try ConfigurationFile.read(path: directory.file("empty.conf", contents: Data()).path) == "")
        #expect(try ConfigurationFile.read(path: directory.file("one.conf", contents: Data("streams = 2\n".utf8)).path) == "streams = 2\n")
        #expect(throws: ConfigurationFile.Unreadable.self) { try ConfigurationFile.read(path: directory.file("latin1.conf", contents: Data([0x6D, 0xE9])).path) }
        let huge = Data(repeating: 0x20, count: ConfigurationFile.maximumBytes + 1)
        #expect(throws: ConfigurationFile.Unreadable.self) { try ConfigurationFile.read(path: directory.file("huge.conf", contents: huge).path) }
        #expect(throws: ConfigurationFile.Unreadable.self) { try ConfigurationFile.read(path: directory.url.appendingPathComponent("none").path) }
    }

    @Test func theShippedExampleReadsWithEveryKeyUncommented() throws {
        let example = try String(contentsOf: TestPaths.root.appendingPathComponent("Packaging/amanuensisd.conf.example"), encoding: .utf8)
        let uncommented = example.split(separator: "\n").map { $0.hasPrefix("# ") && $0.contains(" = ") ? $0.dropFirst(2) : $0 }
        var configuration = DaemonConfiguration()
        try configuration.apply(text: uncommented.joined(separator: "\n"), file: "example")
        #expect(configuration.streams == 2 && configuration.allowedGroups == ["amanuensis"])
    }
}
