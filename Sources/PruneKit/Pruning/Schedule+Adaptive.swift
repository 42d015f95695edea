import Foundation

/// The settings of one adaptive run (see `Schedule.adaptive`).
struct AdaptivePlan {
    /// Accuracy (fraction) the run may lose against its start.
    var maxDrop: Double
    /// Fraction of the remaining weights the first step prunes.
    var initialStep: Double
    /// Prune-retrain attempts at most.
    var maxAttempts: Int
}

extension PruningSession {
    /// Runs the accuracy-guided schedule: each attempt prunes to a higher
    /// sparsity and, when the prune alone costs more than the budget,
    /// retrains; an attempt that keeps the validation accuracy
    /// within `maxDrop` of the start is kept and the next step doubles (in
    /// log of the remaining weights); one that does not is followed by a
    /// back-off step to the last good state and the step halves. Every
    /// prune step's summary says why it has its size; every back-off says
    /// what it saw ("acc 92.7 % is 1.3 pt below start: back to 91.2 %
    /// sparsity, step halved").
    func runAdaptive(
        _ plan: AdaptivePlan, request: PruneRequest, retrain settings: RetrainSettings,
        phase: (String, Double) -> Void,
        retrain: (_ base: Double, _ share: Double) throws -> HistoryStep,
        note: (HistoryStep) -> Void, isCancelled: () -> Bool
    ) throws {
        guard validation != nil, let startAccuracy = current.metrics.accuracy else {
            throw PruningError("--schedule", "adaptive judges every step by validation accuracy; the model has no validation data")
        }
        guard plan.maxDrop.isFinite, plan.maxDrop >= 0, plan.maxDrop < 1 else {
            throw PruningError("--max-drop", "\(Format.decimal(plan.maxDrop * 100, digits: 2)) points must be in [0, 100)")
        }
        guard plan.initialStep.isFinite, plan.initialStep > 0, plan.initialStep < 1 else {
            throw PruningError("--initial-step", "\(plan.initialStep) must be in (0, 1)")
        }
        guard plan.maxAttempts >= 1 else { throw PruningError("--max-attempts", "\(plan.maxAttempts) must be at least 1") }
        guard granularityAllowsLevels(request.granularity) else {
            throw PruningError("--schedule", "adaptive raises a sparsity step by step; \(request.granularity) implies its own")
        }
        let names =
            request.tensors.isEmpty
            ? Topology(model: model).defaultTensors(structured: request.granularity.isStructured) : request.tensors
        // Progress p in [0, 1] towards the targets, in log of the remaining
        // weights: p puts a tensor with target s at 1 - (1 - s)^p, so equal
        // steps in p prune equal fractions of what remains, and p = 1 is
        // the target (each tensor its own, for per-tensor targets).
        let targets: [String: Double]
        switch request.amount {
        case .sparsity(let s): targets = Dictionary(uniqueKeysWithValues: names.map { ($0, s) })
        case .perTensorSparsity(let m): targets = m
        default: throw PruningError("--schedule", "adaptive needs a target sparsity (one, or one per tensor)")
        }
        for (name, s) in targets { try PruningError.checkFraction(s, name) }
        let farthest = -Foundation.log(1 - (targets.values.max() ?? 0))
        guard farthest > 0 else { throw PruningError("--sparsity", "adaptive needs a target above 0") }
        func amount(at p: Double) -> Amount {
            // Levels rounded to 1e-4, so summaries read "0.9646", not "0.9646446609406726".
            let level = { (s: Double) in min(s, ((1 - Foundation.pow(1 - s, p)) * 10_000).rounded() / 10_000) }
            if case .sparsity(let s) = request.amount { return .sparsity(level(s)) }
            return .perTensorSparsity(targets.mapValues(level))
        }
        _ = try preview(request)
        var lastGood = cursor
        var goodSparsity = sparsity(of: names)
        var progress =
            targets.map { name, s in
                s > 0 ? Foundation.log(1 - sparsity(of: [name])) / Foundation.log(1 - s) : 1
            }.min() ?? 0
        progress = min(1, max(0, progress))
        var step = -Foundation.log(1 - plan.initialStep) / farthest
        let minimumStep = -Foundation.log(1 - ScheduleDefaults.adaptiveMinimumStep) / farthest
        var why = "first step, \(Format.percent(plan.initialStep)) of the remaining weights"
        let share = 1 / Double(plan.maxAttempts)
        let budget = "\(Format.decimal(plan.maxDrop * 100, digits: 2)) pt"
        for attempt in 1...plan.maxAttempts {
            if isCancelled() || progress >= 1 - 1e-12 { break }
            let next = min(1, progress + step)
            let base = Double(attempt - 1) * share
            var target = request
            target.amount = amount(at: next)
            let planned = try preview(target)
            phase("attempt \(attempt): prune", base)
            let pruned = apply(planned, note: "adaptive \(attempt): \(why)")
            note(pruned)
            // A step the model takes without losing the budget needs no
            // retraining; the epochs go to the steps that cost accuracy.
            let heldUntrained = startAccuracy - (pruned.metrics.accuracy ?? 0) <= plan.maxDrop + 1e-12
            var accuracy = pruned.metrics.accuracy ?? 0
            if !heldUntrained {
                phase("attempt \(attempt): retrain", base)
                let trained = try retrain(base, share)
                note(trained)
                if trained.parameters["cancelled"] == "true" { break }
                accuracy = trained.metrics.accuracy ?? 0
            }
            let drop = startAccuracy - accuracy
            if drop <= plan.maxDrop + 1e-12 {
                lastGood = cursor
                goodSparsity = sparsity(of: names)
                progress = next
                step *= 2
                why =
                    "acc \(Format.percent(accuracy, digits: 2)) held within \(budget) of the start"
                    + (heldUntrained ? " without retraining" : "") + ", step doubled"
            } else {
                step = (next - progress) / 2
                let points = Format.decimal(drop * 100, digits: 2)
                let stop = step < minimumStep
                note(
                    backOff(
                        to: lastGood,
                        summary: "acc \(Format.percent(accuracy, digits: 2)) is \(points) pt below start: back to "
                            + "\(Format.percent(goodSparsity)) sparsity, " + (stop ? "step below the minimum, stop" : "step halved"),
                        parameters: [
                            "back_to_step": String(lastGood), "accuracy": String(accuracy),
                            "start_accuracy": String(startAccuracy), "max_drop": String(plan.maxDrop),
                        ]))
                why = "after a back-off, half the last step"
                if stop { break }
            }
        }
    }

    /// Fraction of zeros over `names` together (masked elements counted).
    func sparsity(of names: [String]) -> Double {
        var zeros = 0, total = 0
        for name in names {
            guard let p = model.parameter(named: name) else { continue }
            total += p.value.count
            zeros += Mask.prunedCount(p.mask)
        }
        return total == 0 ? 0 : Double(zeros) / Double(total)
    }

    private func granularityAllowsLevels(_ g: Granularity) -> Bool {
        if case .nOfM = g { return false }
        return true
    }
}
