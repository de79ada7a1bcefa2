/// Why a model directory could not be loaded. Every error names the file and,
/// where there is one, the variable, so a truncated download or a model of the
/// wrong family is diagnosed from the message alone.
public struct ModelError: Error, Hashable, CustomStringConvertible, Sendable {
    /// A stable identity for the failure; new codes can be added without
    /// breaking callers that match on the ones they know.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public var description: String { name }

        public static let unreadable = Code(name: "unreadable")
        public static let truncated = Code(name: "truncated")
        public static let malformed = Code(name: "malformed")
        public static let unsupported = Code(name: "unsupported")
        public static let missingVariable = Code(name: "missing-variable")
        public static let wrongShape = Code(name: "wrong-shape")
    }

    public let code: Code
    public let file: String
    public let variable: String?
    public let detail: String

    init(_ code: Code, file: String, variable: String? = nil, _ detail: String) {
        self.code = code
        self.file = file
        self.variable = variable
        self.detail = detail
    }

    public var description: String {
        if let variable { return "\(file): variable '\(variable)': \(detail)" }
        return "\(file): \(detail)"
    }
}
