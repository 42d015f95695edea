#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif

extension SoftmaxCrossEntropy {
    /// Every sample's own cross-entropy loss on `dataset`, in order, and how
    /// many samples the model classifies correctly (dropout off). In Double,
    /// so the tiny losses of confidently right samples stay distinct rather
    /// than rounding to one tied 0 (which would blur a membership attack).
    public static func perSample(_ model: Model, on dataset: Dataset, batchSize: Int = 500) -> (losses: [Double], correct: Int) {
        var losses = [Double]()
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
                let r = logits.data[(row * classes)..<((row + 1) * classes)].map(Double.init)
                let label = y[row]
                if predicted[row] == label {
                    // log(1 + sum of the others' exp(z_j - z_y)): exact for a confident
                    // sample, where log(sum) in Float would round the loss to 0.
                    var others = 0.0
                    for j in r.indices where j != label { others += exp(r[j] - r[label]) }
                    losses.append(log1p(others))
                    correct += 1
                } else {
                    let top = r.max() ?? 0
                    losses.append(log(r.reduce(0.0) { $0 + exp($1 - top) }) + top - r[label])
                }
            }
            start = end
        }
        return (losses, correct)
    }
}
