import ArgumentParser
import Foundation
import PruneKit

/// `prunescope prune`: runs a criterion x granularity x scope x schedule
/// headless and writes the exports.
struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Prune a model headless and write the pruned weights, masks, report and session.",
        discussion: """
            Amount semantics: --sparsity is the target fraction of zeros of each chosen tensor \
            (--scope layer) or of all chosen tensors together (--scope global, PyTorch \
            global_unstructured); iterative and lottery schedules reach it in --rounds rounds that \
            each prune the same fraction of the remaining weights. --threshold prunes scores strictly \
            below the value; --quality Q prunes |w| < Q x std of each layer (Han et al.). \
            N:M granularity implies its own sparsity (1 - N/M) and takes no amount.

            Writes to --out: model.safetensors (zeros baked in, untouched tensors byte-identical), \
            masks.safetensors (<tensor>_mask, U8), report.json, report.md, session/ (resumable), \
            and after neuron/filter pruning smaller/ (a physically smaller model).
            """
    )

    @Argument(help: "Model directory or model.json (SampleModels/NAME works from any directory).")
    var model: String

    @Option(help: "magnitude | random | taylor | snip | l1-norm | l2-norm")
    var criterion = "magnitude"
    @Option(help: "unstructured | N:M (e.g. 2:4) | neuron | filter | block:RxC")
    var granularity = "unstructured"
    @Option(help: "layer | global")
    var scope = "layer"
    @Option(help: "Target sparsity in [0, 1).")
    var sparsity: Double?
    @Option(help: "PyTorch's float amount: prune this fraction of the currently unpruned weights (one-shot).")
    var amount: Double?
    @Option(name: .customLong("layer-sparsity"), help: "Per-layer targets, e.g. fc1=0.95,fc2=0.9,fc3=0.5 (layer scope).")
    var layerSparsity: String?
    @Option(help: "Prune scores strictly below this value.")
    var threshold: Float?
    @Option(help: "Prune |w| < quality x std of each layer (Han et al.).")
    var quality: Float?
    @Option(help: "one-shot | iterative | gradual | lottery | adaptive | random-reinit (the lottery's control)")
    var schedule = "one-shot"
    @Option(help: "Rounds for iterative and lottery schedules (default: \(ScheduleDefaults.rounds)).")
    var rounds: Int?
    @Option(
        name: .customLong("retrain-epochs"),
        help:
            "Epochs of each retraining (gradual: of the whole run; one-shot: retrain this long after the cut, none without it; default: \(ScheduleDefaults.retrainEpochs))."
    )
    var retrainEpochs: Int?
    @Option(help: "Learning rate for retraining.")
    var lr: Float = 0.01
    @Option(help: "SGD momentum.")
    var momentum: Float = 0.9
    @Option(help: "sgd | adam")
    var optimizer = "sgd"
    @Option(name: .customLong("batch-size"), help: "Mini-batch size for retraining and gradient criteria.")
    var batchSize = 64
    @Option(help: "L1 penalty lambda during retraining.")
    var l1: Float = 0
    @Option(name: .customLong("initial-sparsity"), help: "Gradual: s_i (default: \(ScheduleDefaults.gradualInitialSparsity)).")
    var initialSparsity: Double?
    @Option(
        name: .customLong("start-step"),
        help: "Gradual: t0, optimiser step of the first mask update (default: \(ScheduleDefaults.gradualStartStep)).")
    var startStep: Int?
    @Option(help: "Gradual: dt, steps between mask updates (default: fitted to the training run).")
    var frequency: Int?
    @Option(
        help:
            "Gradual: n, number of updates after t0, the last at t0 + n dt (default: up to \(ScheduleDefaults.gradualUpdates), fitted to the run)."
    )
    var updates: Int?
    @Option(
        name: .customLong("rewind-iteration"),
        help: "Lottery: rewind to the weights after k steps (0 = init; default: \(ScheduleDefaults.lotteryRewindIteration)).")
    var rewindIteration: Int?
    @Option(name: .customLong("taylor-batches"), help: "Taylor: mini-batches to accumulate |w * g| over.")
    var taylorBatches = 10
    @Option(help: "Comma-separated layer or tensor names (default: every Dense/Conv2D weight).")
    var layers: String?
    @Flag(name: .customLong("include-biases"), help: "Also prune the biases of the chosen layers.")
    var includeBiases = false
    @Option(help: "Output directory.")
    var out: String
    @Option(help: "Seed for every random choice.")
    var seed: UInt64 = 0
    @Flag(name: .customLong("no-progress"), help: "Do not draw the progress bar.")
    var noProgress = false
    @Flag(
        help:
            "Measure every step's accuracy under FGSM 0.05,0.1, PGD 0.1 (10 steps) and noise 0.1, and the membership attack (see `prunescope robustness`), into the report."
    )
    var robustness = false
    @OptionGroup(title: "Your own evaluation (every step's accuracy and loss)")
    var evaluation: EvaluatorOptions
    @OptionGroup(title: "Adaptive pruning")
    var adaptive: AdaptiveOptions

    func run() throws {
        try CommandSupport.reportingErrors(runUnguarded)
    }

    private func runUnguarded() throws {
        // Options that only mean something with another one, named before anything else.
        try adaptive.checkCombinations(schedule: self.schedule.lowercased())
        if try adaptive.allocates(), sparsity == nil {
            throw PruningError("--allocate", "needs the overall target as --sparsity (e.g. --sparsity 0.95)")
        }
        let criterion = try Criterion.parse(self.criterion, seed: seed, batches: taylorBatches, batchSize: batchSize)
        let granularity = try Granularity.parse(self.granularity)
        let scope = try Scope.parse(self.scope)
        let given = [sparsity != nil, threshold != nil, quality != nil, self.amount != nil, layerSparsity != nil].filter { $0 }.count
        guard given <= 1 else {
            throw PruningError("--sparsity", "give only one of --sparsity, --amount, --layer-sparsity, --threshold, --quality")
        }
        let amount: Amount
        if case .nOfM = granularity {
            guard given == 0 else {
                throw PruningError("--granularity", "\(granularity) implies its sparsity; drop --sparsity/--threshold/--quality")
            }
            amount = .implied
        } else if let sparsity {
            try PruneOptions.checkFraction(sparsity, "--sparsity")
            amount = .sparsity(sparsity)
        } else if let fraction = self.amount {
            try PruneOptions.checkFraction(fraction, "--amount")
            amount = .fractionOfRemaining(fraction)
        } else if let layerSparsity {
            guard !layerSparsity.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw PruningError("--layer-sparsity", "is empty; give name=sparsity pairs such as fc1=0.9,fc2=0.5")
            }
            amount = .perTensorSparsity([:])
        } else if let threshold {
            amount = .threshold(threshold)
        } else if let quality {
            amount = .quality(quality)
        } else if self.schedule.lowercased() == "adaptive" {
            amount = .sparsity(adaptive.maxLayerSparsity)
        } else {
            throw PruningError("--sparsity", "give --sparsity, --amount, --layer-sparsity, --threshold or --quality")
        }
        let allocates = try adaptive.allocates()
        if allocates {
            guard sparsity != nil else { throw PruningError("--allocate", "needs the overall target as --sparsity") }
            guard scope == .layer else { throw PruningError("--allocate", "chooses a sparsity per layer; drop --scope global") }
        }
        let rounds = self.rounds ?? ScheduleDefaults.rounds
        let retrainEpochs = self.retrainEpochs ?? ScheduleDefaults.retrainEpochs
        let scheduleName = self.schedule.lowercased()
        guard ["one-shot", "oneshot", "iterative", "gradual", "lottery", "adaptive", "random-reinit"].contains(scheduleName) else {
            throw PruningError(
                "--schedule", "unknown schedule '\(self.schedule)' (one-shot, iterative, gradual, lottery, adaptive, random-reinit)")
        }
        let opt: OptimizerConfig
        switch optimizer.lowercased() {
        case "sgd": opt = .sgd(learningRate: lr, momentum: momentum)
        case "adam": opt = .adam(learningRate: lr)
        default: throw PruningError("--optimizer", "unknown optimizer '\(optimizer)' (sgd, adam)")
        }
        guard lr.isFinite, lr > 0 else { throw PruningError("--lr", "\(lr) must be positive") }
        guard rounds >= 1 else { throw PruningError("--rounds", "\(rounds) must be at least 1") }
        guard retrainEpochs >= 1 else { throw PruningError("--retrain-epochs", "\(retrainEpochs) must be at least 1") }
        guard batchSize >= 1 else { throw PruningError("--batch-size", "\(batchSize) must be at least 1") }
        guard l1.isFinite, l1 >= 0 else { throw PruningError("--l1", "\(l1) must be finite and >= 0") }
        try checkSizes(rounds: rounds, retrainEpochs: retrainEpochs)
        try opt.checkPlausible(options: ["learningRate": "--lr", "momentum": "--momentum"], prefix: "--optimizer ")
        try CommandSupport.checkOutputDirectory(out)
        let progress = ProgressReporter(enabled: !noProgress)
        defer { progress.finish() }
        let modelPath = try ModelLocation.resolve(model)
        progress.begin("loading \(modelPath)")
        let bundle = try ModelBundle.load(path: modelPath)
        let net = bundle.model
        let schedule: Schedule
        switch scheduleName {
        case "iterative": schedule = .iterative(rounds: rounds)
        case "gradual": schedule = gradualSchedule(trainingSamples: bundle.train.count, retrainEpochs: retrainEpochs)
        case "lottery": schedule = .lottery(rounds: rounds, rewindIteration: rewindIteration ?? ScheduleDefaults.lotteryRewindIteration)
        case "adaptive": schedule = try adaptive.adaptiveSchedule()
        case "random-reinit": schedule = .randomReinit(rounds: rounds)
        default: schedule = .oneShot
        }
        try SpecLimits.checkBatchSize(batchSize, for: net, subject: "--batch-size")
        var tensors = try PruneOptions.tensors(layers, model: net, includeBiases: includeBiases)
        var request = PruneRequest(tensors: [], criterion: criterion, granularity: granularity, scope: scope, amount: amount)
        if let layerSparsity {
            var targets = [String: Double]()
            for item in layerSparsity.split(separator: ",") {
                let kv = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard kv.count == 2, let v = Double(kv[1]) else {
                    throw PruningError("--layer-sparsity", "'\(item)' is not name=sparsity (e.g. fc1=0.9)")
                }
                try PruneOptions.checkFraction(v, "--layer-sparsity")
                for name in try PruneOptions.tensors(kv[0], model: net, includeBiases: false, option: "--layer-sparsity") {
                    targets[name] = v
                }
            }
            request.amount = .perTensorSparsity(targets)
            if layers == nil { tensors = targets.keys.sorted() }
        }
        request.tensors = tensors
        var allocation: SensitivityAllocation?
        if allocates, case .sparsity(let target) = amount {
            progress.begin("sensitivity sweep for the allocation")
            let chosen = try SensitivityAllocation.run(
                model: net, validation: bundle.validation, target: target, tensors: tensors, granularity: granularity,
                damage: try adaptive.damage(), ceiling: adaptive.maxLayerSparsity,
                onProgress: { p in
                    progress.update(Double(p.done) / Double(max(p.total, 1)), "\(p.point.tensor) at \(p.point.sparsity)")
                }
            ).allocation
            request.amount = chosen.amount
            request.tensors = chosen.targets.map(\.tensor)
            allocation = chosen
        }
        // One-shot retrains only when asked (--retrain-epochs): prune, then that many epochs.
        let retrain =
            schedule == .oneShot && self.retrainEpochs == nil
            ? nil
            : RetrainSettings(
                epochs: retrainEpochs, batchSize: batchSize, optimizer: opt, l1Lambda: l1, splicing: adaptive.splicingSettings)

        if evaluation.evaluator != nil, allocates {
            throw PruningError("--allocate", "the allocation's sweep uses the built-in evaluation; run it without --evaluator")
        }
        if evaluation.evaluator != nil { progress.begin("starting the evaluator") }
        let measure = try evaluation.start()?.sessionMeasure()
        // Validate the request on the model before any work.
        let session = PruningSession(
            model: net, train: bundle.train, validation: bundle.validation, seed: seed, measure: measure)
        if let failure = session.measureFailure { throw PruningError("--evaluator", failure) }
        _ = try session.preview(request)

        progress.begin("\(schedule)")
        var evaluatorFailure: String?
        try session.run(
            schedule, request: request, retrain: retrain,
            onEvent: { e in
                switch e {
                case .phase(let name, let f): progress.begin(name, at: f)
                case .training(let t, let f):
                    if case .step(let epoch, let step, _, let loss) = t {
                        progress.update(f, "epoch \(epoch) step \(step) loss \(String(format: "%.4f", loss))")
                    }
                case .recorded(let step):
                    progress.note(
                        "step \(step.id): \(step.summary), validation accuracy \(Format.percent(step.metrics.accuracy, digits: 2))")
                    if let failure = session.measureFailure { evaluatorFailure = failure }
                }
            })
        if let evaluatorFailure { throw PruningError("--evaluator", evaluatorFailure) }
        var figures: [StepRobustness]?
        if robustness {
            progress.begin("robustness and privacy of every step")
            figures = try session.robustness(settings: RobustnessSettings(seed: seed), range: bundle.inputRange) { f in
                progress.update(Double(f.step + 1) / Double(session.cursor + 1), "step \(f.step)")
            }
        }
        progress.begin("writing exports", at: 1)

        let command = (["prunescope"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
        let settings: [String: String] = [
            "criterion": criterion.description, "granularity": granularity.description, "scope": scope.description,
            "amount": request.amount.description, "schedule": schedule.description, "seed": String(seed),
            "tensors": session.steps.last(where: { $0.request != nil })?.request?.tensors.joined(separator: ",") ?? "",
            "retraining": retrain.map {
                "\(Format.count($0.epochs, "epoch")), batch \($0.batchSize), \($0.optimizer.summary)"
                    + ($0.l1Lambda > 0 ? ", L1 \($0.l1Lambda)" : "") + ($0.splicing.map { ", \($0.summary)" } ?? "")
            } ?? "none",
        ]
        let outcome = allocation.map { AllocationOutcome(allocation: $0, session: session) }
        let result = try SessionExport.write(
            session: session, bundle: bundle, to: out, command: command, settings: settings,
            writeSmaller: granularity.isStructured, allocation: outcome, robustness: figures)
        let exports = result.files, timings = result.sparseInference, shrunk = result.shrunk

        let start = session.steps[0].metrics, end = session.current.metrics
        print("model \(net.name): \(schedule), \(criterion) \(granularity) \(scope) \(request.amount)")
        print("validation accuracy      \(Format.percent(start.accuracy, digits: 2)) -> \(Format.percent(end.accuracy, digits: 2))")
        print(
            "prunable-weight sparsity \(Format.percent(start.prunableSparsity, digits: 2)) -> \(Format.percent(end.prunableSparsity, digits: 2))"
        )
        print(
            "all-parameter sparsity   \(Format.percent(start.parameterSparsity, digits: 2)) -> \(Format.percent(end.parameterSparsity, digits: 2))"
        )
        print(
            "non-zero parameters      \(start.parameterNonzero) -> \(end.parameterNonzero) (compression \(String(format: "%.2fx", end.compressionRatio)))"
        )
        print(
            "FLOPs per sample         \(end.denseFLOPs) -> \(end.remainingFLOPs) (theoretical speed-up \(String(format: "%.2fx", end.theoreticalSpeedup)))"
        )
        for l in end.layers {
            print(
                "  \(CommandSupport.safe(l.name).padding(toLength: 8, withPad: " ", startingAt: 0)) weight sparsity \(Format.percent(l.weightSparsity, digits: 2)), units alive \(l.unitsAlive)/\(l.units)"
            )
        }
        // Measured (none for an unpruned model): the forward pass, then each Dense layer alone.
        for timing in timings {
            print(
                "measured inference (batch \(timing.batch)): dense \(String(format: "%.4f", timing.denseSeconds * 1000)) ms, "
                    + "sparse \(String(format: "%.4f", timing.sparseSeconds * 1000)) ms (\(timing.formatSummary)), "
                    + "speed-up \(timing.total.summary)")
            for l in timing.layers {
                print("  \(l.layer.padding(toLength: 8, withPad: " ", startingAt: 0)) \(l.format): \(l.figure.summary)")
            }
        }
        if let outcome { print(outcome.summaryLines.joined(separator: "\n")) }
        for f in figures ?? [] { print(Self.robustnessLine(f)) }
        if case .adaptive = schedule { print(PruneCommand.adaptiveSummary(session)) }
        if let shrunk {
            print("smaller model: \(shrunk.parametersBefore) -> \(shrunk.parametersAfter) parameters, identical validation predictions")
        }
        print("wrote \(exports.values.sorted().joined(separator: ", ")), report.json, report.md to \(out)")
    }

    /// Bounds on the counts that size the work (each allocates or loops per unit).
    private func checkSizes(rounds: Int, retrainEpochs: Int) throws {
        let bounded: [(String, Int?, Int)] = [
            ("--rounds", rounds, 1_000), ("--retrain-epochs", retrainEpochs, SpecLimits.epochs),
            ("--batch-size", batchSize, SpecLimits.batchSize), ("--taylor-batches", taylorBatches, 100_000),
            ("--start-step", startStep, Int(Int32.max)), ("--frequency", frequency, Int(Int32.max)),
            ("--updates", updates, 100_000), ("--rewind-iteration", rewindIteration, Int(Int32.max)),
        ]
        for (option, value, limit) in bounded {
            guard let value else { continue }
            guard value <= limit else { throw PruningError(option, "\(value) is more than the limit of \(limit)") }
        }
        guard taylorBatches >= 1 else { throw PruningError("--taylor-batches", "\(taylorBatches) must be at least 1") }
    }

    /// The gradual schedule of the options: what the user gave, the rest
    /// from `ScheduleDefaults`, with the update spacing fitted to the
    /// training run (`retrainEpochs` epochs of this model's training set).
    private func gradualSchedule(trainingSamples: Int, retrainEpochs: Int) -> Schedule {
        let perEpoch = ScheduleDefaults.stepsPerEpoch(samples: trainingSamples, batchSize: batchSize)
        let fitted = ScheduleDefaults.gradual(stepsPerEpoch: perEpoch, epochs: retrainEpochs)
        return .gradual(
            initialSparsity: initialSparsity ?? ScheduleDefaults.gradualInitialSparsity,
            startStep: startStep ?? ScheduleDefaults.gradualStartStep,
            frequency: frequency ?? fitted.frequency, updates: updates ?? fitted.updates)
    }
}
