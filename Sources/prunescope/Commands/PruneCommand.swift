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

    @Argument(help: "Model directory or model.json.")
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
    @Option(help: "one-shot | iterative | gradual | lottery")
    var schedule = "one-shot"
    @Option(help: "Rounds for iterative and lottery schedules.")
    var rounds = 5
    @Option(name: .customLong("retrain-epochs"), help: "Epochs of each retraining (gradual: of the whole run).")
    var retrainEpochs = 2
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
    @Option(name: .customLong("initial-sparsity"), help: "Gradual: s_i.")
    var initialSparsity = 0.0
    @Option(name: .customLong("start-step"), help: "Gradual: t0 (optimiser step of the first mask update).")
    var startStep = 1
    @Option(help: "Gradual: dt, steps between mask updates.")
    var frequency = 50
    @Option(help: "Gradual: n, number of updates after t0 (last at t0 + n dt).")
    var updates = 10
    @Option(name: .customLong("rewind-iteration"), help: "Lottery: rewind to the weights after k steps (0 = init).")
    var rewindIteration = 0
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

    func run() throws {
        try PruneCLI.guarded(runUnguarded)
    }

    private func runUnguarded() throws {
        let criterion = try Criterion.parse(self.criterion, seed: seed, batches: taylorBatches, batchSize: batchSize)
        let granularity = try Granularity.parse(self.granularity)
        let scope = try Scope.parse(self.scope)
        let given = [sparsity != nil, threshold != nil, quality != nil, self.amount != nil, layerSparsity != nil].filter { $0 }.count
        guard given <= 1 else {
            throw PruningError("--sparsity", "give only one of --sparsity, --amount, --layer-sparsity, --threshold, --quality")
        }
        let amount: Amount
        if case .nOfM = granularity {
            guard given == 0 else { throw PruningError("--granularity", "\(granularity) implies its sparsity; drop --sparsity/--threshold/--quality") }
            amount = .implied
        } else if let sparsity {
            try PruneCLI.checkFraction(sparsity, "--sparsity")
            amount = .sparsity(sparsity)
        } else if let fraction = self.amount {
            try PruneCLI.checkFraction(fraction, "--amount")
            amount = .fractionOfRemaining(fraction)
        } else if layerSparsity != nil {
            amount = .perTensorSparsity([:])
        } else if let threshold {
            amount = .threshold(threshold)
        } else if let quality {
            amount = .quality(quality)
        } else {
            throw PruningError("--sparsity", "give --sparsity, --amount, --layer-sparsity, --threshold or --quality")
        }
        let schedule: Schedule
        switch self.schedule.lowercased() {
        case "one-shot", "oneshot": schedule = .oneShot
        case "iterative": schedule = .iterative(rounds: rounds)
        case "gradual": schedule = .gradual(initialSparsity: initialSparsity, startStep: startStep, frequency: frequency, updates: updates)
        case "lottery": schedule = .lottery(rounds: rounds, rewindIteration: rewindIteration)
        default: throw PruningError("--schedule", "unknown schedule '\(self.schedule)' (one-shot, iterative, gradual, lottery)")
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
        let progress = ProgressBar(enabled: !noProgress)
        progress.update(0, "loading \(model)", force: true)
        let bundle = try ModelBundle.load(path: model)
        let net = bundle.model
        var tensors = try PruneCLI.tensors(layers, model: net, includeBiases: includeBiases)
        var request = PruneRequest(tensors: [], criterion: criterion, granularity: granularity, scope: scope, amount: amount)
        if let layerSparsity {
            var targets = [String: Double]()
            for item in layerSparsity.split(separator: ",") {
                let kv = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard kv.count == 2, let v = Double(kv[1]) else {
                    throw PruningError("--layer-sparsity", "'\(item)' is not name=sparsity (e.g. fc1=0.9)")
                }
                try PruneCLI.checkFraction(v, "--layer-sparsity")
                for name in try PruneCLI.tensors(kv[0], model: net, includeBiases: false) { targets[name] = v }
            }
            request.amount = .perTensorSparsity(targets)
            if layers == nil { tensors = targets.keys.sorted() }
        }
        request.tensors = tensors
        let retrain = schedule == .oneShot ? nil : RetrainSettings(epochs: retrainEpochs, batchSize: batchSize, optimizer: opt, l1Lambda: l1)

        // Validate the request on the model before any work.
        let session = PruningSession(model: net, train: bundle.train, validation: bundle.validation, seed: seed)
        _ = try session.preview(request)

        // Fail on an unusable --out before the long work, not after it.
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        progress.update(0, "\(schedule)", force: true)
        try session.run(schedule, request: request, retrain: retrain, onEvent: { e in
            switch e {
            case .phase(let name, let f): progress.update(f, name, force: true)
            case .training(let t, let f):
                if case .step(let epoch, let step, _, let loss) = t {
                    progress.update(f, "epoch \(epoch) step \(step) loss \(String(format: "%.4f", loss))")
                }
            case .recorded(let step):
                progress.update(0, "step \(step.id): \(step.kind.rawValue) acc \(percent(step.metrics.accuracy))", force: true)
            }
        })
        progress.update(1, "writing exports", force: true)
        progress.finish()

        let command = (["prunescope"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
        let settings: [String: String] = [
            "criterion": criterion.description, "granularity": granularity.description, "scope": scope.description,
            "amount": request.amount.description, "schedule": schedule.description, "seed": String(seed),
            "tensors": session.steps.last(where: { $0.request != nil })?.request?.tensors.joined(separator: ",") ?? "",
            "retraining": retrain.map { "\($0.epochs) epochs, batch \($0.batchSize), \($0.optimizer.summary)" + ($0.l1Lambda > 0 ? ", L1 \($0.l1Lambda)" : "") } ?? "none",
        ]
        let result = try SessionExport.write(session: session, bundle: bundle, to: out, command: command, settings: settings,
                                             writeSmaller: granularity.isStructured)
        let exports = result.files, timings = result.sparseInference, shrunk = result.shrunk

        let start = session.steps[0].metrics, end = session.current.metrics
        print("model \(net.name): \(schedule), \(criterion) \(granularity) \(scope) \(request.amount)")
        print("validation accuracy      \(percent(start.accuracy)) -> \(percent(end.accuracy))")
        print("prunable-weight sparsity \(percent(start.prunableSparsity)) -> \(percent(end.prunableSparsity))")
        print("all-parameter sparsity   \(percent(start.parameterSparsity)) -> \(percent(end.parameterSparsity))")
        print("non-zero parameters      \(start.parameterNonzero) -> \(end.parameterNonzero) (compression \(String(format: "%.2fx", end.compressionRatio)))")
        print("FLOPs per sample         \(end.denseFLOPs) -> \(end.remainingFLOPs) (theoretical speed-up \(String(format: "%.2fx", end.theoreticalSpeedup)))")
        for l in end.layers {
            print("  \(l.name.padding(toLength: 8, withPad: " ", startingAt: 0)) weight sparsity \(percent(l.weightSparsity)), units alive \(l.unitsAlive)/\(l.units)")
        }
        for timing in timings {
            print("measured inference (batch \(timing.batch)): dense \(String(format: "%.3f", timing.denseSeconds * 1000)) ms, CSR \(String(format: "%.3f", timing.sparseSeconds * 1000)) ms, speed-up \(String(format: "%.2fx", timing.measuredSpeedup))")
        }
        if let shrunk {
            print("smaller model: \(shrunk.parametersBefore) -> \(shrunk.parametersAfter) parameters, identical validation predictions")
        }
        print("wrote \(exports.values.sorted().joined(separator: ", ")), report.json, report.md to \(out)")
    }
}
