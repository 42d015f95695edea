import ArgumentParser
import Foundation
import PruneKit

/// `prunescope info MODEL`: layers, shapes, parameter counts, MACs and tensor statistics.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe a model: layers, shapes, parameters, MACs and weight statistics.",
        discussion: """
        For each layer: its kind, the shape of one sample leaving it, its \
        parameter count and its multiply-accumulate operations per sample \
        (MACs, counted as if every weight were non-zero). For each tensor: \
        shape, min, max, mean, standard deviation and the number of exact \
        zeros (its sparsity). Then the dataset: sizes of the two splits and \
        the class count.

        MODEL is a directory holding model.json, a spec .json file, or a \
        weights file with a model.json beside it.

        Examples:
          prunescope info SampleModels/lenet-300-100
          prunescope info SampleModels/digits-cnn
        """
    )

    @Argument(help: ArgumentHelp("A model directory, spec .json, or weights file beside a model.json.", valueName: "model"))
    var model: String

    func run() throws {
        try CommandSupport.reportingErrors {
            let bundle = try ModelBundle.load(path: model)
            let net = bundle.model
            let shapes = try net.activationShapes()
            print("\(bundle.spec.name)" + (bundle.spec.summary.map { ": \($0)" } ?? ""))
            print("spec     \(bundle.specURL.path)")
            print("weights  \(bundle.weightsURL.path)")
            print("input    \(CommandSupport.shape(net.inputShape))\n")

            var rows: [[String]] = []
            var totalMACs = 0
            for (i, layer) in net.layers.enumerated() {
                let params = layer.parameters.reduce(0) { $0 + $1.value.count }
                let macs = layer.denseMACs(for: shapes[i])
                totalMACs += macs
                rows.append([layer.name, layer.kind, CommandSupport.shape(shapes[i + 1]),
                             params == 0 ? "-" : CommandSupport.grouped(params),
                             macs == 0 ? "-" : CommandSupport.grouped(macs)])
            }
            rows.append(["total", "", "", CommandSupport.grouped(net.parameterCount), CommandSupport.grouped(totalMACs)])
            print(CommandSupport.table(rows, header: ["layer", "kind", "output", "parameters", "MACs/sample"]))

            let tensorRows = net.parameters.map { p -> [String] in
                let s = TensorStatistics.of(p.value)
                return [p.name, CommandSupport.shape(p.value.shape),
                        String(format: "%.4f", s.min), String(format: "%.4f", s.max),
                        String(format: "%.4f", s.mean), String(format: "%.4f", s.std),
                        "\(s.zeroCount) (\(CommandSupport.percent(s.count == 0 ? 0 : Double(s.zeroCount) / Double(s.count))))"]
            }
            print(CommandSupport.table(tensorRows, header: ["tensor", "shape", "min", "max", "mean", "std", "zeros"]))

            let d = bundle.spec.dataset
            print("dataset  \(d.name) (\(d.format.rawValue)): \(bundle.train.count) training, " +
                  "\(bundle.validation.count) validation samples, \(bundle.train.classCount) classes, " +
                  "split seed \(d.splitSeed)")
            let t = bundle.spec.training
            print("recipe   \(t.epochs) epochs, batch \(t.batchSize), \(t.optimizer.summary), seed \(t.seed)" +
                  (t.l1Lambda != 0 ? ", L1 \(t.l1Lambda)" : ""))
        }
    }
}
