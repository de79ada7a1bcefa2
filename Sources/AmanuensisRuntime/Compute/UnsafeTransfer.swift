/// Moves a non-Sendable value to another thread under a rule the compiler
/// cannot check: one thread at a time uses it. Either the sender never
/// touches it again, or the sender waits until the receiver is done with it
/// (a stream handed to its worker thread, an encoder lent from its pool, a
/// decoder step handed to the batching thread while its stream waits).
/// The name says what it is, as swift-nio's type of the same name does.
struct UnsafeTransfer<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
