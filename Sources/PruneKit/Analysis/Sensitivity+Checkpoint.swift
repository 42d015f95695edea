extension SensitivityAnalysis {
    /// The sweep on a checkpoint without a spec: each tensor of `tensors`
    /// (default: the prunable ones under `PrunableRules.default`) pruned
    /// alone by magnitude to each of `sparsities`, measured by `measure`
    /// (masks by tensor name; empty for the unpruned baseline; nil when
    /// cancelled), typically the user's evaluator.
    public static func run(
        checkpoint archive: any TensorArchive, measure: ([String: Tensor]) throws -> Evaluation?, tensors: [String] = [],
        sparsities: [Double], onProgress: (SensitivityProgress) -> Void = { _ in }, isCancelled: () -> Bool = { false }
    ) throws -> SensitivityResult {
        guard !sparsities.isEmpty else { throw PruningError("--sparsities", "give at least one sparsity") }
        for s in sparsities { try PruningError.checkFraction(s, "--sparsities") }
        let names = tensors.isEmpty ? PrunableRules.default.prunable(archive.tensors).map(\.name) : tensors
        for name in names where archive.info(named: name) == nil {
            throw SafetensorsError.tensorNotFound(path: archive.path, name: name)
        }
        func cancelled(_ base: Evaluation?, _ points: [SensitivityPoint]) -> SensitivityResult {
            SensitivityResult(
                baselineAccuracy: base?.accuracy ?? 0, baselineLoss: Double(base?.loss ?? 0), points: points, skipped: [],
                cancelled: true)
        }
        guard let base = try measure([:]) else { return cancelled(nil, []) }
        var points = [SensitivityPoint]()
        let total = names.count * sparsities.count
        for name in names {
            for s in sparsities {
                if isCancelled() { return cancelled(base, points) }
                let masks = try CheckpointPruning.layerMagnitudeMasks(archive, names: [name], amount: s)
                guard let e = try measure(masks) else { return cancelled(base, points) }
                let point = SensitivityPoint(tensor: name, sparsity: s, accuracy: e.accuracy, loss: Double(e.loss))
                points.append(point)
                onProgress(SensitivityProgress(done: points.count, total: total, point: point))
            }
        }
        return SensitivityResult(
            baselineAccuracy: base.accuracy, baselineLoss: Double(base.loss), points: points, skipped: [], cancelled: false)
    }
}
