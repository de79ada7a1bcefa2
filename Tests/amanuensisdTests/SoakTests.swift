import Foundation
import TestSupport
import Testing

/// Two minutes of mixed load (short and long files, silence, raw uploads,
/// clients killed mid-request, SIGHUPs) through the real socket: nothing
/// fails that was not killed, and every stream comes back.
@Suite struct SoakTests {
    @Test func twoMinutesOfMixedLoadFailNothingAndLeakNothing() throws {
        let daemon = try DaemonHarness()
        try daemon.start()
        let bench = TestPaths.products.appendingPathComponent("amanuensis-bench").path
        let result = try CommandResult.run([bench, "soak", "--socket", daemon.socketPath, "--minutes", "2", "--clip", Samples.jfk,
                                            "--amctl", DaemonHarness.amctl, "--sighup-every", "20"])
        #expect(result.status == 0, "\(result.standardOutput)\n\(result.standardError)")
        let report = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any] ?? [:]
        #expect((report["failures"] as? [String: Any])?.isEmpty == true, "\(report)")
        #expect(report["streams_leaked"] as? Int == 0)
        #expect((report["killed"] as? Int ?? 0) > 0 && (report["succeeded"] as? Int ?? 0) > 20, "\(report)")
        #expect((report["sighups"] as? Int ?? 0) >= 2)
        #expect(daemon.stop() == 0, "\(daemon.log.suffix(2000))")
    }
}
