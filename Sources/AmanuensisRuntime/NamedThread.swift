import CPosixShim
import Foundation

/// Every thread Amanuensis starts is started here, named, so `top -H`, `ps
/// -L` and a debugger say what each one is for, and one grep finds them all.
public enum NamedThread {
    /// Starts `body` on a new thread named `name` (the kernel keeps 15 bytes of it).
    public static func start(_ name: String, stackSize: Int = 1 << 20, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread {
            CPosixShim_name_this_thread(name)
            body()
        }
        thread.name = name
        thread.stackSize = stackSize
        thread.start()
    }
}
