extension Dataset {
    /// Splits into a training and a validation part after a seeded shuffle.
    ///
    /// The samples are permuted with `SeededRandom(seed: seed)`; the last
    /// `round(count * validationFraction)` of the permutation become the
    /// validation set, the rest the training set (both in permuted order).
    /// Not stratified. Same seed, same split.
    /// - Throws: `DatasetError.invalidArgument` unless the fraction is in
    ///   [0, 1) and leaves at least one training sample.
    public func split(validationFraction: Double, seed: UInt64) throws -> (train: Dataset, validation: Dataset) {
        guard validationFraction.isFinite, validationFraction >= 0, validationFraction < 1 else {
            throw DatasetError.invalidArgument(dataset: name, problem: "validation fraction \(validationFraction) is outside [0, 1)")
        }
        let validationCount = Int((Double(count) * validationFraction).rounded())
        let trainCount = count - validationCount
        guard trainCount > 0 else {
            throw DatasetError.invalidArgument(
                dataset: name, problem: "a validation fraction of \(validationFraction) leaves no training samples")
        }
        var rng = SeededRandom(seed: seed)
        let order = rng.permutation(count)
        return (
            subset(order[..<trainCount], name: "\(name) (train)"),
            subset(order[trainCount...], name: "\(name) (validation)")
        )
    }

    /// The same samples with each one reshaped to `sampleShape` (same element count).
    /// - Throws: `DatasetError.invalidArgument` when the element counts differ.
    public func reshapedSamples(_ sampleShape: [Int]) throws -> Dataset {
        guard Tensor.elementCount(sampleShape) == sampleSize else {
            throw DatasetError.invalidArgument(
                dataset: name,
                problem: "samples of shape \(self.sampleShape) (\(sampleSize) values) cannot be shaped as \(sampleShape)")
        }
        return Dataset(name: name, inputs: inputs.reshaped([count] + sampleShape), labels: labels, classCount: classCount)
    }
}
