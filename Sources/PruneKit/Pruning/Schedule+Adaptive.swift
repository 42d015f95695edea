import Foundation

/// The settings of one adaptive run (see `Schedule.adaptive`).
struct AdaptivePlan {
    /// Accuracy (fraction) the run may lose against its start.
    var maxDrop: Double
    /// Fraction of the remaining weights the first step prunes.
    var initialStep: Double
    /// Prune-retrain attempts at most.
    var maxAttempts: Int
    /// The highest sparsity the run may reach.
    var cap: Double
}

extension PruningSession {
    /// Runs the accuracy-guided schedule: each attempt prunes to a higher
    /// sparsity and retrains; an attempt that keeps the validation accuracy
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
        _ = try preview(request)
        var lastGood = cursor
        var level = sparsity(of: names)
        var logStep = -Foundation.log(1 - plan.initialStep)
        let minimumLogStep = -Foundation.log(1 - ScheduleDefaults.adaptiveMinimumStep)
        var why = "first step, \(Format.percent(plan.initialStep)) of the remaining weights"
        let share = 1 / Double(plan.maxAttempts)
        let budget = "\(Format.decimal(plan.maxDrop * 100, digits: 2)) pt"
        for attempt in 1...plan.maxAttempts {
            if isCancelled() || level >= plan.cap - 1e-9 { break }
            let next = min(plan.cap, 1 - (1 - level) * Foundation.exp(-logStep))
            let base = Double(attempt - 1) * share
            phase("attempt \(attempt): prune to \(Format.percent(next))", base)
            var target = request
            target.amount = .sparsity(next)
            note(apply(try preview(target), note: "adaptive \(attempt): \(why)"))
            phase("attempt \(attempt): retrain", base)
            let trained = try retrain(base, share)
            note(trained)
            if trained.parameters["cancelled"] == "true" { break }
            let accuracy = trained.metrics.accuracy ?? 0
            let drop = startAccuracy - accuracy
            if drop <= plan.maxDrop + 1e-12 {
                lastGood = cursor
                level = sparsity(of: names)
                logStep *= 2
                why = "acc \(Format.percent(accuracy, digits: 2)) held within \(budget) of the start, step doubled"
            } else {
                logStep = Foundation.log((1 - level) / (1 - next)) / 2
                let points = Format.decimal(drop * 100, digits: 2)
                let stop = logStep < minimumLogStep
                note(
                    backOff(
                        to: lastGood,
                        summary: "acc \(Format.percent(accuracy, digits: 2)) is \(points) pt below start: back to "
                            + "\(Format.percent(level)) sparsity, " + (stop ? "step below the minimum, stop" : "step halved"),
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
            if let m = p.mask { zeros += m.data.reduce(0) { $0 + ($1 == 0 ? 1 : 0) } }
        }
        return total == 0 ? 0 : Double(zeros) / Double(total)
    }

    private func granularityAllowsLevels(_ g: Granularity) -> Bool {
        if case .nOfM = g { return false }
        return true
    }
}
