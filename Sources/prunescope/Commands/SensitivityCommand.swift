import ArgumentParser
import Foundation
import PruneKit

/// `prunescope sensitivity`: prunes each layer alone at a sweep of
/// sparsities and records validation accuracy and loss.
struct SensitivityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sensitivity",
        abstract: "Per-layer sensitivity: each layer pruned alone at each sparsity; writes a CSV and prints a table.",
        discussion: "Sparsity is the target fraction of the tensor's elements pruned. Accuracy and loss are on the validation set."
    )

    @Argument(help: "Model directory or model.json (SampleModels/NAME works from any directory).")
    var model: String
    @Option(help: "Comma-separated sparsities in [0, 1).")
    var sparsities = "0.1,0.3,0.5,0.7,0.8,0.9,0.95,0.99"
    @Option(help: "magnitude | random | l1-norm | l2-norm")
    var criterion = "magnitude"
    @Option(help: "unstructured | N:M | neuron | filter | block:RxC")
    var granularity = "unstructured"
    @Option(help: "Comma-separated layer or tensor names (default: every Dense/Conv2D weight).")
    var layers: String?
    @Option(help: "CSV file to write (tensor,sparsity,accuracy,loss; skipped cells have no accuracy and loss).")
    var out: String?
    @Flag(help: "Print JSON: {baselineAccuracy, baselineLoss, points: [...], skipped: [{tensor, sparsity, reason}]}.")
    var json = false
    @Option(help: "Seed for the random criterion.")
    var seed: UInt64 = 0
    @Flag(name: .customLong("no-progress"), help: "Do not draw the progress bar.")
    var noProgress = false
    @OptionGroup(title: "Your own evaluation")
    var evaluation: EvaluatorOptions

    func run() throws {
        try CommandSupport.reportingErrors(runUnguarded)
    }

    private func runUnguarded() throws {
        let list = try PruneOptions.fractions(sparsities, option: "--sparsities")
        if let out { try CommandSupport.checkOutputFile(out) }
        let criterion = try Criterion.parse(self.criterion, seed: seed, batches: 1, batchSize: 1)
        let granularity = try Granularity.parse(self.granularity)
        let progress = ProgressReporter(enabled: !noProgress)
        defer { progress.finish() }
        let modelPath = try ModelLocation.resolve(model)
        let onProgress = { (p: SensitivityProgress) in
            progress.update(Double(p.done) / Double(max(p.total, 1)), "\(p.point.tensor) at \(p.point.sparsity)")
        }
        let result: SensitivityResult
        let external: ExternalEvaluator?
        if OpenCommand.isBareCheckpoint(modelPath) {
            guard evaluation.evaluator != nil else {
                throw PruningError(modelPath, "a checkpoint without a model spec has no built-in accuracy: give --evaluator")
            }
            guard case .magnitude = criterion, granularity == .unstructured else {
                throw PruningError("--criterion", "a checkpoint without a spec is swept by unstructured magnitude only")
            }
            let archive = try openTensorArchive(path: modelPath)
            progress.begin("starting the evaluator")
            external = try evaluation.start()
            let names = layers.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } } ?? []
            progress.begin("sensitivity")
            result = try SensitivityAnalysis.run(
                checkpoint: archive, measure: { masks in try external?.evaluation(masks: masks) }, tensors: names,
                sparsities: list, onProgress: onProgress)
        } else {
            progress.begin("loading \(modelPath)")
            let bundle = try ModelBundle.load(path: modelPath)
            let tensors = try PruneOptions.tensors(layers, model: bundle.model, includeBiases: false)
            if evaluation.evaluator != nil { progress.begin("starting the evaluator") }
            external = try evaluation.start()
            let measure: (Model) throws -> Evaluation? =
                external.map { e in { try e.evaluation(of: $0) } } ?? { evaluate($0, on: bundle.validation) }
            progress.begin("sensitivity")
            result = try SensitivityAnalysis.run(
                model: bundle.model, measure: measure, tensors: tensors, sparsities: list,
                criterion: criterion, granularity: granularity, onProgress: onProgress)
        }
        let metric = try external?.start().primary.name ?? "accuracy"
        progress.finish()
        if let out {
            try AtomicFile.write(Array(result.csv.utf8), to: out)
        }
        if json {
            print(try CommandSupport.json(result))
            return
        }
        print(
            "\(external == nil ? "validation accuracy" : "evaluator's \(metric)") (loss) with one tensor pruned alone; unpruned: "
                + "\(Format.percent(result.baselineAccuracy, digits: 2)) (\(String(format: "%.4f", result.baselineLoss)))")
        let names = (result.points.map(\.tensor) + result.skipped.map(\.tensor))
            .reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let width = max(12, (names.map(\.count).max() ?? 0) + 2)
        var header = "tensor".padding(toLength: width, withPad: " ", startingAt: 0)
        for s in list { header += Self.cell(Format.percent(s, digits: 1)) }
        print(header)
        var notes = [String]()
        for name in names {
            var line = name.padding(toLength: width, withPad: " ", startingAt: 0)
            for s in list {
                if let p = result.points.first(where: { $0.tensor == name && $0.sparsity == s }) {
                    line += Self.cell(Format.percent(p.accuracy, digits: 2))
                } else if let skip = result.skip(tensor: name, sparsity: s) {
                    line += Self.cell("skipped")
                    notes.append("\(name) at \(Format.percent(s, digits: 1)): skipped: \(skip.reason)")
                } else {
                    line += Self.cell("-")
                }
            }
            print(line)
        }
        for note in notes { print(note) }
        if let out { print("wrote \(out)") }
    }

    /// A right-aligned table cell.
    private static func cell(_ text: String) -> String {
        String(repeating: " ", count: max(1, 10 - text.count)) + text
    }
}
