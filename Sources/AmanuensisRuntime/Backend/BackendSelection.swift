/// The backend that runs. There is only the CPU: the case for the NPU is
/// added together with an NPU encoder that passes `EncoderGate`, so no
/// response or timing tree can name a device that did no work.
public enum BackendKind: String, CaseIterable, Sendable {
    case cpu
}

/// What start-up chose, and why it is not what was asked for, if it is not.
public struct SelectedBackend: Sendable, Equatable {
    public let kind: BackendKind
    /// Nil when the CPU was asked for; otherwise the reason the NPU is not used.
    public let why: String?

    /// For `amctl status` and the journal: "cpu" or "cpu (no NPU: …)".
    public var status: String {
        why.map { "\(kind.rawValue) (\($0))" } ?? kind.rawValue
    }
}

/// `backend = npu` that cannot run. The daemon must exit with it at start
/// rather than serve from the CPU the operator did not ask for.
public struct BackendError: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String

    /// EX_UNAVAILABLE: distinct from 78 (a configuration that does not
    /// parse), so the unit and the operator can tell "fix the file" from
    /// "fix the machine".
    public static let exitCode: Int32 = 69

    public var description: String { "backend = npu cannot run: \(reason)" }
}

public enum BackendSelection {
    /// Amanuensis has no NPU encoder yet, so even a fully usable NPU is never
    /// selected: `BackendKind` gains its NPU case with an encoder that passes
    /// `EncoderGate`.
    public static let noEncoder = "NPU found, but Amanuensis has no NPU encoder yet"

    public static func select(choice: BackendChoice, discovery: NPUDiscovery.Finding) -> Result<SelectedBackend, BackendError> {
        let npuProblem = switch discovery {
        case .unavailable(let reason): "no NPU: \(reason)"
        case .usable: noEncoder
        }
        switch choice {
        case .cpu: return .success(SelectedBackend(kind: .cpu, why: nil))
        case .auto: return .success(SelectedBackend(kind: .cpu, why: npuProblem))
        case .npu:
            return .failure(BackendError(reason: discovery.reason ?? noEncoder))
        }
    }
}
