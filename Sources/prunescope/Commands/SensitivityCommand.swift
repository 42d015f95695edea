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

    @Argument(help: "Model directory or model.json.")
    var model: String
    @Option(help: "Comma-separated sparsities in [0, 1).")
    var sparsities = "0.1,0.3,0.5,0.7,0.8,0.9,0.95,0.99"
    @Option(help: "magnitude | random | l1-norm | l2-norm")
    var criterion = "magnitude"
    @Option(help: "unstructured | N:M | neuron | filter | block:RxC")
    var granularity = "unstructured"
    @Option(help: "Comma-separated layer or tensor names (default: every Dense/Conv2D weight).")
    var layers: String?
    @Option(help: "CSV file to write (tensor,sparsity,accuracy,loss).")
    var out: String?
    @Option(help: "Seed for the random criterion.")
    var seed: UInt64 = 0
    @Flag(name: .customLong("no-progress"), help: "Do not draw the progress bar.")
    var noProgress = false

    func run() throws {
        try PruneCLI.guarded(runUnguarded)
    }

    private func runUnguarded() throws {
        let list = try PruneCLI.fractions(sparsities, option: "--sparsities")
        let criterion = try Criterion.parse(self.criterion, seed: seed, batches: 1, batchSize: 1)
        let granularity = try Granularity.parse(self.granularity)
        let progress = ProgressBar(enabled: !noProgress)
        progress.update(0, "loading \(model)", force: true)
        let bundle = try ModelBundle.load(path: model)
        let tensors = try PruneCLI.tensors(layers, model: bundle.model, includeBiases: false)
        let result = try SensitivityAnalysis.run(
            model: bundle.model, validation: bundle.validation, tensors: tensors, sparsities: list,
            criterion: criterion, granularity: granularity,
            onProgress: { p in progress.update(Double(p.done) / Double(p.total), "\(p.point.tensor) at \(p.point.sparsity)") })
        progress.finish()
        if let out {
            try AtomicFile.write(Array(result.csv.utf8), to: out)
        }
        print("validation accuracy (loss) with one tensor pruned alone; unpruned: \(percent(result.baselineAccuracy)) (\(String(format: "%.4f", result.baselineLoss)))")
        let names = result.points.reduce(into: [String]()) { if !$0.contains($1.tensor) { $0.append($1.tensor) } }
        let width = max(12, (names.map(\.count).max() ?? 0) + 2)
        var header = "tensor".padding(toLength: width, withPad: " ", startingAt: 0)
        for s in list { header += String(format: "%9.1f%%", s * 100) }
        print(header)
        for name in names {
            var line = name.padding(toLength: width, withPad: " ", startingAt: 0)
            for s in list {
                let p = result.points.first { $0.tensor == name && $0.sparsity == s }
                line += p.map { String(format: "%9.2f%%", $0.accuracy * 100) } ?? "         -"
            }
            print(line)
        }
        if let out { print("wrote \(out)") }
    }
}
