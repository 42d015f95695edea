#if canImport(Glibc)
import Glibc
#endif
import CNcurses
import Synchronization

// State shared with signal handlers. Plain C structs are heap-allocated
// (Swift 6.3 lays out global C structs without their trailing padding).

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

/// Puts the terminal back: leaves curses mode, turns drag reporting off,
/// and points stderr at the terminal again. Safe to call more than once.
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
}

private func fatalHandler(_ sig: Int32) {
    let hadLog = savedStderrFD.load(ordering: .relaxed) >= 0
    restoreTerminalNow()
    // Show what was written to the log (e.g. the fatal error message) on the real stderr.
    if hadLog, let path = logPathC {
        let fd = open(path, O_RDONLY)
        if fd >= 0 {
            var buf = (0..<512).map { _ in UInt8(0) }
            while true {
                let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, 512) }
                if n <= 0 { break }
                _ = buf.withUnsafeBytes { write(2, $0.baseAddress, n) }
            }
            close(fd)
        }
    }
    if sig >= 0, sig < signalSlots, installed[Int(sig)] {
        sigaction(sig, savedActions + Int(sig), nil)
    } else {
        signal(sig, SIG_DFL)
    }
    raise(sig)
}

private func atExitRestore() { restoreTerminalNow() }

/// Signal handling while the terminal is in curses mode.
enum TerminalSignals {
    static let interruptSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP]
    static let fatalSignals: [Int32] = [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGABRT]
    nonisolated(unsafe) private static var atexitRegistered = false

    /// Installs the handlers: SIGINT/SIGTERM/SIGHUP only set a flag (the
    /// input loop, woken by EINTR or its timeout, turns it into
    /// `.interrupt`); fatal signals restore the terminal, then re-raise to
    /// the previous handler. Call before `initscr` so ncurses keeps its hands
    /// off SIGINT and SIGTERM.
    static func install() {
        _ = savedActions; _ = installed
        if !atexitRegistered { atexit(atExitRestore); atexitRegistered = true }
        for s in interruptSignals { set(s, handler: interruptHandler, flags: 0) }
        let reset = Int32(bitPattern: UInt32(SA_RESETHAND))
        for s in fatalSignals { set(s, handler: fatalHandler, flags: reset) }
    }

    /// Puts back every handler `install` replaced.
    static func uninstall() {
        for s in interruptSignals + fatalSignals where installed[Int(s)] {
            sigaction(s, savedActions + Int(s), nil)
            installed[Int(s)] = false
        }
    }

    /// Remembers the log path for the crash handler.
    static func setLogPath(_ path: String?) {
        if let old = logPathC { free(old) }
        logPathC = path.flatMap { strdup($0) }
    }

    /// Takes the pending interrupt signal, if any.
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
