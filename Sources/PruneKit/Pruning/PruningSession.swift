/// A reversible pruning session: a model, its masks, the history of steps
/// and a snapshot per step, so any step can be revisited bit for bit.
///
/// Typical interactive use:
/// - live slider: `scoreIndex(for:)` once per tensor (cached until the state
///   changes), then `ScoreIndex.sparsity(atThreshold:)` /
///   `threshold(forSparsity:)` (O(log n)) and `mask(atThreshold:)` (one pass);
/// - `preview(_:)` computes a plan and its metrics without committing;
///   `previewModel(_:)` gives a masked copy for an asynchronous accuracy check;
/// - `apply(_:)` commits a plan as a history step; `prune(_:)` does both;
/// - `retrain(...)`, `rewind(to:)`, `undo()`, `redo()`, `jump(to:)`;
/// - `save(to:)` / `PruningSession.load(from:model:train:validation:)`.
///
/// A reference type used from one thread at a time; hand `model.copy()` to
/// background work.
public final class PruningSession {
    /// The model, with masks applied (pruned values are exactly 0).
    public let model: Model
    /// Training data for retraining and gradient criteria (optional).
    public let train: Dataset?
    /// Validation data for the accuracy and loss in each step's metrics (optional).
    public let validation: Dataset?
    /// Root seed: every random choice of a step derives from it and the step index.
    public let seed: UInt64
    /// How each step's accuracy and loss are measured instead of on
    /// `validation`, e.g. by the user's own evaluator (`ExternalEvaluator`).
    public let measure: ((Model) throws -> Evaluation)?
    /// Why `measure` last failed (that step has no accuracy), nil after a success.
    public internal(set) var measureFailure: String?
    /// Steps so far; `steps[cursor]` is the current state.
    public internal(set) var steps: [HistoryStep]
    /// Snapshot of each step, parallel to `steps`.
    public internal(set) var snapshots: [SessionSnapshot]
    /// Index of the current step.
    public internal(set) var cursor: Int
    /// Named weight sets survivors can be rewound to: "init" (see
    /// `setRewindPoint`), "start" (the weights the session began with),
    /// "iteration-k" (captured during training).
    public private(set) var rewindPoints: [String: [String: Tensor]]
    /// Optimiser state carried between retrain steps.
    public private(set) var optimizerState: [String: Tensor] = [:]
    /// Optimiser steps taken so far across retrain steps.
    public private(set) var optimizerStepCount = 0
    /// The optimiser configuration of the last retrain, if any.
    public internal(set) var optimizerConfig: OptimizerConfig?
    /// True when the session was loaded from a file saved before content
    /// hashes (format version 1): every other check passed, but flipped
    /// bits in finite values could not be detected. Saving records hashes.
    public internal(set) var loadedWithoutContentHashes = false
    /// The identifier of the save this session was loaded from or last saved as (nil: never saved).
    public internal(set) var saveID: String?
    /// Where every recorded step, cursor move and rewind point is appended
    /// as it happens (see `SessionJournal`); nil: not journaled.
    public var journal: SessionJournal?

    private var currentPlanner: PrunePlanner?

    /// Starts a session on `model` as it is now (masks included), recording
    /// step 0 with its metrics.
    public init(
        model: Model, train: Dataset? = nil, validation: Dataset? = nil, seed: UInt64 = 0,
        measure: ((Model) throws -> Evaluation)? = nil
    ) {
        self.model = model
        self.train = train
        self.validation = validation
        self.seed = seed
        self.measure = measure
        for p in model.parameters { p.applyMask() }
        let snap = SessionSnapshot(model: model, optimizerState: [:], optimizerStepCount: 0)
        snapshots = [snap]
        cursor = 0
        rewindPoints = ["start": snap.values]
        steps = []
        steps = [
            HistoryStep(
                id: 0, kind: .start, summary: "start", parameters: ["seed": String(seed)],
                metrics: currentMetrics(evaluate: true))
        ]
    }

    /// Restores a saved session (used by `load`).
    init(
        model: Model, train: Dataset?, validation: Dataset?, seed: UInt64, steps: [HistoryStep],
        snapshots: [SessionSnapshot], cursor: Int, rewindPoints: [String: [String: Tensor]],
        optimizerConfig: OptimizerConfig?
    ) {
        self.model = model
        self.train = train
        self.validation = validation
        self.seed = seed
        self.measure = nil
        self.steps = steps
        self.snapshots = snapshots
        self.cursor = cursor
        self.rewindPoints = rewindPoints
        self.optimizerConfig = optimizerConfig
        restore(cursor)
    }

    /// The current step.
    public var current: HistoryStep { steps[cursor] }

    /// The seed for the next step's random choices (derived from `seed` and the step index).
    public var nextStepSeed: UInt64 { Trainer.mix(seed, UInt64(cursor + 1)) }

    // MARK: Live preview

    /// Plans over the model as it is now; replaced after every change.
    public var planner: PrunePlanner {
        if let p = currentPlanner { return p }
        let p = PrunePlanner(model: model, train: train, seed: nextStepSeed)
        currentPlanner = p
        return p
    }

    /// The sorted-score index of `tensor` under its current mask (see `PrunePlanner`).
    public func scoreIndex(for tensor: String, criterion: Criterion = .magnitude) throws -> ScoreIndex {
        try planner.scoreIndex(for: tensor, criterion: criterion)
    }

    /// One index over several tensors' scores, for global scope (see `PrunePlanner`).
    public func globalScoreIndex(for tensors: [String], criterion: Criterion = .magnitude) throws -> ScoreIndex {
        try planner.globalScoreIndex(for: tensors, criterion: criterion)
    }

    /// Computes the masks for `request` without changing the model.
    public func preview(_ request: PruneRequest) throws -> PrunePlan {
        try planner.preview(request)
    }

    /// A copy of the model with `plan`'s masks applied (for an accuracy
    /// preview on another thread; the session's model is untouched).
    public func previewModel(_ plan: PrunePlan) -> Model {
        previewModel(masks: plan.masks)
    }

    /// A copy of the model with `masks` (complete masks by tensor name, e.g.
    /// several plans' masks combined) applied; the session's model is untouched.
    public func previewModel(masks: [String: Tensor]) -> Model {
        planner.previewModel(masks: masks)
    }

    /// Metrics of the model if `plan` were applied (no accuracy: that needs a forward pass).
    public func previewMetrics(_ plan: PrunePlan) -> ModelMetrics {
        ModelMetrics.measure(previewModel(plan))
    }

    // MARK: Steps

    /// Commits `plan` (from `preview`) as a prune step; evaluates on the validation set.
    @discardableResult
    public func apply(_ plan: PrunePlan) -> HistoryStep {
        apply(plan, note: nil)
    }

    /// `apply`, with `note` (why a schedule chose this step) added to the summary.
    func apply(_ plan: PrunePlan, note: String?) -> HistoryStep {
        for (name, mask) in plan.masks {
            guard let p = model.parameter(named: name) else { continue }
            p.mask = mask
            p.applyMask()
        }
        var params: [String: String] = [
            "criterion": plan.request.criterion.description,
            "granularity": plan.request.granularity.description,
            "scope": plan.request.scope.description,
            "amount": plan.request.amount.description,
            "tensors": plan.request.tensors.joined(separator: ","),
        ]
        params["newly_pruned"] = plan.newlyPruned.keys.sorted().map { "\($0)=\(plan.newlyPruned[$0] ?? 0)" }.joined(separator: ",")
        // The schedule's reason first: a narrow history column keeps it.
        let summary = (note.map { "\($0): " } ?? "") + "prune " + plan.request.description
        return record(kind: .prune, summary: summary, parameters: params, request: plan.request)
    }

    /// `preview` then `apply`.
    @discardableResult
    public func prune(_ request: PruneRequest) throws -> HistoryStep {
        apply(try preview(request))
    }

    /// Trains the masked model (pruned weights stay exactly 0) and records a
    /// retrain step, or a regularise step when `l1Lambda > 0`.
    ///
    /// The optimiser state carries over from the previous retrain when the
    /// optimiser configuration is the same; the training seed is
    /// `nextStepSeed`, so the step is reproducible after save/resume.
    /// A cancelled run is still recorded and can be undone; its summary and
    /// parameters say how far it got ("retrain 0.4 of 2 epochs ...
    /// (cancelled)", `epochs_completed`, `steps`, `cancelled`).
    @discardableResult
    public func retrain(
        epochs: Int, batchSize: Int, optimizer: OptimizerConfig, l1Lambda: Float = 0,
        splicing: SplicingSettings? = nil,
        onEvent: (TrainingEvent) -> Void = { _ in }, isCancelled: () -> Bool = { false },
        afterStep: ((Int) -> Void)? = nil
    ) throws -> HistoryStep {
        let (result, params) = try runTraining(
            epochs: epochs, batchSize: batchSize, optimizer: optimizer,
            l1Lambda: l1Lambda, splicing: splicing, onEvent: onEvent, isCancelled: isCancelled,
            afterStep: afterStep)
        let kind: HistoryStep.Kind = l1Lambda > 0 ? .regularise : .retrain
        let ran = PruningSession.epochsText(
            requested: epochs, steps: result.steps,
            stepsPerEpoch: stepsPerEpoch(batchSize: batchSize), cancelled: result.cancelled)
        let summary =
            (kind == .regularise ? "regularise L1 \(l1Lambda), " : "retrain ")
            + "\(ran), " + (params["splicing"].map { "\($0), " } ?? "") + optimizer.summary
            + (result.cancelled ? " (cancelled)" : "")
        return record(kind: kind, summary: summary, parameters: params, epochs: result.epochs)
    }

    /// Trains without recording; returns the result and the step parameters.
    /// `afterStep` receives the optimiser's step count since the session began.
    func runTraining(
        epochs: Int, batchSize: Int, optimizer: OptimizerConfig, l1Lambda: Float,
        splicing: SplicingSettings? = nil,
        onEvent: (TrainingEvent) -> Void, isCancelled: () -> Bool,
        afterStep: ((Int) -> Void)?
    ) throws -> (TrainingResult, [String: String]) {
        guard let train else { throw PruningError("retrain", "the session has no training data") }
        guard epochs >= 1 else { throw PruningError("--retrain-epochs", "\(epochs) must be at least 1") }
        guard batchSize >= 1 else { throw PruningError("--batch-size", "\(batchSize) must be at least 1") }
        guard l1Lambda.isFinite, l1Lambda >= 0 else { throw PruningError("--l1", "\(l1Lambda) must be finite and >= 0") }
        let config = TrainingConfig(
            epochs: epochs, batchSize: batchSize, optimizer: optimizer,
            seed: nextStepSeed, l1Lambda: l1Lambda)
        let opt = makeOptimizer(optimizer)
        if optimizerConfig == optimizer {
            opt.state = optimizerState
            opt.stepCount = optimizerStepCount
        }
        let trainer = Trainer(model: model, config: config, optimizer: opt)
        if let splicing {
            guard splicing.interval >= 1 else { throw PruningError("--splice-every", "\(splicing.interval) must be at least 1") }
            guard splicing.margin.isFinite, splicing.margin >= 0, splicing.margin < 1 else {
                throw PruningError("--splice-margin", "\(splicing.margin) must be in [0, 1)")
            }
            trainer.splicer = Splicer(
                parameters: model.parameters.filter { $0.role == .weight }, settings: splicing, shadow: splicingShadow())
        }
        if let afterStep {
            let offset = opt.stepCount
            trainer.afterStep = { g in afterStep(offset + g) }
        }
        let result = trainer.train(on: train, validation: nil, onEvent: onEvent, isCancelled: isCancelled)
        if let divergence = result.divergence {
            // Broken weights are neither kept nor recorded: back to the current step.
            restore(cursor)
            throw PruningError("retraining", "\(divergence); the weights of step \(cursor) are kept")
        }
        optimizerConfig = optimizer
        optimizerState = opt.state
        optimizerStepCount = opt.stepCount
        var params: [String: String] = [
            "epochs": String(epochs), "batch_size": String(batchSize), "optimizer": optimizer.summary,
            "seed": String(config.seed), "steps": String(result.steps),
        ]
        if l1Lambda > 0 { params["l1_lambda"] = String(l1Lambda) }
        if let splicer = trainer.splicer { params.merge(PruningSession.splicingParameters(splicer)) { _, new in new } }
        if result.cancelled {
            params["cancelled"] = "true"
            let perEpoch = stepsPerEpoch(batchSize: batchSize)
            params["epochs_completed"] = Format.decimal(Double(result.steps) / Double(max(perEpoch, 1)), digits: 2)
        }
        return (result, params)
    }

    /// Optimiser steps in one epoch over the training data at `batchSize` (0 without data).
    func stepsPerEpoch(batchSize: Int) -> Int {
        ScheduleDefaults.stepsPerEpoch(samples: train?.count ?? 0, batchSize: batchSize)
    }

    /// How much of a training run happened, for a step's summary: "1 epoch",
    /// "2 epochs", or when cancelled "0.4 of 2 epochs" (from the steps taken).
    static func epochsText(requested epochs: Int, steps: Int, stepsPerEpoch: Int, cancelled: Bool) -> String {
        guard cancelled else { return Format.count(epochs, "epoch") }
        let done = Double(steps) / Double(max(stepsPerEpoch, 1))
        return Format.partial(done, of: epochs, "epoch")
    }

    /// Stores the weights a lottery-ticket rewind can return to (e.g. "init"
    /// for the weights before training, "iteration-500").
    public func setRewindPoint(_ name: String, weights: [String: Tensor]) {
        rewindPoints[name] = weights
        journal?.appendRewindPoint(name, weights: weights)
    }

    /// Resets every surviving (unmasked) weight to its value at rewind point
    /// `name`, keeping the masks (Frankle & Carbin's reset); clears the
    /// optimiser state. Records a rewind step.
    @discardableResult
    public func rewind(to name: String) throws -> HistoryStep {
        guard let weights = rewindPoints[name] else {
            throw PruningError(name, "no such rewind point (have: \(rewindPoints.keys.sorted().joined(separator: ", ")))")
        }
        for p in model.parameters {
            guard let w = weights[p.name] else { continue }
            guard w.shape == p.value.shape else {
                throw PruningError(p.name, "rewind point '\(name)' has shape \(w.shape), model has \(p.value.shape)")
            }
        }
        for p in model.parameters {
            guard let w = weights[p.name] else { continue }
            p.value = Mask.apply(p.mask, to: w)
        }
        optimizerState = [:]
        optimizerStepCount = 0
        return record(kind: .rewind, summary: "rewind survivors to \(name)", parameters: ["to": name])
    }

    /// Records a step whose changes were made to the model directly (used by schedules).
    @discardableResult
    func record(
        kind: HistoryStep.Kind, summary: String, parameters: [String: String],
        request: PruneRequest? = nil, epochs: [EpochMetrics] = []
    ) -> HistoryStep {
        if cursor < steps.count - 1 {
            steps.removeSubrange((cursor + 1)...)
            snapshots.removeSubrange((cursor + 1)...)
        }
        let step = HistoryStep(
            id: steps.count, kind: kind, summary: summary, parameters: parameters,
            metrics: currentMetrics(evaluate: true), request: request, epochs: epochs)
        steps.append(step)
        snapshots.append(SessionSnapshot(model: model, optimizerState: optimizerState, optimizerStepCount: optimizerStepCount))
        cursor = steps.count - 1
        currentPlanner = nil
        journal?.appendStep(cursor, of: self)
        return step
    }

    /// Records a back-off step: the weights, masks and optimiser state of
    /// step `index` restored as a new step (the steps between stay in the
    /// history, so a reader sees what was tried and undone).
    func backOff(to index: Int, summary: String, parameters: [String: String]) -> HistoryStep {
        let snap = snapshots[index]
        snap.restore(into: model)
        optimizerState = snap.optimizerState
        optimizerStepCount = snap.optimizerStepCount
        return record(kind: .backoff, summary: summary, parameters: parameters)
    }

    // MARK: Undo / redo

    /// Whether there is a step before the current one.
    public var canUndo: Bool { cursor > 0 }
    /// Whether an undone step can be redone.
    public var canRedo: Bool { cursor < steps.count - 1 }

    /// Goes back one step (weights, masks and optimiser state restored bit for bit).
    public func undo() throws {
        guard canUndo else { throw PruningError("undo", "already at the first step") }
        restore(cursor - 1)
    }

    /// Goes forward one undone step.
    public func redo() throws {
        guard canRedo else { throw PruningError("redo", "no undone step to redo") }
        restore(cursor + 1)
    }

    /// Moves to step `index` (any step in the history, before or after the current one).
    public func jump(to index: Int) throws {
        guard steps.indices.contains(index) else {
            throw PruningError("jump", "step \(index) does not exist (0...\(steps.count - 1))")
        }
        restore(index)
    }

    func restore(_ index: Int) {
        let snap = snapshots[index]
        snap.restore(into: model)
        optimizerState = snap.optimizerState
        optimizerStepCount = snap.optimizerStepCount
        cursor = index
        currentPlanner = nil
        journal?.appendCursor(index)
    }
}
