extension SensitivityAllocation {
    /// Sparsities a sweep for allocation measures by default: dense where
    /// high sparsities differ most, up to the default ceiling.
    /// The explorer's sensitivity screen sweeps the same.
    public static let defaultSweep = [0.1, 0.3, 0.5, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99]

    /// The allocator's view of `tensors` of `model` at `granularity`:
    /// units, weights per unit and the fraction already pruned.
    ///
    /// - Throws: for granularities the allocator cannot count in whole
    ///   units of equal size (N:M implies its sparsity; blocks differ in
    ///   size at the edges) and for unknown tensors.
    public static func layers(_ tensors: [String], of model: Model, granularity: Granularity) throws -> [Layer] {
        try tensors.map { name in
            guard let p = model.parameter(named: name) else {
                throw PruningError(name, "no such tensor in model '\(model.name)'")
            }
            let count = p.value.count
            let mask = p.mask?.data
            switch granularity {
            case .unstructured:
                let pruned = Mask.prunedCount(p.mask)
                return Layer(tensor: name, units: count, current: Double(pruned) / Double(max(count, 1)))
            case .neuron, .filter:
                let rows = p.value.shape.first ?? 1
                let perUnit = count / max(rows, 1)
                var pruned = 0
                if let mask {
                    for r in 0..<rows where (r * perUnit..<(r + 1) * perUnit).allSatisfy({ mask[$0] == 0 }) { pruned += 1 }
                }
                return Layer(tensor: name, units: rows, weightsPerUnit: perUnit, current: Double(pruned) / Double(max(rows, 1)))
            case .nOfM, .block:
                throw PruningError("--allocate", "allocation counts single weights, neurons or filters; \(granularity) is not one")
            }
        }
    }

    /// Sweeps each tensor alone over `sparsities` on `validation`, then
    /// chooses the targets reaching `target` overall (see `choose`).
    /// `onProgress` and `isCancelled` as in `SensitivityAnalysis.run`; a
    /// cancelled sweep throws.
    public static func run(
        model: Model, validation: Dataset, target: Double, tensors: [String] = [],
        granularity: Granularity = .unstructured, sparsities: [Double] = defaultSweep,
        damage: Damage = .accuracy, ceiling: Double = 0.99,
        onProgress: (SensitivityProgress) -> Void = { _ in },
        isCancelled: () -> Bool = { false }
    ) throws -> (allocation: SensitivityAllocation, sweep: SensitivityResult) {
        let names = tensors.isEmpty ? Topology(model: model).defaultTensors(structured: granularity.isStructured) : tensors
        let layers = try layers(names, of: model, granularity: granularity)
        try PruningError.checkFraction(target, "--sparsity")
        let sweep = try SensitivityAnalysis.run(
            model: model, validation: validation, tensors: names, sparsities: sparsities,
            criterion: .magnitude, granularity: granularity, onProgress: onProgress, isCancelled: isCancelled)
        guard !sweep.cancelled else { throw PruningError("--allocate", "cancelled during the sensitivity sweep") }
        let allocation = try choose(target: target, layers: layers, sweep: sweep, damage: damage, ceiling: ceiling)
        return (allocation, sweep)
    }

    /// The targets as a table for reports: tensor, before, chosen, predicted.
    public var summaryLines: [String] {
        targets.map { t in
            "\(t.tensor): \(Format.percent(t.current)) -> \(Format.percent(t.sparsity)) (predicted accuracy "
                + String(format: "%+.2f pt, loss %+.4f)", -t.predictedAccuracyDrop * 100, t.predictedLossIncrease)
        }
    }
}

/// An allocation and what it did when applied: the accuracy it predicted
/// beside the accuracy measured after the last prune step (before any
/// retraining that followed it).
public struct AllocationOutcome: Codable, Sendable, Equatable {
    public var allocation: SensitivityAllocation
    /// The history step measured, and its validation accuracy and loss.
    public var measuredStep: Int?
    public var measuredAccuracy: Double?
    public var measuredLoss: Double?

    /// Reads the measurement from `session`'s last prune step up to its cursor.
    public init(allocation: SensitivityAllocation, session: PruningSession) {
        self.allocation = allocation
        let step = session.steps[0...session.cursor].last { $0.kind == .prune }
        measuredStep = step?.id
        measuredAccuracy = step?.metrics.accuracy
        measuredLoss = step?.metrics.loss
    }

    /// Lines for the terminal and the Markdown report.
    public var summaryLines: [String] {
        var lines = [
            "allocation from sensitivity (\(allocation.damage.rawValue)), overall \(Format.percent(allocation.achievedSparsity, digits: 2)):"
        ]
        lines += allocation.summaryLines.map { "  " + $0 }
        lines.append(
            "  predicted accuracy \(Format.percent(allocation.predictedAccuracy, digits: 2)), measured "
                + "\(Format.percent(measuredAccuracy, digits: 2))" + (measuredStep.map { " (step \($0), before retraining)" } ?? ""))
        return lines
    }
}
