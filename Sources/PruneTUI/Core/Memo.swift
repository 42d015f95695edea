/// The last value computed for a key: for work a view would otherwise redo
/// every frame (binning a 235k-weight layer, downsampling an embedding).
/// A reference type so an immutable app value can still remember it.
public final class Memo<Value> {
    public init() {}
    private var key: String?
    private var value: Value?
    /// How many times `make` ran: a test can tell "computed once per
    /// change" from "computed every frame" without timing anything.
    public private(set) var computations = 0

    /// The value for `key`, computed by `make` only when the key changed.
    public func value(for key: String, _ make: () -> Value) -> Value {
        if key == self.key, let value { return value }
        let v = make()
        computations += 1
        self.key = key
        value = v
        return v
    }
}
