/// The `backend` setting of the configuration. `auto` never fails: it runs on
/// the CPU when the NPU cannot run and says why; `npu` refuses to start
/// instead, so an operator who asked for the NPU is never served by the CPU
/// without knowing it.
public enum BackendChoice: String, CaseIterable, Sendable {
    case auto, cpu, npu
}
