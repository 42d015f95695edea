#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif

extension SoftmaxCrossEntropy {
    /// Every sample's own cross-entropy loss on `dataset`, in order, and how
    /// many samples the model classifies correctly (dropout off).
    public static func perSample(_ model: Model, on dataset: Dataset, batchSize: Int = 500) -> (losses: [Float], correct: Int) {
        var losses = [Float]()
        losses.reserveCapacity(dataset.count)
        var correct = 0
        let size = min(max(1, batchSize), SpecLimits.largestBatch(for: model))
        var start = 0
        while start < dataset.count {
            let end = min(dataset.count, start + size)
            let (x, y) = dataset.batch(start..<end)
            let logits = model.forward(x, training: false)
            let classes = logits.shape[1]
            let predicted = argmaxRows(logits)
            for row in 0..<y.count {
                let r = logits.data[(row * classes)..<((row + 1) * classes)]
                let top = r.max() ?? 0
                let sum = r.reduce(Float(0)) { $0 + expf($1 - top) }
                losses.append(logf(sum) + top - r[row * classes + y[row]])
                if predicted[row] == y[row] { correct += 1 }
            }
            start = end
        }
        return (losses, correct)
    }
}
