/// Input preprocessing: divide by a scale, then standardise with a mean
/// and standard deviation: `x' = (x / divideBy - mean) / std`.
///
/// `mean` and `std` hold either one value (for every feature) or one value
/// per feature of a flattened sample. When they are absent and
/// `standardise` is true, `fitted(on:)` computes them per feature from the
/// training part only, so the validation data never leaks into them.
public struct Normalisation: Codable, Sendable, Equatable {
    /// Every input is divided by this first (e.g. 255 for bytes to [0, 1]).
    public var divideBy: Float
    /// Subtracted after scaling; one value, or one per feature.
    public var mean: [Float]?
    /// Divides after subtracting the mean; one value, or one per feature.
    public var std: [Float]?
    /// Compute `mean` and `std` per feature from the training set when absent.
    public var standardise: Bool

    public init(divideBy: Float = 1, mean: [Float]? = nil, std: [Float]? = nil, standardise: Bool = false) {
        self.divideBy = divideBy
        self.mean = mean
        self.std = std
        self.standardise = standardise
    }

    private enum CodingKeys: String, CodingKey { case divideBy, mean, std, standardise }

    /// Decodes, with every field optional (`divideBy` 1, no standardisation).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        divideBy = try c.decodeIfPresent(Float.self, forKey: .divideBy) ?? 1
        mean = try c.decodeIfPresent([Float].self, forKey: .mean)
        std = try c.decodeIfPresent([Float].self, forKey: .std)
        standardise = try c.decodeIfPresent(Bool.self, forKey: .standardise) ?? false
    }

    /// This normalisation with `mean`/`std` computed per feature on `train`
    /// (after dividing by `divideBy`) where `standardise` asks for them and
    /// they are not given. A feature whose std is 0 gets std 1.
    public func fitted(on train: Dataset) -> Normalisation {
        guard standardise, mean == nil || std == nil, train.count > 0 else { return self }
        let f = train.sampleSize, n = train.count
        var sum = [Double](repeating: 0, count: f)
        var sumSquares = [Double](repeating: 0, count: f)
        train.inputs.data.withUnsafeBufferPointer { p in
            for i in 0..<n {
                for j in 0..<f {
                    let v = Double(p[i * f + j] / divideBy)
                    sum[j] += v
                    sumSquares[j] += v * v
                }
            }
        }
        var result = self
        let means = sum.map { $0 / Double(n) }
        if result.mean == nil { result.mean = means.map { Float($0) } }
        if result.std == nil {
            result.std = (0..<f).map { j in
                let variance = max(0, sumSquares[j] / Double(n) - means[j] * means[j])
                let s = variance.squareRoot()
                return s > 1e-12 ? Float(s) : 1
            }
        }
        return result
    }

    /// The raw value of feature `j` whose normalised value is `value`: the
    /// inverse of `apply`, x = (x' * std + mean) * divideBy (mean 0 and
    /// std 1 where absent; a single mean or std serves every feature).
    public func rawValue(of value: Double, feature j: Int) -> Double {
        func pick(_ values: [Float]?, _ fallback: Float) -> Double {
            guard let values, !values.isEmpty else { return Double(fallback) }
            return Double(values.count == 1 ? values[0] : values[min(j, values.count - 1)])
        }
        return (value * pick(std, 1) + pick(mean, 0)) * Double(divideBy)
    }

    /// `dataset` with every value transformed.
    /// - Throws: `DatasetError.invalidArgument` if `mean`/`std` have a length
    ///   other than 1 or the sample size, or `divideBy`/`std` contain 0.
    public func apply(to dataset: Dataset) throws -> Dataset {
        let f = dataset.sampleSize
        guard divideBy != 0, divideBy.isFinite else {
            throw DatasetError.invalidArgument(dataset: dataset.name, problem: "normalisation divideBy must be a non-zero number")
        }
        for (label, values) in [("mean", mean), ("std", std)] {
            if let values, values.count != 1 && values.count != f {
                throw DatasetError.invalidArgument(
                    dataset: dataset.name,
                    problem: "normalisation \(label) has \(values.count) values; give 1 or one per feature (\(f))")
            }
        }
        if let std, std.contains(0) {
            throw DatasetError.invalidArgument(dataset: dataset.name, problem: "normalisation std contains 0")
        }
        let m = mean.map { $0.count == 1 ? [Float](repeating: $0[0], count: f) : $0 } ?? [Float](repeating: 0, count: f)
        let s = std.map { $0.count == 1 ? [Float](repeating: $0[0], count: f) : $0 } ?? [Float](repeating: 1, count: f)
        var out = dataset
        let scale = 1 / divideBy
        out.inputs.data.withUnsafeMutableBufferPointer { p in
            guard f > 0 else { return }
            for i in 0..<dataset.count {
                for j in 0..<f {
                    let k = i * f + j
                    p[k] = (p[k] * scale - m[j]) / s[j]
                }
            }
        }
        return out
    }
}
