import Foundation

/// Every thread Amanuensis starts is started here, named, so `top -H` and a
/// debugger say what each one is for, and one grep finds them all.
public enum NamedThread {
    /// Starts `body` on a new thread named `name`.
    public static func start(_ name: String, stackSize: Int = 1 << 20, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.name = name
        thread.stackSize = stackSize
        thread.start()
    }
}
