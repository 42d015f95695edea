/// A value handed from one thread to another exactly once.
///
/// Invariant: whoever wraps a value gives up every reference to it at that
/// moment (it wraps a fresh copy, or the object it built and will not touch
/// again), and the receiver unwraps it once. No two threads ever use the
/// value at the same time, which is what makes this `Sendable` although the
/// engine's models and planners are mutable classes.
public struct Transfer<Value>: @unchecked Sendable {
    private let value: Value
    public init(_ value: Value) { self.value = value }
    /// The value, for its one receiver.
    public func take() -> Value { value }
}
