import CNcurses
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

// State shared with signal handlers. Plain C structs are heap-allocated
// (Swift 6.3 lays out global C structs without their trailing padding).
// Every global here is touched by `TerminalSignals.install()` before a
// handler can run, so no handler ever runs a global's lazy initialiser.

/// The last SIGINT/SIGTERM/SIGHUP seen, 0 if none; read by the input loop.
let pendingSignal = Atomic<Int32>(0)
/// Whether curses owns the screen (so handlers know to call endwin).
let cursesActive = Atomic<Bool>(false)
/// The real stderr while stderr goes to the log; -1 when not redirected.
let savedStderrFD = Atomic<Int32>(-1)
/// Whether xterm drag reporting was switched on (to switch it off again).
let mouseTrackingOn = Atomic<Bool>(false)

private let signalSlots = 65
nonisolated(unsafe) private let savedActions: UnsafeMutablePointer<sigaction> = {
    let p = UnsafeMutablePointer<sigaction>.allocate(capacity: signalSlots)
    p.initialize(repeating: sigaction(), count: signalSlots)
    return p
}()
nonisolated(unsafe) private let installed: UnsafeMutablePointer<Bool> = {
    let p = UnsafeMutablePointer<Bool>.allocate(capacity: signalSlots)
    p.initialize(repeating: false, count: signalSlots)
    return p
}()
/// NUL-terminated path of the stderr log, copied to the real stderr after a crash.
nonisolated(unsafe) private var logPathC: UnsafeMutablePointer<CChar>?

private let disableMouseSequence: [UInt8] = Array("\u{1b}[?1002l\u{1b}[?1006l".utf8)

/// What the crash handler needs, prepared before it is installed: the
/// handler only reads this memory and makes async-signal-safe system calls
/// (no allocation, no Swift strings or arrays, no locks, no curses).
struct CrashRestore {
    /// The terminal (standard output, where curses draws); -1 when not a tty.
    var ttyFD: Int32 = -1
    /// The terminal modes from before curses changed them, if read.
    var modes: UnsafeMutablePointer<termios>
    var hasModes = false
    /// `TerminalSignals.crashRestoreSequence`, copied.
    var bytes: UnsafeMutablePointer<UInt8>
    var byteCount = 0
    /// Scratch space for copying the stderr log to the real stderr.
    var copyBuffer: UnsafeMutablePointer<UInt8>
    static let copyBufferSize = 512
}

nonisolated(unsafe) private let crashRestore: UnsafeMutablePointer<CrashRestore> = {
    let modes = UnsafeMutablePointer<termios>.allocate(capacity: 1)
    modes.initialize(to: termios())
    let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: TerminalSignals.crashRestoreSequence.count)
    bytes.initialize(repeating: 0, count: TerminalSignals.crashRestoreSequence.count)
    let copy = UnsafeMutablePointer<UInt8>.allocate(capacity: CrashRestore.copyBufferSize)
    copy.initialize(repeating: 0, count: CrashRestore.copyBufferSize)
    let p = UnsafeMutablePointer<CrashRestore>.allocate(capacity: 1)
    p.initialize(to: CrashRestore(modes: modes, bytes: bytes, copyBuffer: copy))
    return p
}()

/// Puts the terminal back: leaves curses mode, turns drag reporting off,
/// and points stderr at the terminal again. Safe to call more than once.
/// Not for signal handlers (`endwin` is not async-signal-safe).
func restoreTerminalNow() {
    if cursesActive.exchange(false, ordering: .sequentiallyConsistent) {
        if !isendwin() { endwin() }
        if mouseTrackingOn.exchange(false, ordering: .relaxed) {
            disableMouseSequence.withUnsafeBufferPointer { _ = write(1, $0.baseAddress, $0.count) }
        }
    }
    let saved = savedStderrFD.exchange(-1, ordering: .sequentiallyConsistent)
    if saved >= 0 {
        _ = dup2(saved, 2)
        close(saved)
    }
}

private func interruptHandler(_ sig: Int32) {
    pendingSignal.store(sig, ordering: .relaxed)
    SignalWatchdog.wake()
}

/// SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGQUIT, SIGTRAP: put the
/// terminal back with the prepared bytes and modes, show what went to the
/// log (the runtime's fatal error message), then die of the same signal.
private func crashHandler(_ sig: Int32) {
    restoreTerminalFromSignal()
    dieOfSignal(sig)
}

/// Dies of `sig` by its default action, so the parent sees how the program
/// ended (128 + sig in a shell). Async-signal-safe: signal,
/// pthread_sigmask and raise only.
public func dieOfSignal(_ sig: Int32) {
    _ = signal(sig, SIG_DFL)
    var unblock = sigset_t()
    sigemptyset(&unblock)
    sigaddset(&unblock, sig)
    _ = pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    raise(sig)
}

/// Puts the terminal back with the prepared bytes and modes and shows what
/// went to the log. System calls only: safe in a signal handler, and while
/// another thread is in the middle of curses.
func restoreTerminalFromSignal() {
    let state = crashRestore.pointee
    if cursesActive.exchange(false, ordering: .sequentiallyConsistent), state.ttyFD >= 0 {
        var written = 0
        while written < state.byteCount {
            let n = write(state.ttyFD, state.bytes + written, state.byteCount - written)
            if n <= 0 { break }
            written += n
        }
        if state.hasModes { _ = tcsetattr(state.ttyFD, TCSANOW, state.modes) }
    }
    let saved = savedStderrFD.exchange(-1, ordering: .sequentiallyConsistent)
    if saved >= 0 {
        _ = dup2(saved, 2)
        close(saved)
        if let path = logPathC {
            let fd = open(path, O_RDONLY)
            if fd >= 0 {
                while true {
                    let n = read(fd, state.copyBuffer, CrashRestore.copyBufferSize)
                    if n <= 0 { break }
                    _ = write(2, state.copyBuffer, n)
                }
                close(fd)
            }
        }
    }
}

private func atExitRestore() { restoreTerminalNow() }

/// Signal handling while the terminal is in curses mode.
enum TerminalSignals {
    /// Signals that end the app through the run loop (`.interrupt`) with the
    /// terminal restored normally.
    static let interruptSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP]
    /// Signals that kill the program: the handler restores the terminal
    /// with system calls only, then re-raises the signal.
    static let crashSignals: [Int32] = [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGQUIT, SIGTRAP]
    nonisolated(unsafe) private static var atexitRegistered = false

    /// What the crash handler writes to the terminal: mouse reporting off
    /// (all modes curses or we may have turned on), attributes reset, the
    /// keypad back in normal mode, the alternate screen left, the cursor
    /// shown, and a newline so the shell prompt starts on its own line.
    static let crashRestoreSequence: [UInt8] = Array(
        ("\u{1b}[?1000l\u{1b}[?1002l\u{1b}[?1003l\u{1b}[?1006l"
            + "\u{1b}[0m"
            + "\u{1b}[?1l\u{1b}>"
            + "\u{1b}[?1049l"
            + "\u{1b}[?25h"
            + "\r\n").utf8)

    /// The exit status of a program ended by `signal`: 128 plus its number,
    /// as shells report it (SIGINT 130, SIGHUP 129, SIGTERM 143).
    static func exitStatus(forSignal signal: Int32) -> Int32 { 128 + signal }

    /// Installs the handlers: SIGINT/SIGTERM/SIGHUP only set a flag (the
    /// input loop, woken by EINTR or its timeout, turns it into
    /// `.interrupt`); crash signals restore the terminal, then re-raise with
    /// the default action. Call before `initscr`, so the saved terminal
    /// modes are the shell's and ncurses keeps its hands off SIGINT and SIGTERM.
    static func install() {
        _ = savedActions; _ = installed; _ = pendingSignal; _ = cursesActive; _ = savedStderrFD; _ = mouseTrackingOn; _ = logPathC
        prepareCrashRestore()
        SignalWatchdog.start()
        if !atexitRegistered { atexit(atExitRestore); atexitRegistered = true }
        for s in interruptSignals { set(s, handler: interruptHandler, flags: 0) }
        let reset = Int32(bitPattern: UInt32(SA_RESETHAND))
        for s in crashSignals { set(s, handler: crashHandler, flags: reset) }
    }

    /// Fills `crashRestore`: the terminal's descriptor, its modes now, and the bytes.
    static func prepareCrashRestore() {
        let state = crashRestore
        state.pointee.ttyFD = isatty(1) != 0 ? 1 : -1
        state.pointee.hasModes = state.pointee.ttyFD >= 0 && tcgetattr(state.pointee.ttyFD, state.pointee.modes) == 0
        for (i, byte) in crashRestoreSequence.enumerated() { state.pointee.bytes[i] = byte }
        state.pointee.byteCount = crashRestoreSequence.count
    }

    /// The bytes the crash handler would write, read back from its prepared memory (for tests).
    static var preparedRestoreBytes: [UInt8] {
        let state = crashRestore.pointee
        return Array(UnsafeBufferPointer(start: state.bytes, count: state.byteCount))
    }

    /// Puts back every handler `install` replaced.
    static func uninstall() {
        for s in interruptSignals + crashSignals where installed[Int(s)] {
            sigaction(s, savedActions + Int(s), nil)
            installed[Int(s)] = false
        }
    }

    /// Remembers the log path for the crash handler.
    static func setLogPath(_ path: String?) {
        let old = logPathC
        logPathC = path.flatMap { strdup($0) }
        if let old { free(old) }
    }

    /// Takes the pending interrupt signal, if any (0 if none).
    static func takePending() -> Int32 { pendingSignal.exchange(0, ordering: .relaxed) }

    private static func set(_ sig: Int32, handler: @convention(c) (Int32) -> Void, flags: Int32) {
        let action = UnsafeMutablePointer<sigaction>.allocate(capacity: 1)
        defer { action.deallocate() }
        action.initialize(to: sigaction())
        action.pointee.__sigaction_handler.sa_handler = handler
        action.pointee.sa_flags = flags
        sigemptyset(&action.pointee.sa_mask)
        let old = UnsafeMutablePointer<sigaction>.allocate(capacity: 1)
        defer { old.deallocate() }
        old.initialize(to: sigaction())
        if sigaction(sig, action, old) == 0, !installed[Int(sig)] {
            savedActions[Int(sig)] = old.pointee
            installed[Int(sig)] = true
        }
    }
}
