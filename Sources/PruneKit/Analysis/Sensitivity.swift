/// Validation accuracy and loss with one tensor pruned alone to one sparsity.
public struct SensitivityPoint: Codable, Sendable, Equatable {
    /// The pruned tensor.
    public var tensor: String
    /// Target sparsity of that tensor (fraction of its elements masked).
    public var sparsity: Double
    /// Validation accuracy in [0, 1].
    public var accuracy: Double
    /// Mean validation cross-entropy.
    public var loss: Double
}

/// A cell of the sweep that was not measured because the sparsity cannot
/// apply to the tensor at its granularity (e.g. 99 % of 8 filters would
/// remove them all, 10 % of 4 neurons rounds to none).
public struct SensitivitySkip: Codable, Sendable, Equatable {
    /// The tensor that would have been pruned.
    public var tensor: String
    /// The target sparsity that cannot apply.
    public var sparsity: Double
    /// Why, for a person: "would remove all 8 filters".
    public var reason: String

    public init(tensor: String, sparsity: Double, reason: String) {
        self.tensor = tensor
        self.sparsity = sparsity
        self.reason = reason
    }
}

/// Progress of a sensitivity sweep, after each measured point.
public struct SensitivityProgress: Sendable {
    /// Cells handled so far (measured or skipped) and in total.
    public var done: Int
    public var total: Int
    /// The point just measured.
    public var point: SensitivityPoint
}

/// Result of a sweep: the unpruned reference and every measured point.
public struct SensitivityResult: Codable, Sendable, Equatable {
    /// Accuracy and loss of the model as given (its current masks).
    public var baselineAccuracy: Double
    public var baselineLoss: Double
    /// Points in tensor-major order, sparsities in the order given.
    public var points: [SensitivityPoint]
    /// Cells that could not apply and were not measured, in sweep order.
    public var skipped: [SensitivitySkip]
    /// True if the sweep was cancelled before every point was measured.
    public var cancelled: Bool

    public init(
        baselineAccuracy: Double, baselineLoss: Double, points: [SensitivityPoint],
        skipped: [SensitivitySkip] = [], cancelled: Bool
    ) {
        self.baselineAccuracy = baselineAccuracy
        self.baselineLoss = baselineLoss
        self.points = points
        self.skipped = skipped
        self.cancelled = cancelled
    }

    /// The skip recorded for `tensor` at `sparsity`, if that cell was skipped.
    public func skip(tensor: String, sparsity: Double) -> SensitivitySkip? {
        skipped.first { $0.tensor == tensor && $0.sparsity == sparsity }
    }

    /// CSV with a header: `tensor,sparsity,accuracy,loss` then one line per
    /// point; a skipped cell has empty accuracy and loss.
    public var csv: String {
        var s = "tensor,sparsity,accuracy,loss\n"
        for p in points { s += "\(p.tensor),\(p.sparsity),\(p.accuracy),\(p.loss)\n" }
        for k in skipped { s += "\(k.tensor),\(k.sparsity),,\n" }
        return s
    }
}

/// Distiller-style per-layer sensitivity analysis: each tensor is pruned on
/// its own (the others keep their current masks) at each sparsity, and the
/// validation accuracy and loss are recorded.
public enum SensitivityAnalysis {
    /// Sweeps `tensors` (default: every Dense/Conv2D weight) over `sparsities`
    /// (each in [0, 1), a target sparsity of the tensor, `Amount.sparsity`
    /// semantics) with `criterion` and `granularity`. Works on a copy; the
    /// model is not changed. Cost: one validation pass per point.
    ///
    /// A cell whose sparsity cannot apply (see `Pruner.inapplicability`:
    /// it would remove every neuron or filter, or rounds to no unit at all)
    /// is skipped, reported to `onSkip` and listed in `skipped`; the sweep
    /// goes on.
    ///
    /// - Parameters:
    ///   - onProgress: called after every measured point.
    ///   - onSkip: called for every skipped cell, in sweep order.
    ///   - isCancelled: polled before every point; a cancelled sweep returns
    ///     the points measured so far with `cancelled == true`.
    public static func run(
        model: Model, validation: Dataset, tensors: [String] = [], sparsities: [Double],
        criterion: Criterion = .magnitude, granularity: Granularity = .unstructured,
        onProgress: (SensitivityProgress) -> Void = { _ in },
        onSkip: (SensitivitySkip) -> Void = { _ in },
        isCancelled: () -> Bool = { false }
    ) throws -> SensitivityResult {
        try run(
            model: model, measure: { evaluate($0, on: validation) }, tensors: tensors, sparsities: sparsities,
            criterion: criterion, granularity: granularity, onProgress: onProgress, onSkip: onSkip, isCancelled: isCancelled)
    }

    /// The same sweep with each point measured by `measure` (e.g. the
    /// user's own evaluator, `ExternalEvaluator`) instead of the validation
    /// set; `measure` returning nil means it was cancelled.
    public static func run(
        model: Model, measure: (Model) throws -> Evaluation?, tensors: [String] = [], sparsities: [Double],
        criterion: Criterion = .magnitude, granularity: Granularity = .unstructured,
        onProgress: (SensitivityProgress) -> Void = { _ in },
        onSkip: (SensitivitySkip) -> Void = { _ in },
        isCancelled: () -> Bool = { false }
    ) throws -> SensitivityResult {
        guard !sparsities.isEmpty else { throw PruningError("--sparsities", "give at least one sparsity") }
        for s in sparsities { try PruningError.checkFraction(s, "--sparsities") }
        guard !criterion.needsGradients else {
            throw PruningError("--criterion", "sensitivity sweeps use data-free criteria (magnitude, random, l1-norm, l2-norm)")
        }
        let names = tensors.isEmpty ? Topology(model: model).defaultTensors(structured: granularity.isStructured) : tensors
        // Validate every tensor up front so a bad name fails before any work.
        for name in names {
            _ = try Pruner.plan(
                PruneRequest(
                    tensors: [name], criterion: criterion, granularity: granularity,
                    amount: .sparsity(0)), model: model)
        }
        var points = [SensitivityPoint]()
        var skipped = [SensitivitySkip]()
        guard let base = try measure(model) else {
            return SensitivityResult(baselineAccuracy: 0, baselineLoss: 0, points: [], skipped: [], cancelled: true)
        }
        let total = names.count * sparsities.count
        let work = model.copy()
        for name in names {
            for s in sparsities {
                if isCancelled() {
                    return SensitivityResult(
                        baselineAccuracy: base.accuracy, baselineLoss: Double(base.loss),
                        points: points, skipped: skipped, cancelled: true)
                }
                if let p = model.parameter(named: name),
                    let reason = Pruner.inapplicability(ofSparsity: s, to: p, granularity: granularity)
                {
                    let skip = SensitivitySkip(tensor: name, sparsity: s, reason: reason)
                    skipped.append(skip)
                    onSkip(skip)
                    continue
                }
                let plan = try Pruner.plan(
                    PruneRequest(
                        tensors: [name], criterion: criterion, granularity: granularity,
                        amount: .sparsity(s)), model: model)
                var saved = [(Parameter, Tensor, Tensor?)]()
                for (t, mask) in plan.masks {
                    guard let p = work.parameter(named: t) else { continue }
                    saved.append((p, p.value, p.mask))
                    p.mask = mask
                    p.applyMask()
                }
                let measured = try measure(work)
                for (p, v, m) in saved { p.value = v; p.mask = m }
                guard let e = measured else {
                    return SensitivityResult(
                        baselineAccuracy: base.accuracy, baselineLoss: Double(base.loss),
                        points: points, skipped: skipped, cancelled: true)
                }
                let point = SensitivityPoint(tensor: name, sparsity: s, accuracy: e.accuracy, loss: Double(e.loss))
                points.append(point)
                onProgress(SensitivityProgress(done: points.count + skipped.count, total: total, point: point))
            }
        }
        return SensitivityResult(
            baselineAccuracy: base.accuracy, baselineLoss: Double(base.loss), points: points,
            skipped: skipped, cancelled: false)
    }
}
