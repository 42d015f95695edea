/// The box every attacked or noisy input is clipped to, in normalised units
/// (the units the model sees, after the spec's `Normalisation`): one range
/// for every feature, or one per feature.
///
/// A model loaded from a spec gets `normalised(...)`: the raw data's
/// global minimum and maximum (one domain for every feature, e.g. pixels
/// 0...255) mapped through the fitted normalisation, so per feature when
/// the normalisation standardises per feature. For pixels divided by 255
/// that is [0, 1]: an adversarial image is still an image. Without a spec,
/// `covering(_:)` takes the normalised data's global minimum and maximum.
public struct InputRange: Sendable, Equatable, Codable {
    /// Smallest value an input element may take: one value, or one per feature.
    public var lower: [Float]
    /// Largest value an input element may take: one value, or one per feature.
    public var upper: [Float]

    /// One range for every feature.
    public init(lower: Float, upper: Float) {
        self.init(lower: [lower], upper: [upper])
    }

    /// Per-feature ranges (or one, for every feature).
    public init(lower: [Float], upper: [Float]) {
        precondition(!lower.isEmpty && lower.count == upper.count, "input range needs as many lower as upper bounds")
        precondition(zip(lower, upper).allSatisfy { $0 <= $1 }, "an input range is empty")
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

    /// The raw range `rawLower...rawUpper` (shared by every feature) after
    /// `normalisation` (fitted: `mean`/`std` given when it standardises),
    /// per feature when `mean` or `std` has one value per feature.
    public static func normalised(
        rawLower: Float, rawUpper: Float, normalisation: Normalisation, features: Int
    ) -> InputRange {
        let mean = normalisation.mean ?? [0], std = normalisation.std ?? [1]
        let count = mean.count == 1 && std.count == 1 ? 1 : max(1, features)
        var lower = [Float](repeating: 0, count: count), upper = lower
        for j in 0..<count {
            let m = mean.count == 1 ? mean[0] : mean[j], s = std.count == 1 ? std[0] : std[j]
            let a = (rawLower / normalisation.divideBy - m) / s, b = (rawUpper / normalisation.divideBy - m) / s
            lower[j] = min(a, b)
            upper[j] = max(a, b)
        }
        return InputRange(lower: lower, upper: upper)
    }

    /// Whether every feature has the same range.
    public var isGlobal: Bool { Set(lower).count == 1 && Set(upper).count == 1 }

    /// The range as text: "[0, 1]", or "each feature's range, within [-1.2, 38]".
    public var summary: String {
        func number(_ x: Float) -> String {
            let d = Double(x).rounded(toPlaces: 4)
            return d == d.rounded() && abs(d) < 1e9 ? String(Int(d)) : "\(d)"
        }
        let low = lower.min() ?? 0, high = upper.max() ?? 0
        return isGlobal ? "[\(number(low)), \(number(high))]" : "each feature's range, within [\(number(low)), \(number(high))]"
    }

    /// Element `index` of a flattened batch, clipped to its feature's range.
    @inline(__always)
    func clip(_ value: Float, at index: Int) -> Float {
        let j = lower.count == 1 ? 0 : index % lower.count
        return min(max(value, lower[j]), upper[j])
    }
}

extension Double {
    /// This number rounded to `places` decimals, trailing zeros dropped by printing.
    fileprivate func rounded(toPlaces places: Int) -> Double {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        return (self * scale).rounded() / scale
    }
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
        for i in out.data.indices { out.data[i] = range.clip(out.data[i], at: i) }
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
                out.data[i] = range.clip(min(max(out.data[i], x - epsilon), x + epsilon), at: i)
            }
        }
        return out
    }

    /// `inputs` plus `sigma` times standard normal draws from `rng`, clipped
    /// to `range`.
    public static func noisy(inputs: Tensor, sigma: Float, range: InputRange, rng: inout SeededRandom) -> Tensor {
        var out = inputs
        for i in out.data.indices { out.data[i] = range.clip(out.data[i] + sigma * rng.normal(), at: i) }
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
