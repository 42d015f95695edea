#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif

/// Softmax followed by cross-entropy against integer class labels, averaged
/// over the batch, as PyTorch's `nn.CrossEntropyLoss()` on raw logits.
///
/// Numerically stable: each row is shifted by its maximum before `exp`.
public enum SoftmaxCrossEntropy {
    /// Mean loss over the batch and dL/d(logits) = (softmax - onehot) / batch.
    ///
    /// - Parameters:
    ///   - logits: `[batch, classes]`.
    ///   - labels: `batch` class indices in `0..<classes`.
    public static func lossAndGradient(logits: Tensor, labels: [Int]) -> (loss: Float, gradient: Tensor) {
        var gradient = logits
        let loss = compute(logits: logits, labels: labels, gradient: &gradient.data, wantGradient: true)
        return (loss, gradient)
    }

    /// Mean loss over the batch, without the gradient.
    public static func loss(logits: Tensor, labels: [Int]) -> Float {
        var unused: [Float] = []
        return compute(logits: logits, labels: labels, gradient: &unused, wantGradient: false)
    }

    /// Sum (not mean) of the per-sample losses and the number of correct
    /// argmax predictions; used by evaluation to average across batches.
    static func lossSumAndCorrect(logits: Tensor, labels: [Int]) -> (lossSum: Double, correct: Int) {
        let (batch, classes) = dimensions(logits, labels)
        var lossSum = 0.0
        var correct = 0
        logits.data.withUnsafeBufferPointer { z in
            guard let zBase = z.baseAddress else { return }
            for row in 0..<batch {
                let r = zBase + row * classes
                let (maxValue, argmax) = rowMax(r, classes)
                var sum: Float = 0
                for j in 0..<classes { sum += expf(r[j] - maxValue) }
                lossSum += Double(logf(sum) + maxValue - r[labels[row]])
                if argmax == labels[row] { correct += 1 }
            }
        }
        return (lossSum, correct)
    }

    private static func compute(logits: Tensor, labels: [Int], gradient: inout [Float], wantGradient: Bool) -> Float {
        let (batch, classes) = dimensions(logits, labels)
        guard batch > 0 else { return 0 }
        var lossSum = 0.0
        let invBatch = 1 / Float(batch)
        logits.data.withUnsafeBufferPointer { z in
            gradient.withUnsafeMutableBufferPointer { g in
                guard let zBase = z.baseAddress else { return }
                for row in 0..<batch {
                    let r = zBase + row * classes
                    let label = labels[row]
                    let (maxValue, _) = rowMax(r, classes)
                    var sum: Float = 0
                    if wantGradient, let gBase = g.baseAddress {
                        let gr = gBase + row * classes
                        for j in 0..<classes {
                            let e = expf(r[j] - maxValue)
                            gr[j] = e
                            sum += e
                        }
                        let scale = invBatch / sum
                        for j in 0..<classes { gr[j] *= scale }
                        gr[label] -= invBatch
                    } else {
                        for j in 0..<classes { sum += expf(r[j] - maxValue) }
                    }
                    lossSum += Double(logf(sum) + maxValue - r[label])
                }
            }
        }
        return Float(lossSum / Double(batch))
    }

    private static func dimensions(_ logits: Tensor, _ labels: [Int]) -> (batch: Int, classes: Int) {
        precondition(
            logits.rank == 2 && logits.shape[0] == labels.count,
            "softmax cross-entropy needs [batch, classes] logits for \(labels.count) labels, got \(logits.shape)")
        let classes = logits.shape[1]
        precondition(labels.allSatisfy { $0 >= 0 && $0 < classes }, "a label is outside 0..<\(classes)")
        return (logits.shape[0], classes)
    }

    @inline(__always)
    private static func rowMax(_ r: UnsafePointer<Float>, _ count: Int) -> (Float, Int) {
        var best = r[0], index = 0
        for j in 1..<max(count, 1) where r[j] > best {
            best = r[j]
            index = j
        }
        return (best, index)
    }
}
