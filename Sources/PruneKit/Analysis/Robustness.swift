/// The box every attacked or noisy input is clipped to, in normalised units
/// (the units the model sees, after the spec's `Normalisation`).
///
/// One range for every feature (global, not per feature): the smallest and
/// largest value of any feature of any sample of the data, after
/// normalisation. For pixels divided by 255 that is [0, 1] (when some pixel
/// is 0 and some 255), so an adversarial image is still an image. For
/// per-feature standardised data a feature may be pushed beyond its own
/// observed range, but never beyond the widest range of any feature.
public struct InputRange: Sendable, Equatable, Codable {
    /// Smallest value an input element may take.
    public var lower: Float
    /// Largest value an input element may take.
    public var upper: Float

    public init(lower: Float, upper: Float) {
        precondition(lower <= upper, "input range [\(lower), \(upper)] is empty")
        self.lower = lower
        self.upper = upper
    }

    /// The global minimum and maximum over every element of `datasets`
    /// ([0, 0] when they hold no element).
    public static func covering(_ datasets: [Dataset]) -> InputRange {
        var low = Float.infinity, high = -Float.infinity
        for dataset in datasets {
            for v in dataset.inputs.data where v.isFinite {
                low = min(low, v)
                high = max(high, v)
            }
        }
        return low <= high ? InputRange(lower: low, upper: high) : InputRange(lower: 0, upper: 0)
    }

    /// `value` clipped to the range.
    @inline(__always)
    func clip(_ value: Float) -> Float { min(max(value, lower), upper) }
}

/// What is done to an input before the model sees it.
public enum InputPerturbation: Sendable, Equatable {
    /// Nothing: the clean input.
    case none
    /// Fast gradient sign method (Goodfellow et al. 2015):
    /// `x' = clip(x + epsilon * sign(grad_x L), lower, upper)`.
    case fgsm(epsilon: Float)
    /// Projected gradient descent (Madry et al. 2018) from `x` (no random
    /// start): `steps` steps of size `epsilon / 4`, each followed by
    /// projection to the L-inf ball of radius `epsilon` around `x` and to
    /// the input range.
    case pgd(epsilon: Float, steps: Int)
    /// Gaussian noise: `x' = clip(x + sigma * N(0, 1), lower, upper)`, one
    /// draw per element in dataset order from `seed`, so the same seed gives
    /// the same noise whatever the batch size.
    case gaussianNoise(sigma: Float, seed: UInt64)
}

/// Accuracy under adversarial and random input perturbations.
///
/// Gradients are of the per-sample cross-entropy with respect to the
/// input, through the model's own BLAS-backed layers in evaluation mode
/// (dropout off). The weights are never changed (a pruned weight stays
/// exactly 0); the parameters' gradient buffers are used as scratch and
/// left as they were.
public enum Robustness {
    /// dL_i/dx_i for every sample i of the batch, where L_i is sample i's
    /// own cross-entropy loss (not the batch mean, so no gradient shrinks
    /// with the batch size). Shape `inputs.shape`.
    public static func inputGradient(of model: Model, inputs: Tensor, labels: [Int]) -> Tensor {
        let saved = model.parameters.map(\.grad)
        defer { for (p, g) in zip(model.parameters, saved) { p.grad = g } }
        let logits = model.forward(inputs, training: false)
        var (_, gradient) = SoftmaxCrossEntropy.lossAndGradient(logits: logits, labels: labels)
        let batch = Float(labels.count)
        gradient.data.withUnsafeMutableBufferPointer { g in
            for i in g.indices { g[i] *= batch }
        }
        return model.backward(gradient)
    }

    /// The FGSM adversarial batch for `inputs` (see `InputPerturbation.fgsm`).
    /// An element whose gradient is exactly 0 is left where it is.
    public static func fgsm(model: Model, inputs: Tensor, labels: [Int], epsilon: Float, range: InputRange) -> Tensor {
        let gradient = inputGradient(of: model, inputs: inputs, labels: labels)
        var out = inputs
        step(&out, gradient: gradient, size: epsilon)
        for i in out.data.indices { out.data[i] = range.clip(out.data[i]) }
        return out
    }

    /// The PGD adversarial batch for `inputs` (see `InputPerturbation.pgd`).
    /// `isCancelled` is asked between steps; a cancelled run returns the
    /// batch reached so far.
    public static func pgd(
        model: Model, inputs: Tensor, labels: [Int], epsilon: Float, steps: Int, range: InputRange,
        isCancelled: () -> Bool = { false }
    ) -> Tensor {
        var out = inputs
        for _ in 0..<max(0, steps) {
            if isCancelled() { break }
            let gradient = inputGradient(of: model, inputs: out, labels: labels)
            step(&out, gradient: gradient, size: epsilon / 4)
            for i in out.data.indices {
                let x = inputs.data[i]
                out.data[i] = range.clip(min(max(out.data[i], x - epsilon), x + epsilon))
            }
        }
        return out
    }

    /// `inputs` plus `sigma` times standard normal draws from `rng`, clipped
    /// to `range`.
    public static func noisy(inputs: Tensor, sigma: Float, range: InputRange, rng: inout SeededRandom) -> Tensor {
        var out = inputs
        for i in out.data.indices { out.data[i] = range.clip(out.data[i] + sigma * rng.normal()) }
        return out
    }

    /// Loss and accuracy of `model` on `dataset` with every input perturbed,
    /// `batchSize` samples at a time (fewer when a batch would exceed the
    /// model's activation limit).
    /// - Throws: `CancellationError` when `isCancelled` answers true between batches.
    public static func evaluate(
        _ model: Model, on dataset: Dataset, under perturbation: InputPerturbation, range: InputRange,
        batchSize: Int = 500, isCancelled: () -> Bool = { false }
    ) throws -> Evaluation {
        let n = dataset.count
        guard n > 0 else { return Evaluation(loss: 0, accuracy: 0, correct: 0, count: 0) }
        let size = min(max(1, batchSize), SpecLimits.largestBatch(for: model))
        var rng: SeededRandom?
        if case .gaussianNoise(_, let seed) = perturbation { rng = SeededRandom(seed: seed) }
        var lossSum = 0.0
        var correct = 0
        var start = 0
        while start < n {
            if isCancelled() { throw CancellationError() }
            let end = min(n, start + size)
            let (x, y) = dataset.batch(start..<end)
            let input: Tensor
            switch perturbation {
            case .none: input = x
            case .fgsm(let epsilon): input = fgsm(model: model, inputs: x, labels: y, epsilon: epsilon, range: range)
            case .pgd(let epsilon, let steps):
                input = pgd(model: model, inputs: x, labels: y, epsilon: epsilon, steps: steps, range: range, isCancelled: isCancelled)
            case .gaussianNoise(let sigma, _):
                var generator = rng ?? SeededRandom(seed: 0)
                input = noisy(inputs: x, sigma: sigma, range: range, rng: &generator)
                rng = generator
            }
            let part = SoftmaxCrossEntropy.lossSumAndCorrect(logits: model.forward(input, training: false), labels: y)
            lossSum += part.lossSum
            correct += part.correct
            start = end
        }
        if isCancelled() { throw CancellationError() }
        return Evaluation(
            loss: Float(lossSum / Double(n)), accuracy: Double(correct) / Double(n), correct: correct, count: n)
    }

    /// `x += size * sign(gradient)`, element by element (sign 0 for 0).
    private static func step(_ x: inout Tensor, gradient: Tensor, size: Float) {
        precondition(x.count == gradient.count, "input gradient \(gradient.shape) does not match the input \(x.shape)")
        for i in x.data.indices {
            let g = gradient.data[i]
            if g > 0 {
                x.data[i] += size
            } else if g < 0 {
                x.data[i] -= size
            }
        }
    }
}
