/// Loss and accuracy of a model on a dataset.
public struct Evaluation: Codable, Sendable, Equatable {
    /// Mean cross-entropy per sample.
    public var loss: Float
    /// Fraction correct, in [0, 1] (0 for an empty dataset).
    public var accuracy: Double
    /// Samples whose argmax prediction equals the label.
    public var correct: Int
    /// Samples evaluated.
    public var count: Int

    public init(loss: Float, accuracy: Double, correct: Int, count: Int) {
        self.loss = loss
        self.accuracy = accuracy
        self.correct = correct
        self.count = count
    }
}

/// Evaluates `model` on every sample of `dataset` in evaluation mode
/// (dropout off), `batchSize` samples at a time (fewer when a batch would
/// exceed `SpecLimits.batchActivations`).
public func evaluate(_ model: Model, on dataset: Dataset, batchSize: Int = 500) -> Evaluation {
    let n = dataset.count
    guard n > 0 else { return Evaluation(loss: 0, accuracy: 0, correct: 0, count: 0) }
    let size = min(max(1, batchSize), SpecLimits.largestBatch(for: model))
    var lossSum = 0.0
    var correct = 0
    var start = 0
    while start < n {
        let end = min(n, start + size)
        let (x, y) = dataset.batch(start..<end)
        let logits = model.forward(x, training: false)
        let part = SoftmaxCrossEntropy.lossSumAndCorrect(logits: logits, labels: y)
        lossSum += part.lossSum
        correct += part.correct
        start = end
    }
    return Evaluation(
        loss: Float(lossSum / Double(n)), accuracy: Double(correct) / Double(n),
        correct: correct, count: n)
}

/// The argmax class of every sample of `dataset`, in order (dropout off).
public func predictions(_ model: Model, on dataset: Dataset, batchSize: Int = 500) -> [Int] {
    var result = [Int]()
    result.reserveCapacity(dataset.count)
    let size = min(max(1, batchSize), SpecLimits.largestBatch(for: model))
    var start = 0
    while start < dataset.count {
        let end = min(dataset.count, start + size)
        let logits = model.forward(dataset.batch(start..<end).inputs, training: false)
        result.append(contentsOf: argmaxRows(logits))
        start = end
    }
    return result
}

/// Index of the largest element of each row of a `[rows, columns]` tensor
/// (the first one on ties).
public func argmaxRows(_ t: Tensor) -> [Int] {
    precondition(t.rank == 2, "argmaxRows needs a rank-2 tensor, got \(t.shape)")
    let rows = t.shape[0], cols = t.shape[1]
    guard cols > 0 else { return [Int](repeating: 0, count: rows) }
    var out = [Int](repeating: 0, count: rows)
    t.data.withUnsafeBufferPointer { p in
        for r in 0..<rows {
            var best = p[r * cols], index = 0
            for j in 1..<cols where p[r * cols + j] > best {
                best = p[r * cols + j]
                index = j
            }
            out[r] = index
        }
    }
    return out
}
