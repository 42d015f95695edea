import Foundation
import PruneKit
import PruneTUI

/// Runs the explorer's background work. The real one starts a thread per
/// job; tests use `InlineWorker`, which runs the work at once so a script
/// of keys gives the same screens every time.
public protocol ExplorerWorker: Sendable {
    func run(_ work: @escaping @Sendable () -> Void)
    /// Waits until no work is running, at most `timeout` seconds; returns whether it is all done.
    func waitUntilIdle(timeout: Double) -> Bool
}

/// One thread per job (training and sweeps are long; there is at most one
/// job and one accuracy preview at a time).
///
/// Before the process exits, cancel the jobs and `waitUntilIdle`: a thread
/// still inside a BLAS call while `exit` shuts OpenBLAS down can hang the
/// exit (seen once in a quit during retraining).
public struct ThreadWorker: ExplorerWorker {
    private let running = DispatchGroup()
    public init() {}
    public func run(_ work: @escaping @Sendable () -> Void) {
        let group = running
        group.enter()
        let t = Thread {
            work()
            group.leave()
        }
        t.stackSize = 8 << 20
        t.start()
    }

    public func waitUntilIdle(timeout: Double) -> Bool {
        running.wait(timeout: .now() + timeout) == .success
    }
}

/// Runs work synchronously on the caller's thread (tests).
public struct InlineWorker: ExplorerWorker {
    public init() {}
    public func run(_ work: @escaping @Sendable () -> Void) { work() }
    public func waitUntilIdle(timeout: Double) -> Bool { true }
}

/// A cancel request shared between the UI thread and a job.
public final class CancelFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    public init() {}
    public var isCancelled: Bool { lock.lock(); defer { lock.unlock() }; return value }
    public func cancel() { lock.lock(); value = true; lock.unlock() }
}

/// What a background job is doing, for the header and the key handling.
public struct ExplorerJob: Sendable {
    public enum Kind: String, Sendable {
        case retrain, schedule, sensitivity, export, save
        /// Whether the job uses the session (then nothing else may touch it).
        var ownsSession: Bool { self != .sensitivity }
    }

    public var kind: Kind
    public var title: String
    public var fraction: Double = 0
    public var status: String = ""
    let cancel: CancelFlag
}

/// What background work posts to the UI thread.
public enum ExplorerMessage: Sendable {
    /// The accuracy and loss of the previewed mask `generation` on the validation set.
    case previewEvaluated(generation: Int, accuracy: Double, loss: Double)
    /// One training step of a running retrain or schedule.
    case trainingStep(loss: Float)
    /// Progress of the running job.
    case progress(fraction: Double, status: String)
    /// A schedule or retrain recorded a history step.
    case recorded(HistoryStep)
    /// A sensitivity sweep measured a point (`baseline` is the unpruned accuracy).
    case sensitivityPoint(SensitivityPoint, baseline: Double, done: Int, total: Int)
    /// Dense vs CSR inference of the step with generation `generation`, measured on a copy.
    case inferenceMeasured(generation: Int, timings: [SparseInferenceTiming])
    /// The job ended: a one-line message and whether it failed.
    case jobFinished(message: String, failed: Bool)
}

/// The session and bundle handed to background work; used by one thread at
/// a time (the UI does not touch the session while a job owns it).
struct SessionHandle: @unchecked Sendable {
    let session: PruningSession
    let bundle: ModelBundle?
}
