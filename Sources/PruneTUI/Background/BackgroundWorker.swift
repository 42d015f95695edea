import Foundation
import Synchronization

/// Runs the apps' background work. `ThreadWorker` is the real one;
/// `InlineWorker` runs work at once on the caller's thread, so a test can
/// script keys and get the same screens every time. Effect runners are the
/// only code that calls a worker.
public protocol BackgroundWorker: Sendable {
    /// Starts `work` now, alongside anything else running.
    func run(_ work: @escaping @Sendable () -> Void)
    /// Starts `work` after every earlier `runSerially` work has finished:
    /// one at a time, in order (the jobs that own the pruning session).
    func runSerially(_ work: @escaping @Sendable () -> Void)
    /// Waits until no work is running, at most `timeout` seconds; returns whether it is all done.
    func waitUntilIdle(timeout: Double) -> Bool
}

/// One thread per concurrent piece of work and one thread at a time for the
/// serial queue (training and sweeps are long, so each gets a real thread
/// with an 8 MiB stack rather than a slot of a shared pool).
///
/// Before the process exits, cancel the jobs and `waitUntilIdle`: a thread
/// still inside a BLAS call while `exit` shuts OpenBLAS down can hang the exit.
public final class ThreadWorker: BackgroundWorker {
    private struct State {
        var running = 0
        var serialQueue: [@Sendable () -> Void] = []
        var serialBusy = false
    }

    private let state = Mutex(State())
    private let idle = Mutex<[DispatchSemaphore]>([])

    public init() {}

    public func run(_ work: @escaping @Sendable () -> Void) {
        state.withLock { $0.running += 1 }
        start { [self] in
            work()
            finishOne()
        }
    }

    public func runSerially(_ work: @escaping @Sendable () -> Void) {
        let startDrain = state.withLock { s -> Bool in
            s.running += 1
            s.serialQueue.append(work)
            if s.serialBusy { return false }
            s.serialBusy = true
            return true
        }
        if startDrain { start { [self] in drainSerial() } }
    }

    private func drainSerial() {
        while let next = state.withLock({ s -> (@Sendable () -> Void)? in
            if s.serialQueue.isEmpty { s.serialBusy = false; return nil }
            return s.serialQueue.removeFirst()
        }) {
            next()
            finishOne()
        }
    }

    private func start(_ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.stackSize = 8 << 20
        thread.start()
    }

    private func finishOne() {
        let nowIdle = state.withLock { s -> Bool in
            s.running -= 1
            return s.running == 0
        }
        if nowIdle {
            idle.withLock { waiters in
                waiters.forEach { $0.signal() }; waiters.removeAll()
            }
        }
    }

    public func waitUntilIdle(timeout: Double) -> Bool {
        let semaphore = DispatchSemaphore(value: 0)
        let busy = state.withLock { s -> Bool in
            guard s.running > 0 else { return false }
            idle.withLock { $0.append(semaphore) }
            return true
        }
        return !busy || semaphore.wait(timeout: .now() + timeout) == .success
    }
}

/// Runs work synchronously on the caller's thread (tests).
public struct InlineWorker: BackgroundWorker {
    public init() {}
    public func run(_ work: @escaping @Sendable () -> Void) { work() }
    public func runSerially(_ work: @escaping @Sendable () -> Void) { work() }
    public func waitUntilIdle(timeout: Double) -> Bool { true }
}

/// A cancel request shared between the UI thread and a job.
public final class CancelFlag: Sendable {
    private let value = Mutex(false)
    public init() {}
    public var isCancelled: Bool { value.withLock { $0 } }
    public func cancel() { value.withLock { $0 = true } }
}
