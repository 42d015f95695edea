#if canImport(Glibc)
import Glibc
import PruneTUI
#endif

/// Makes SIGQUIT, SIGABRT, SIGSEGV and the other fatal signals end the
/// program when another process sends them.
///
/// The Swift runtime's backtracer catches these signals; for one sent with
/// `kill` it prints a backtrace and lets the program run on. These handlers
/// die of such a signal with the default action instead (so the shell sees
/// 128 plus its number), and pass a signal the program raised itself (a
/// fault, `abort`) to the handler that was there before, the backtracer.
/// The explorer's own handlers replace these while it owns the terminal,
/// and put them back when it leaves.
enum ExternalSignals {
    static let signals: [Int32] = [SIGQUIT, SIGABRT, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP]

    /// Installs the handlers once, before any command runs.
    static func install() {
        _ = previousActions
        for s in signals {
            let action = UnsafeMutablePointer<sigaction>.allocate(capacity: 1)
            defer { action.deallocate() }
            action.initialize(to: sigaction())
            action.pointee.__sigaction_handler.sa_sigaction = externalSignalHandler
            action.pointee.sa_flags = SA_SIGINFO | SA_ONSTACK
            sigemptyset(&action.pointee.sa_mask)
            _ = sigaction(s, action, previousActions + Int(s))
        }
    }
}

nonisolated(unsafe) private let previousActions: UnsafeMutablePointer<sigaction> = {
    let p = UnsafeMutablePointer<sigaction>.allocate(capacity: 65)
    p.initialize(repeating: sigaction(), count: 65)
    return p
}()

/// Async-signal-safe: reads prepared memory and makes system calls only.
private func externalSignalHandler(
    _ sig: Int32, _ info: UnsafeMutablePointer<siginfo_t>?, _ context: UnsafeMutableRawPointer?
) {
    // si_code <= 0: sent by kill, sigqueue or tgkill rather than a fault.
    let sentByAnother = info.map { $0.pointee.si_code <= 0 && $0.pointee._sifields._kill.si_pid != getpid() } ?? false
    let old = previousActions[Int(sig)]
    if !sentByAnother {
        if old.sa_flags & SA_SIGINFO != 0, let chained = old.__sigaction_handler.sa_sigaction {
            chained(sig, info, context)
            return
        }
        let handler = old.__sigaction_handler.sa_handler
        let raw = unsafeBitCast(handler, to: Int.self)
        if raw != 0, raw != 1, let handler {
            handler(sig)
            return
        }
    }
    dieOfSignal(sig)
}
