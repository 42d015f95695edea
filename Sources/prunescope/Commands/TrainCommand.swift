import ArgumentParser
import Foundation
import PruneKit

/// `prunescope train SPEC_OR_DIR`: trains a spec's model from fresh weights.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model from its spec, starting from fresh seeded weights.",
        discussion: """
            Reads the model spec (a directory holding model.json, or the .json \
            itself), builds the layers with PyTorch's default initialisation drawn \
            from --seed, loads and splits the dataset the spec names, and trains \
            with the spec's recipe ("training" in model.json), overridden by the \
            options below. Progress (per-step loss, per-epoch loss and accuracy) \
            goes to stderr; the final validation accuracy to stdout. The weights \
            are written atomically as .safetensors (by default to the spec's \
            weights file, replacing it).

            The same seed gives the same weights, bit for bit. Ctrl-C stops \
            after the current step and writes nothing.

            Examples:
              prunescope train SampleModels/lenet-300-100
              prunescope train SampleModels/spirals-mlp --epochs 50 --out /tmp/s.safetensors
              prunescope train my-model/model.json --seed 7 --batch-size 32
            """
    )

    @Argument(help: ArgumentHelp("A directory with model.json, or a spec .json file.", valueName: "spec-or-dir"))
    var spec: String

    @Option(help: "Passes over the training set (default: the spec's).")
    var epochs: Int?

    @Option(name: .customLong("lr"), help: "Learning rate (default: the spec's).")
    var learningRate: Float?

    @Option(help: "Samples per optimiser step (default: the spec's).")
    var batchSize: Int?

    @Option(help: "Seed for the initial weights, shuffling and dropout (default: the spec's).")
    var seed: UInt64?

    @Option(help: ArgumentHelp("Where to write the weights (default: the spec's weights file).", valueName: "path"))
    var out: String?

    @Flag(help: "No progress on stderr.")
    var quiet = false

    func validate() throws {
        if let epochs, epochs < 1 || epochs > SpecLimits.epochs {
            throw ValidationError("--epochs must be between 1 and \(SpecLimits.epochs)")
        }
        if let batchSize, batchSize < 1 || batchSize > SpecLimits.batchSize {
            throw ValidationError("--batch-size must be between 1 and \(SpecLimits.batchSize)")
        }
        if let learningRate, !(learningRate > 0 && learningRate.isFinite) {
            throw ValidationError("--lr must be a positive number")
        }
    }

    func run() throws {
        try CommandSupport.reportingErrors {
            let (specURL, weightsOverride) = try ModelBundle.locate(path: try ModelLocation.resolve(spec))
            let modelSpec = try ModelSpec.read(path: specURL.path)
            var config = modelSpec.training
            if let epochs { config.epochs = epochs }
            if let batchSize { config.batchSize = batchSize }
            if let seed { config.seed = seed }
            if let learningRate { config.optimizer = config.optimizer.withLearningRate(learningRate) }
            let bundle = try ModelBundle.initialise(
                spec: modelSpec, specURL: specURL, seed: config.seed,
                weightsURL: weightsOverride)
            let outPath = out ?? bundle.weightsURL.path
            try SpecLimits.checkBatchSize(
                config.batchSize, for: bundle.model,
                subject: batchSize == nil ? "\(specURL.path): training.batchSize" : "--batch-size")
            try CommandSupport.checkOutputFile(outPath)

            let stepsPerEpoch = (bundle.train.count + config.batchSize - 1) / config.batchSize
            if !quiet {
                CommandSupport.writeStderr(
                    "training \(modelSpec.name): \(Format.grouped(bundle.model.parameterCount)) parameters, "
                        + "\(bundle.train.count) training / \(bundle.validation.count) validation samples, "
                        + "\(Format.count(config.epochs, "epoch")), batch \(config.batchSize), \(config.optimizer.summary), seed \(config.seed)\n"
                )
            }
            let reporter = ProgressReporter(enabled: !quiet)
            defer { reporter.finish() }
            let progress = TrainingProgress(totalEpochs: config.epochs, stepsPerEpoch: stepsPerEpoch, reporter: reporter)
            let trainer = Trainer(model: bundle.model, config: config)
            let interrupt = InterruptFlag()
            let result = trainer.train(
                on: bundle.train, validation: bundle.validation.count > 0 ? bundle.validation : nil,
                onEvent: progress.handle, isCancelled: { interrupt.isRaised })
            reporter.finish()
            if let divergence = result.divergence {
                throw PruningError(outPath, "not written: \(divergence)")
            }
            if result.cancelled {
                CommandSupport.writeStderr(
                    "prunescope: training interrupted after \(Format.count(trainer.globalStep, "step")); no weights written\n")
                throw ExitCode(130)
            }

            try bundle.writeWeights(to: outPath)

            let last = result.epochs.last
            let trainText = last.map { "train accuracy \(Format.percent($0.trainAccuracy, digits: 2)) in the last epoch" } ?? ""
            if bundle.validation.count > 0 {
                let final = evaluate(bundle.model, on: bundle.validation)
                print(
                    "\(modelSpec.name): validation accuracy \(Format.percent(final.accuracy, digits: 2)) "
                        + "(\(final.correct)/\(final.count)), loss \(String(format: "%.4f", final.loss))"
                        + (trainText.isEmpty ? "" : ", " + trainText))
            } else {
                print("\(modelSpec.name): no validation samples (validationFraction is 0)" + (trainText.isEmpty ? "" : "; " + trainText))
            }
            print("weights written to \(outPath)")
        }
    }
}

extension OptimizerConfig {
    /// The same optimiser with another learning rate.
    func withLearningRate(_ lr: Float) -> OptimizerConfig {
        switch self {
        case let .sgd(_, momentum, weightDecay):
            return .sgd(learningRate: lr, momentum: momentum, weightDecay: weightDecay)
        case let .adam(_, beta1, beta2, epsilon, weightDecay):
            return .adam(learningRate: lr, beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay)
        }
    }
}
