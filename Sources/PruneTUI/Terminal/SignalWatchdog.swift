import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Ends the program when SIGINT, SIGTERM or SIGHUP is not taken in time.
///
/// Those signals only set `pendingSignal`; the input loop turns it into
/// `.interrupt`. When the UI thread is busy (a long frame, a stuck
/// computation) nothing reads the flag, so the handler also wakes this
/// thread, which waits `grace` for the flag to be taken, and otherwise
/// restores the terminal with system calls and exits with 128 plus the
/// signal's number, as a shell reports a program the signal killed.
enum SignalWatchdog {
    /// How long the run loop has to take a pending signal, in microseconds.
    static let grace: UInt32 = 1_500_000
    private static let pollInterval: UInt32 = 20_000

    nonisolated(unsafe) private static let semaphore: UnsafeMutablePointer<sem_t> = {
        let p = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)
        p.initialize(to: sem_t())
        sem_init(p, 0, 0)
        return p
    }()
    private static let started = Atomic<Bool>(false)

    /// Starts the thread once. Call before the handlers are installed, so
    /// a handler never runs `semaphore`'s initialiser.
    static func start() {
        _ = semaphore
        guard !started.exchange(true, ordering: .sequentiallyConsistent) else { return }
        var thread = pthread_t()
        let rc = pthread_create(
            &thread, nil,
            { _ in
                SignalWatchdog.run()
            }, nil)
        if rc == 0 { pthread_detach(thread) } else { started.store(false, ordering: .sequentiallyConsistent) }
    }

    /// Called from the signal handler: `sem_post` is async-signal-safe.
    static func wake() {
        _ = sem_post(semaphore)
    }

    private static func run() -> Never {
        // Leave the signals to the other threads, so they interrupt the
        // input loop's wait rather than this one.
        var mask = sigset_t()
        sigemptyset(&mask)
        for s in TerminalSignals.interruptSignals { sigaddset(&mask, s) }
        _ = pthread_sigmask(SIG_BLOCK, &mask, nil)
        while true {
            guard sem_wait(semaphore) == 0 else { continue }
            var waited: UInt32 = 0
            while waited < grace, pendingSignal.load(ordering: .relaxed) != 0 {
                usleep(pollInterval)
                waited += pollInterval
            }
            let signal = pendingSignal.load(ordering: .relaxed)
            guard signal != 0 else { continue }
            restoreTerminalFromSignal()
            _exit(TerminalSignals.exitStatus(forSignal: signal))
        }
    }
}
