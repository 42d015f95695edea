/// A value computed in the background from the current state, which goes
/// stale whenever the state changes: the accuracy of the preview, the
/// measured inference speed of the step, the gradient scores of a criterion.
///
/// `invalidate` bumps the generation and marks the value due; `launch`
/// hands out the generation to compute when the value is due and nothing
/// is in flight (one at a time, so a held key does not queue a job per
/// step: the debounce); `receive` keeps a result only if it is of the
/// current generation, and a stale one leaves the value due again.
public struct AsyncSlot<Value> {
    /// Counts changes of the state the value is computed from.
    public private(set) var generation = 0
    /// The value of the current generation, once it has arrived.
    public private(set) var value: Value?
    /// A computation of the current generation is wanted.
    public private(set) var isDue = false
    /// The generation being computed, if any.
    public private(set) var inFlight: Int?

    public init() {}

    /// The state changed: drop the value; with `wanted`, compute a new one.
    public mutating func invalidate(wanted: Bool) {
        generation += 1
        value = nil
        isDue = wanted
    }

    /// The generation to compute now, or nil if nothing is due or one is in flight.
    public mutating func launch() -> Int? {
        guard isDue, inFlight == nil else { return nil }
        isDue = false
        inFlight = generation
        return generation
    }

    /// A result arrived for `generation`; returns whether it was kept.
    @discardableResult
    public mutating func receive(_ result: Value?, generation g: Int) -> Bool {
        if inFlight == g { inFlight = nil }
        guard g == generation else { return false }
        value = result
        return true
    }

    /// Whether a value is wanted but has not arrived (due or in flight).
    public var isPending: Bool { value == nil && (isDue || inFlight == generation) }
}
