import Foundation

/// When and how often masks are computed on the way to a target sparsity.
public enum Schedule: Codable, Sendable, Equatable, CustomStringConvertible {
    /// Prune once to the target, no retraining.
    case oneShot
    /// Han et al. 2015: `rounds` rounds of prune-then-retrain. Round r
    /// (1-based) prunes to sparsity 1 - (1 - s)^(r / rounds), i.e. the same
    /// fraction of the remaining weights each round, reaching s exactly.
    case iterative(rounds: Int)
    /// Zhu & Gupta 2017, during training: at steps t = t0, t0 + dt, ...,
    /// t0 + n dt the masks are recomputed to
    /// s_t = s_f + (s_i - s_f)(1 - (t - t0)/(n dt))^3 (steps counted from 1
    /// within the schedule's training run) and frozen afterwards.
    case gradual(initialSparsity: Double, startStep: Int, frequency: Int, updates: Int)
    /// Frankle & Carbin 2019: train, prune the same fraction of the
    /// remaining weights each round, reset survivors to `rewindTo`
    /// ("init" or "iteration-k"), retrain masked; `rounds` rounds reach the
    /// target. Without an "init" rewind point the model is first
    /// re-initialised (PyTorch default init, seeded) and trained dense.
    case lottery(rounds: Int, rewindIteration: Int)
    /// Accuracy-guided: prune a step, retrain when the step alone costs more
    /// than the budget, and keep going while the
    /// validation accuracy stays within `maxDrop` (a fraction, 0.01 = one
    /// point) of the schedule's start; each success doubles the step, each
    /// failure backs off to the last good state and halves it. Steps are
    /// counted in log(remaining weights): the first prunes `initialStep` of
    /// the remaining weights of the most-pruned target. The target (one
    /// sparsity, or one per tensor) is the most it may reach; the
    /// explorer and `prune` without `--sparsity` give 0.99. Stops there, when the step falls
    /// below `ScheduleDefaults.adaptiveMinimumStep`, or after
    /// `maxAttempts` prune-retrain attempts. See `runAdaptive`.
    case adaptive(maxDrop: Double, initialStep: Double, maxAttempts: Int)
    /// Frankle & Carbin's control for the lottery ticket: from the current
    /// weights, `rounds` rounds that prune like the lottery's, then give the
    /// survivors fresh random values (PyTorch default init, seeded by the
    /// step) instead of their initial ones, and retrain.
    case randomReinit(rounds: Int)

    public var description: String {
        switch self {
        case .oneShot: "one-shot"
        case .iterative(let r): "iterative (\(Format.count(r, "round")))"
        case .gradual(let si, let t0, let dt, let n): "gradual (s_i \(si), t0 \(t0), dt \(dt), n \(n))"
        case .lottery(let r, let k): "lottery (\(Format.count(r, "round")), rewind to \(k == 0 ? "init" : "iteration \(k)"))"
        case .adaptive(let d, let f, let n):
            "adaptive (max drop \(Format.decimal(d * 100, digits: 2)) pt, first step \(Format.percent(f)), \(Format.count(n, "attempt")))"
        case .randomReinit(let r): "random re-init (\(Format.count(r, "round")))"
        }
    }

    /// Zhu & Gupta's cubic sparsity at training step `t`: `initial` before
    /// `start`, `final` from `start + updates * frequency` on, and
    /// s_f + (s_i - s_f)(1 - (t - t0)/(n dt))^3 in between. Masks change
    /// only at t0 + k dt (see `isGradualUpdate`), so the value in effect at
    /// any step is the one at the last update step.
    public static func gradualSparsity(
        step t: Int, initial si: Double, final sf: Double,
        start t0: Int, frequency dt: Int, updates n: Int
    ) -> Double {
        if t < t0 { return si }
        let span = Double(n * dt)
        guard span > 0 else { return sf }
        let p = min(1, Double(t - t0) / span)
        let q = 1 - p
        return sf + (si - sf) * q * q * q
    }

    /// Whether masks are recomputed at step `t`: t = t0 + k dt for k in 0...n.
    public static func isGradualUpdate(step t: Int, start t0: Int, frequency dt: Int, updates n: Int) -> Bool {
        t >= t0 && (t - t0) % dt == 0 && (t - t0) / dt <= n
    }

    /// Target sparsity after round `r` of `rounds` on the way to `s`.
    public static func roundSparsity(_ r: Int, of rounds: Int, target s: Double) -> Double {
        1 - Foundation.pow(1 - s, Double(r) / Double(rounds))
    }
}

/// Training settings shared by the retraining phases of a schedule.
public struct RetrainSettings: Codable, Sendable, Equatable {
    /// Epochs of each retraining (for gradual: of the one training run).
    public var epochs: Int
    public var batchSize: Int
    public var optimizer: OptimizerConfig
    /// L1 penalty during retraining (0 = none).
    public var l1Lambda: Float
    /// Network surgery during retraining (pruned weights may return); `nil` keeps masks fixed.
    public var splicing: SplicingSettings?

    public init(
        epochs: Int, batchSize: Int, optimizer: OptimizerConfig, l1Lambda: Float = 0, splicing: SplicingSettings? = nil
    ) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.optimizer = optimizer
        self.l1Lambda = l1Lambda
        self.splicing = splicing
    }
}

/// Progress of a running schedule.
public enum ScheduleEvent: Sendable {
    /// A phase began; `fraction` of the whole schedule is done (0...1).
    case phase(String, fraction: Double)
    /// A training step or epoch inside a retraining phase.
    case training(TrainingEvent, fraction: Double)
    /// A step was recorded in the history.
    case recorded(HistoryStep)
}

extension PruningSession {
    /// Runs `schedule` towards the target in `request` (its amount must be
    /// `.sparsity(s)` or `.perTensorSparsity` (each tensor follows the
    /// schedule to its own target, e.g. Frankle & Carbin's output layer at
    /// half the rate), except for one-shot, which takes any amount), recording
    /// every prune, retrain and rewind as a history step.
    ///
    /// Cancellation stops after the current training step; what was done
    /// stays recorded (and can be undone). Returns the steps recorded.
    @discardableResult
    public func run(
        _ schedule: Schedule, request: PruneRequest, retrain: RetrainSettings?,
        onEvent: (ScheduleEvent) -> Void = { _ in },
        isCancelled: () -> Bool = { false }
    ) throws -> [HistoryStep] {
        var recorded = [HistoryStep]()
        func note(_ s: HistoryStep) { recorded.append(s); onEvent(.recorded(s)) }
        func needRetrain() throws -> RetrainSettings {
            guard let retrain else { throw PruningError("--schedule", "\(schedule) needs retraining settings (--retrain-epochs)") }
            return retrain
        }
        // The final target: one sparsity, or one per tensor. `at(f)` maps
        // each final sparsity through a schedule's curve.
        func target() throws -> Double {
            switch request.amount {
            case .sparsity(let s):
                try PruningError.checkFraction(s, "--sparsity")
                return s
            case .perTensorSparsity(let m):
                for (name, v) in m { try PruningError.checkFraction(v, name) }
                return m.values.max() ?? 0
            default:
                throw PruningError("--schedule", "\(schedule) needs a target --sparsity")
            }
        }
        func at(_ f: (Double) -> Double) -> PruneRequest {
            var req = request
            switch request.amount {
            case .perTensorSparsity(let m): req.amount = .perTensorSparsity(m.mapValues(f))
            case .sparsity(let s): req.amount = .sparsity(f(s))
            default: break
            }
            return req
        }
        switch schedule {
        case .oneShot:
            // Prune once; with retraining settings, retrain once after the cut
            // (Han et al.'s one-shot prune-then-retrain), else stop there.
            onEvent(.phase("prune", fraction: 0))
            note(try prune(request))
            if let retrain {
                onEvent(.phase("retrain", fraction: 0))
                note(try retrainPhase(retrain, base: 0, share: 1, onEvent: onEvent, isCancelled: isCancelled))
            }
            onEvent(.phase("done", fraction: 1))

        case .iterative(let rounds), .randomReinit(let rounds):
            // Random re-init is iterative with the survivors given fresh
            // random values after each cut: the lottery ticket's control.
            let reinitialise = if case .randomReinit = schedule { true } else { false }
            guard rounds >= 1 else { throw PruningError("--rounds", "\(rounds) must be at least 1") }
            _ = try target()
            let settings = try needRetrain()
            _ = try preview(request)
            for r in 1...rounds {
                if isCancelled() { break }
                let base = Double(r - 1) / Double(rounds)
                onEvent(.phase("round \(r)/\(rounds): prune", fraction: base))
                note(try prune(at { Schedule.roundSparsity(r, of: rounds, target: $0) }))
                if reinitialise {
                    onEvent(.phase("round \(r)/\(rounds): random re-init", fraction: base))
                    let point = "random-round-\(r)"
                    setRewindPoint(point, weights: PruningSession.defaultInitialisation(model, seed: nextStepSeed))
                    note(try rewind(to: point))
                }
                onEvent(.phase("round \(r)/\(rounds): retrain", fraction: base))
                note(try retrainPhase(settings, base: base, share: 1 / Double(rounds), onEvent: onEvent, isCancelled: isCancelled))
            }
            onEvent(.phase("done", fraction: 1))

        case .gradual(let si, let t0, let dt, let n):
            let sf = try target()
            try PruningError.checkFraction(si, "--initial-sparsity")
            let lowest: Double
            if case .perTensorSparsity(let m) = request.amount { lowest = m.values.min() ?? sf } else { lowest = sf }
            guard si <= lowest else { throw PruningError("--initial-sparsity", "\(si) is above the final sparsity \(lowest)") }
            guard t0 >= 1 else { throw PruningError("--start-step", "\(t0) must be at least 1") }
            guard dt >= 1 else { throw PruningError("--frequency", "\(dt) must be at least 1") }
            guard n >= 1 else { throw PruningError("--updates", "\(n) must be at least 1") }
            let settings = try needRetrain()
            guard settings.splicing == nil else {
                throw PruningError("--splicing", "gradual pruning sets the masks during training itself; splice with iterative or adaptive")
            }
            guard let train else { throw PruningError("--schedule", "gradual pruning trains; the session has no training data") }
            let perEpoch = ScheduleDefaults.stepsPerEpoch(samples: train.count, batchSize: settings.batchSize)
            let total = settings.epochs * perEpoch
            guard t0 + n * dt <= total else {
                let needed = ScheduleDefaults.gradualEpochs(frequency: dt, updates: n, stepsPerEpoch: perEpoch, startStep: t0)
                throw PruningError(
                    "--updates",
                    "the last mask update is at step \(t0 + n * dt) but training has only "
                        + "\(total) steps (\(Format.count(settings.epochs, "epoch")) of \(perEpoch)); "
                        + "lower --frequency or --updates, or train \(Format.count(needed, "epoch"))")
            }
            _ = try preview(request)
            var failure: Error?
            var updates = [String]()
            let stepsBefore = optimizerConfig == settings.optimizer ? optimizerStepCount : 0
            onEvent(.phase("gradual training", fraction: 0))
            let (result, trainParams) = try runTraining(
                epochs: settings.epochs, batchSize: settings.batchSize, optimizer: settings.optimizer,
                l1Lambda: settings.l1Lambda, splicing: nil,
                onEvent: { e in
                    if case .step(_, _, let g, _) = e {
                        onEvent(.training(e, fraction: Double(g) / Double(max(total, 1))))
                    } else {
                        onEvent(.training(e, fraction: 1))
                    }
                },
                isCancelled: { failure != nil || isCancelled() },
                afterStep: { [self] g in
                    let t = g - stepsBefore
                    guard failure == nil, Schedule.isGradualUpdate(step: t, start: t0, frequency: dt, updates: n) else { return }
                    let s = Schedule.gradualSparsity(step: t, initial: si, final: sf, start: t0, frequency: dt, updates: n)
                    let req = at { Schedule.gradualSparsity(step: t, initial: si, final: $0, start: t0, frequency: dt, updates: n) }
                    do {
                        let plan = try preview(req)
                        for (name, mask) in plan.masks {
                            guard let p = model.parameter(named: name) else { continue }
                            p.mask = mask
                            p.applyMask()
                        }
                        updates.append("\(t):\(String(format: "%.4f", s))")
                    } catch { failure = error }
                })
            if let failure { throw failure }
            var params = trainParams
            params["sparsity_updates"] = updates.joined(separator: ",")
            params["criterion"] = request.criterion.description
            params["granularity"] = request.granularity.description
            params["scope"] = request.scope.description
            let ran = PruningSession.epochsText(
                requested: settings.epochs, steps: result.steps, stepsPerEpoch: perEpoch,
                cancelled: result.cancelled)
            note(
                record(
                    kind: .gradual,
                    summary: "gradual to \(Format.percent(sf)) (\(Format.count(updates.count, "mask update"))), \(ran), "
                        + settings.optimizer.summary + (result.cancelled ? " (cancelled)" : ""),
                    parameters: params, request: request, epochs: result.epochs))
            onEvent(.phase("done", fraction: 1))

        case .lottery(let rounds, let k):
            guard rounds >= 1 else { throw PruningError("--rounds", "\(rounds) must be at least 1") }
            guard k >= 0 else { throw PruningError("--rewind-iteration", "\(k) must be >= 0") }
            _ = try target()
            let settings = try needRetrain()
            _ = try preview(request)
            let pointName = k == 0 ? "init" : "iteration-\(k)"
            let share = 1 / Double(rounds + 1)
            if rewindPoints["init"] == nil {
                onEvent(.phase("re-initialise and train dense", fraction: 0))
                setRewindPoint("init", weights: PruningSession.defaultInitialisation(model, seed: nextStepSeed))
                note(try rewind(to: "init"))
                let start = optimizerConfig == settings.optimizer ? optimizerStepCount : 0
                note(
                    try retrainPhase(
                        settings, base: 0, share: share, onEvent: onEvent, isCancelled: isCancelled,
                        afterStep: k == 0
                            ? nil
                            : { [self] g in
                                if g - start == k {
                                    setRewindPoint(
                                        pointName, weights: SessionSnapshot(model: model, optimizerState: [:], optimizerStepCount: 0).values
                                    )
                                }
                            }))
            }
            guard rewindPoints[pointName] != nil else {
                throw PruningError("--rewind-iteration", "no weights were captured at iteration \(k) (training ran fewer steps)")
            }
            for r in 1...rounds {
                if isCancelled() { break }
                let base = Double(r) * share
                onEvent(.phase("round \(r)/\(rounds): prune", fraction: base))
                note(try prune(at { Schedule.roundSparsity(r, of: rounds, target: $0) }))
                onEvent(.phase("round \(r)/\(rounds): rewind to \(pointName)", fraction: base))
                note(try rewind(to: pointName))
                onEvent(.phase("round \(r)/\(rounds): retrain", fraction: base))
                note(try retrainPhase(settings, base: base, share: share, onEvent: onEvent, isCancelled: isCancelled))
            }
            onEvent(.phase("done", fraction: 1))

        case .adaptive(let maxDrop, let initialStep, let maxAttempts):
            let settings = try needRetrain()
            try runAdaptive(
                AdaptivePlan(maxDrop: maxDrop, initialStep: initialStep, maxAttempts: maxAttempts),
                request: request, retrain: settings,
                phase: { name, fraction in onEvent(.phase(name, fraction: fraction)) },
                retrain: { base, share in
                    try self.retrainPhase(settings, base: base, share: share, onEvent: onEvent, isCancelled: isCancelled)
                },
                note: note, isCancelled: isCancelled)
            onEvent(.phase("done", fraction: 1))
        }
        return recorded
    }

    func retrainPhase(
        _ settings: RetrainSettings, base: Double, share: Double,
        onEvent: (ScheduleEvent) -> Void, isCancelled: () -> Bool,
        afterStep: ((Int) -> Void)? = nil
    ) throws -> HistoryStep {
        let perEpoch = train.map { ($0.count + settings.batchSize - 1) / max(settings.batchSize, 1) } ?? 1
        let total = Double(max(1, perEpoch * settings.epochs))
        var done = 0.0
        return try retrain(
            epochs: settings.epochs, batchSize: settings.batchSize, optimizer: settings.optimizer,
            l1Lambda: settings.l1Lambda, splicing: settings.splicing,
            onEvent: { e in
                if case .step = e { done += 1 }
                onEvent(.training(e, fraction: base + share * done / total))
            },
            isCancelled: isCancelled, afterStep: afterStep)
    }

    /// Weights drawn with PyTorch's default initialisation for Dense/Conv2D
    /// (uniform +-1/sqrt(fan_in) for weights and biases), seeded.
    public static func defaultInitialisation(_ model: Model, seed: UInt64) -> [String: Tensor] {
        var rng = SeededRandom(seed: seed)
        var out = [String: Tensor]()
        for layer in model.layers {
            guard let w = layer.weight, w.value.rank >= 2 else { continue }
            let fanIn = w.value.count / max(w.value.shape[0], 1)
            let bound = 1 / Float(max(fanIn, 1)).squareRoot()
            for p in layer.parameters {
                var t = p.value
                for i in t.data.indices { t.data[i] = rng.uniform(-bound, bound) }
                out[p.name] = t
            }
        }
        return out
    }
}
