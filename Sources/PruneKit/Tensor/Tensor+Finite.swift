extension Tensor {
    /// The first element that is NaN or infinite, with its flat index, or
    /// nil when every element is finite.
    ///
    /// Loading refuses such weights: one NaN poisons every output it reaches,
    /// and a sweep over it reports nonsense rather than failing.
    public var firstNonFinite: (index: Int, value: Float)? {
        data.withUnsafeBufferPointer { values in
            values.firstIndex { !$0.isFinite }.map { ($0, values[$0]) }
        }
    }

    /// "holds a non-finite value (nan) at element 3", or nil when all are finite.
    public var nonFiniteProblem: String? {
        firstNonFinite.map { "holds a non-finite value (\($0.value)) at element \($0.index)" }
    }
}
