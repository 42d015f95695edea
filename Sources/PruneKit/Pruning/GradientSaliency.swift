/// Accumulates |w * dL/dw| per element over mini-batches, for the Taylor and SNIP criteria.
public enum GradientSaliency {
    /// Sum over `batches` mini-batches of |w * g|, where g is the batch-mean
    /// gradient of the cross-entropy loss (inference mode, no dropout) and w
    /// the current (masked) value. Batches are drawn from `data` in a seeded
    /// shuffled order, wrapping around if there are too few samples.
    /// Leaves the parameters' values untouched; gradients are zeroed after.
    public static func accumulate(
        model: Model, parameters: [Parameter], data: Dataset,
        batches: Int, batchSize: Int, seed: UInt64
    ) throws -> [String: [Float]] {
        guard batches >= 1 else { throw PruningError("--taylor-batches", "\(batches) must be at least 1") }
        guard batchSize >= 1 else { throw PruningError("--batch-size", "\(batchSize) must be at least 1") }
        guard data.count > 0 else { throw PruningError(data.name, "has no samples to take gradients from") }
        var rng = SeededRandom(seed: seed)
        let order = rng.permutation(data.count)
        var sums = [String: [Float]]()
        for p in parameters { sums[p.name] = [Float](repeating: 0, count: p.value.count) }
        var cursor = 0
        for _ in 0..<batches {
            var idx = [Int]()
            for _ in 0..<min(batchSize, data.count) { idx.append(order[cursor % data.count]); cursor += 1 }
            let (x, y) = data.batch(idx)
            model.zeroGrad()
            let logits = model.forward(x, training: false)
            let (_, g) = SoftmaxCrossEntropy.lossAndGradient(logits: logits, labels: y)
            model.backward(g)
            for p in parameters {
                guard var acc = sums[p.name] else { continue }
                p.value.data.withUnsafeBufferPointer { w in
                    p.grad.data.withUnsafeBufferPointer { gr in
                        acc.withUnsafeMutableBufferPointer { a in
                            for i in 0..<a.count { a[i] += abs(w[i] * gr[i]) }
                        }
                    }
                }
                sums[p.name] = acc
            }
        }
        model.zeroGrad()
        return sums
    }
}
