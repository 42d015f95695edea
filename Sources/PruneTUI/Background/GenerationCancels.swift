import Synchronization

/// Which generation of a background value (an `AsyncSlot`'s) was started
/// last and up to which one the UI cancelled: shared by the UI thread, which
/// cancels when the value goes stale, and the worker, which polls.
public final class GenerationCancels: Sendable {
    private let state = Mutex((started: 0, cancelled: 0))

    public init() {}

    /// `generation` is now the one running.
    public func start(_ generation: Int) { state.withLock { $0.started = generation } }
    /// The running generation (and every older one) is no longer wanted.
    public func cancelStarted() { state.withLock { $0.cancelled = $0.started } }
    /// Whether `generation` was cancelled.
    public func isCancelled(_ generation: Int) -> Bool { state.withLock { $0.cancelled >= generation } }
}
