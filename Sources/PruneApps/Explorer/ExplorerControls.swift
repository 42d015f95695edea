import PruneKit
import PruneTUI

/// The pruning choices a person makes in the explorer: what is ranked, in
/// which units, over which tensors, on which schedule, with which settings.
public struct ExplorerControls: Sendable, Equatable {
    /// Criteria offered, in the order `c` cycles through them.
    public enum CriterionChoice: String, CaseIterable, Sendable {
        case magnitude, random, taylor, snip
        case l1Norm = "l1-norm"
        case l2Norm = "l2-norm"

        /// Whether the score is per weight (so a slider over a sorted index works).
        var isPerWeight: Bool { self != .l1Norm && self != .l2Norm }
        var needsData: Bool { self == .taylor || self == .snip }
    }

    /// Granularities offered; `units` means neurons for Dense and filters for Conv2D.
    public enum GranularityChoice: String, CaseIterable, Sendable {
        case unstructured
        case twoOfFour = "2:4"
        case units = "neuron/filter"
        case block = "block 4x4"

        /// The engine's granularity for a layer of `kind` ("dense", "conv2d").
        func granularity(forLayerKind kind: LayerKind) -> Granularity {
            switch self {
            case .unstructured: .unstructured
            case .twoOfFour: .nOfM(n: 2, m: 4)
            case .units: kind == .conv2d ? .filter : .neuron
            case .block: .block(rows: 4, cols: 4)
            }
        }
    }

    /// Schedules `p` runs.
    public enum ScheduleChoice: String, CaseIterable, Sendable {
        case oneShot = "one-shot"
        case iterative
        case gradual
        case lottery
        case adaptive
        /// The lottery's control: survivors get fresh random values each round.
        case randomReinit = "random re-init"
    }

    /// What the slider's number is.
    public enum SliderMode: String, Sendable {
        /// A magnitude threshold: prune |w| strictly below it.
        case threshold
        /// A target sparsity of the tensor (or of all tensors, in global scope).
        case sparsity
    }

    public var criterion: CriterionChoice = .magnitude
    public var granularity: GranularityChoice = .unstructured
    public var scope: Scope = .layer
    public var sliderMode: SliderMode = .threshold
    public var schedule: ScheduleChoice = .iterative
    /// Rounds of iterative and lottery schedules.
    public var rounds = ScheduleDefaults.rounds
    /// Epochs per retraining (`r`, and each round of a schedule; gradual: the whole run).
    public var retrainEpochs = ScheduleDefaults.retrainEpochs
    /// Learning rate of retraining (default: a tenth of the recipe's, as Han et al. retrain LeNet).
    public var learningRate: Float
    /// L1 penalty during retraining; > 0 makes `r` a regularise step.
    public var l1Lambda: Float = 0
    /// Gradual schedule: steps between mask updates (dt) and number of updates (n).
    public var gradualFrequency = 20
    public var gradualUpdates = ScheduleDefaults.gradualUpdates
    /// Lottery schedule: rewind to the weights after k optimiser steps (0 = init).
    public var rewindIteration = ScheduleDefaults.lotteryRewindIteration
    /// Mini-batches the Taylor criterion accumulates over.
    public var taylorBatches = 10
    /// Adaptive schedule: the accuracy (fraction) it may lose against its start.
    public var maxDrop = ScheduleDefaults.adaptiveMaxDrop
    /// Network surgery while retraining (`r`, and the retrains of iterative,
    /// lottery and adaptive schedules): pruned weights may return.
    public var splicing = false

    public init(learningRate: Float) { self.learningRate = learningRate }

    /// Whether the slider may be a threshold (magnitude on single weights only).
    var allowsThreshold: Bool { criterion == .magnitude && granularity == .unstructured }
    /// Whether single weights are ranked by a per-weight score (a sorted index serves the slider).
    var ranksSingleWeights: Bool { criterion.isPerWeight && granularity == .unstructured }

    /// Whether going from `old` to these controls changes what the slider
    /// means or what it prunes (so sliders and previews are rebuilt).
    func changesPreview(from old: ExplorerControls) -> Bool {
        criterion != old.criterion || granularity != old.granularity || scope != old.scope
            || effectiveSliderMode != old.effectiveSliderMode
    }
    /// The engine's schedule for the chosen one.
    var engineSchedule: Schedule {
        switch schedule {
        case .oneShot: .oneShot
        case .iterative: .iterative(rounds: rounds)
        case .gradual: .gradual(initialSparsity: 0, startStep: 1, frequency: gradualFrequency, updates: gradualUpdates)
        case .lottery: .lottery(rounds: rounds, rewindIteration: rewindIteration)
        case .randomReinit: .randomReinit(rounds: rounds)
        case .adaptive:
            .adaptive(
                maxDrop: maxDrop, initialStep: ScheduleDefaults.adaptiveInitialStep, maxAttempts: ScheduleDefaults.adaptiveMaxAttempts)
        }
    }

    /// The splicing settings of a retrain, if splicing is on (gradual sets
    /// masks during training itself and never splices).
    var engineSplicing: SplicingSettings? {
        splicing && schedule != .gradual ? SplicingSettings() : nil
    }

    /// Epochs a gradual run trains: the retrain epochs, or more if its last
    /// mask update would come after the end.
    func gradualEpochs(stepsPerEpoch: Int) -> Int {
        max(
            retrainEpochs,
            ScheduleDefaults.gradualEpochs(
                frequency: gradualFrequency, updates: gradualUpdates,
                stepsPerEpoch: stepsPerEpoch))
    }

    /// Fits the gradual schedule's dt and n inside the retraining run, as the command line does.
    mutating func fitGradual(stepsPerEpoch: Int) {
        (gradualFrequency, gradualUpdates) = ScheduleDefaults.gradual(stepsPerEpoch: stepsPerEpoch, epochs: retrainEpochs)
    }

    /// The slider mode in effect.
    var effectiveSliderMode: SliderMode { allowsThreshold ? sliderMode : .sparsity }

    /// The engine's criterion, random scores drawn from `seed`.
    func engineCriterion(seed: UInt64, batchSize: Int) -> Criterion {
        switch criterion {
        case .magnitude: .magnitude
        case .random: .random(seed: seed)
        case .taylor: .taylor(batches: taylorBatches, batchSize: batchSize)
        case .snip: .snip(batchSize: batchSize)
        case .l1Norm: .l1Norm
        case .l2Norm: .l2Norm
        }
    }

    /// One settings row of the `o` overlay: its label and its value as text.
    enum Setting: Int, CaseIterable {
        case criterion, granularity, scope, slider, schedule, rounds, epochs, learningRate, l1, splicing, frequency, updates, rewind
        case maxDrop

        var label: String {
            switch self {
            case .criterion: "criterion"
            case .granularity: "granularity"
            case .scope: "scope"
            case .slider: "slider"
            case .schedule: "schedule (p runs it)"
            case .rounds: "rounds (iterative, lottery)"
            case .epochs: "retrain epochs"
            case .learningRate: "retrain learning rate"
            case .l1: "L1 lambda (retrain)"
            case .frequency: "gradual: dt steps"
            case .updates: "gradual: n updates"
            case .rewind: "lottery: rewind to"
            case .splicing: "retrain masks"
            case .maxDrop: "adaptive: max accuracy drop"
            }
        }
    }

    func value(of s: Setting) -> String {
        switch s {
        case .criterion: criterion.rawValue
        case .granularity: granularity.rawValue
        case .scope: scope.rawValue
        case .slider: allowsThreshold ? sliderMode.rawValue : "sparsity (|w| needs magnitude, unstructured)"
        case .schedule: schedule.rawValue
        case .rounds: String(rounds)
        case .epochs: String(retrainEpochs)
        case .learningRate: Text.compact(Double(learningRate))
        case .l1: l1Lambda == 0 ? "0 (off)" : Text.compact(Double(l1Lambda))
        case .frequency: String(gradualFrequency)
        case .updates: String(gradualUpdates)
        case .rewind: rewindIteration == 0 ? "init" : "iteration \(rewindIteration)"
        case .splicing: splicing ? "splicing (pruned weights may return)" : "fixed"
        case .maxDrop: Format.decimal(maxDrop * 100, digits: 2) + " pt"
        }
    }

    /// Moves setting `s` one option forward (`by: 1`) or back (`by: -1`).
    mutating func change(_ s: Setting, by d: Int) {
        func cycle<T: CaseIterable & Equatable>(_ v: T) -> T {
            let all = Array(T.allCases)
            let i = all.firstIndex(of: v) ?? 0
            return all[(i + d + all.count) % all.count]
        }
        func step(_ options: [Int], _ v: Int) -> Int {
            // The next option up or down from v (which a fitted default may put between options).
            d > 0 ? options.first { $0 > v } ?? v : options.last { $0 < v } ?? v
        }
        switch s {
        case .criterion: criterion = cycle(criterion)
        case .granularity: granularity = cycle(granularity)
        case .scope: scope = scope == .layer ? .global : .layer
        case .slider: sliderMode = sliderMode == .threshold ? .sparsity : .threshold
        case .schedule: schedule = cycle(schedule)
        case .rounds: rounds = min(20, max(1, rounds + d))
        case .epochs: retrainEpochs = min(50, max(1, retrainEpochs + d))
        case .learningRate: learningRate = max(1e-5, min(1, d > 0 ? learningRate * 2 : learningRate / 2))
        case .l1:
            let options: [Float] = [0, 1e-6, 1e-5, 1e-4, 1e-3]
            let i = options.firstIndex(of: l1Lambda) ?? 0
            l1Lambda = options[min(options.count - 1, max(0, i + d))]
        case .frequency: gradualFrequency = step([1, 2, 5, 10, 20, 50, 100], gradualFrequency)
        case .updates: gradualUpdates = step([1, 2, 3, 5, 10, 20], gradualUpdates)
        case .rewind: rewindIteration = step([0, 10, 50, 100, 500], rewindIteration)
        case .splicing: splicing.toggle()
        case .maxDrop:
            let options = [0.0025, 0.005, 0.01, 0.02, 0.05]
            maxDrop = d > 0 ? options.first { $0 > maxDrop + 1e-12 } ?? maxDrop : options.last { $0 < maxDrop - 1e-12 } ?? maxDrop
        }
    }
}
