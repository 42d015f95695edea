import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Lets q and Ctrl-C end the program while the UI thread is stuck.
///
/// The run loop reads keys only between frames; a frame or an event that
/// takes long (a slow computation on the UI thread) leaves every key unread.
/// The driver tells this watchdog when the UI thread leaves its wait for
/// input (`busy()`) and comes back (`idle()`). After `patience` seconds
/// away, the watchdog's thread reads standard input itself: q (when the app
/// said q quits: not while a text box takes the keys) or Ctrl-C (byte 3, as
/// a terminal in raw mode sends it; in cbreak mode Ctrl-C is SIGINT, which
/// `SignalWatchdog` covers) restores the terminal with system calls and
/// exits: status 0 for q, 130 for Ctrl-C, as if SIGINT had ended it.
/// Every other byte is kept and handed back by `idle()`, so the driver can
/// put it back into the input queue and no key typed meanwhile is lost.
///
/// The thread and the UI thread never read standard input at the same
/// time: the watchdog reads only under the lock and only while `busy`, and
/// the UI thread reads only after `idle()` took the lock.
final class BusyWatchdog: Sendable {
    private struct State {
        /// Monotonic seconds when the UI thread left its wait; nil while it waits (or when paused).
        var busySince: Double?
        /// Bytes read while busy, for the UI thread to take back.
        var held: [UInt8] = []
        /// Whether q quits now.
        var qQuits = true
        var stopped = false
    }

    /// Seconds the UI thread may be away before the watchdog reads keys.
    let patience: Double
    private let input: Int32
    private let clock = MonotonicTime()
    private let state = Mutex(State())
    private let quit: @Sendable (_ status: Int32, _ message: String) -> Void

    /// - Parameters:
    ///   - patience: seconds without a return to the wait for input before keys are read here.
    ///   - input: the descriptor keys arrive on (standard input).
    ///   - quit: restores the terminal and ends the program (system calls only:
    ///     the UI thread may be in the middle of anything).
    init(
        patience: Double = 1.5, input: Int32 = 0,
        quit: @escaping @Sendable (_ status: Int32, _ message: String) -> Void
    ) {
        self.patience = patience
        self.input = input
        self.quit = quit
    }

    /// Starts the watching thread.
    func start() {
        let box = Unmanaged.passRetained(self)
        var thread = pthread_t()
        let rc = pthread_create(
            &thread, nil,
            { raw in
                guard let raw else { return nil }
                let watchdog = Unmanaged<BusyWatchdog>.fromOpaque(raw).takeRetainedValue()
                watchdog.watch()
                return nil
            }, box.toOpaque())
        if rc == 0 { pthread_detach(thread) } else { box.release() }
    }

    /// Ends the watching thread (it exits within its poll interval).
    func stop() {
        state.withLock {
            $0.stopped = true; $0.busySince = nil
        }
    }

    /// The UI thread left its wait for input.
    func busy() {
        let now = clock.now()
        state.withLock { if !$0.stopped { $0.busySince = now } }
    }

    /// The UI thread is about to wait for input (or the terminal was given
    /// away): returns the bytes read meanwhile, oldest first.
    func idle() -> [UInt8] {
        state.withLock { s in
            s.busySince = nil
            let held = s.held
            s.held = []
            return held
        }
    }

    /// Whether q quits in the app's current state (false while a text box has the keys).
    func setQQuits(_ quits: Bool) { state.withLock { $0.qQuits = quits } }

    private func watch() {
        // Leave the interrupt signals to the other threads.
        var mask = sigset_t()
        sigemptyset(&mask)
        for s in TerminalSignals.interruptSignals { sigaddset(&mask, s) }
        _ = pthread_sigmask(SIG_BLOCK, &mask, nil)
        var scanned = 0
        while true {
            let (stopped, since) = state.withLock { ($0.stopped, $0.busySince) }
            if stopped { return }
            guard let since, clock.now() - since >= patience else {
                scanned = 0
                usleep(50_000)
                continue
            }
            var fds = pollfd(fd: input, events: Int16(POLLIN), revents: 0)
            guard poll(&fds, 1, 50) > 0, fds.revents & Int16(POLLIN) != 0 else { continue }
            let verdict: (status: Int32, key: String)? = state.withLock { s in
                // The UI thread may have come back between the poll and the lock: then it reads.
                guard s.busySince != nil, !s.stopped else { return nil }
                var available: Int32 = 0
                guard ioctl(input, UInt(FIONREAD), &available) == 0, available > 0 else { return nil }
                var bytes = [UInt8](repeating: 0, count: Int(min(available, 256)))
                let n = read(input, &bytes, bytes.count)
                guard n > 0 else { return nil }
                s.held += bytes[0..<n]
                let (status, key) = BusyWatchdog.quitKey(in: s.held, from: scanned, qQuits: s.qQuits)
                scanned = s.held.count
                return status.map { ($0, key) }
            }
            if let verdict {
                let waited = String(format: "%.1f", clock.now() - since)
                quit(verdict.status, "quit with \(verdict.key) while the screen was busy (no frame for \(waited) s)")
                return
            }
        }
    }

    /// The exit status for the first quit key in `bytes[from...]` (0 for q,
    /// 130 for Ctrl-C) and the key's name; nil when there is none. A q right
    /// after ESC is Alt-q, not q.
    static func quitKey(in bytes: [UInt8], from start: Int, qQuits: Bool) -> (status: Int32?, key: String) {
        for i in max(0, start)..<bytes.count {
            if bytes[i] == 3 { return (128 + SIGINT, "Ctrl-C") }
            if qQuits, bytes[i] == UInt8(ascii: "q"), i == 0 || bytes[i - 1] != 0x1B { return (0, "q") }
        }
        return (nil, "")
    }
}
