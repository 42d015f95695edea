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
              prunescope info SampleModels/digits-cnn --json
            """
    )

    @Argument(
        help: ArgumentHelp(
            "A model directory, spec .json, or weights file beside a model.json (default: the lenet-300-100 sample).", valueName: "model"))
    var model: String?

    @Flag(help: "Print JSON: {name, inputShape, layers: [...], tensors: [...], parameters, macs, dataset}.")
    var json = false

    struct LayerReport: Encodable {
        var name: String, kind: LayerKind, inputShape: [Int], outputShape: [Int], parameters: Int, macs: Int
    }

    struct TensorReport: Encodable {
        var name: String, layer: String, role: ParameterRole, shape: [Int]
        var min: Float, max: Float, mean: Double, std: Double, zeros: Int, count: Int
    }

    struct DatasetReport: Encodable {
        var name: String, format: String, train: Int, validation: Int, classes: Int
    }

    struct Report: Encodable {
        var name: String, spec: String, weights: String, inputShape: [Int]
        var layers: [LayerReport], tensors: [TensorReport]
        var parameters: Int, macs: Int, dataset: DatasetReport, training: TrainingConfig
    }

    func run() throws {
        try CommandSupport.reportingErrors {
            let bundle = try ModelBundle.load(path: try ModelLocation.resolve(model))
            let net = bundle.model
            let shapes = try net.activationShapes()
            if json {
                let layers = net.layers.enumerated().map { i, l in
                    LayerReport(
                        name: l.name, kind: l.kind, inputShape: shapes[i], outputShape: shapes[i + 1],
                        parameters: l.parameters.reduce(0) { $0 + $1.value.count }, macs: l.denseMACs(for: shapes[i]))
                }
                let tensors = net.layers.flatMap { l in
                    l.parameters.map { p in
                        let s = TensorStatistics.of(p.value)
                        return TensorReport(
                            name: p.name, layer: l.name, role: p.role, shape: p.value.shape,
                            min: s.min, max: s.max, mean: s.mean, std: s.std, zeros: s.zeroCount, count: s.count)
                    }
                }
                let report = Report(
                    name: bundle.spec.name, spec: bundle.specURL.path, weights: bundle.weightsURL.path,
                    inputShape: net.inputShape, layers: layers, tensors: tensors,
                    parameters: net.parameterCount, macs: layers.reduce(0) { $0 + $1.macs },
                    dataset: DatasetReport(
                        name: bundle.spec.dataset.name, format: bundle.spec.dataset.format.rawValue,
                        train: bundle.train.count, validation: bundle.validation.count,
                        classes: bundle.train.classCount),
                    training: bundle.spec.training)
                print(try CommandSupport.json(report))
                return
            }
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
                rows.append([
                    layer.name, layer.kind.rawValue, CommandSupport.shape(shapes[i + 1]),
                    params == 0 ? "-" : Format.grouped(params),
                    macs == 0 ? "-" : Format.grouped(macs),
                ])
            }
            rows.append(["total", "", "", Format.grouped(net.parameterCount), Format.grouped(totalMACs)])
            print(CommandSupport.table(rows, header: ["layer", "kind", "output", "parameters", "MACs/sample"]))

            let tensorRows = net.parameters.map { p -> [String] in
                let s = TensorStatistics.of(p.value)
                return [
                    p.name, CommandSupport.shape(p.value.shape),
                    String(format: "%.4f", s.min), String(format: "%.4f", s.max),
                    String(format: "%.4f", s.mean), String(format: "%.4f", s.std),
                    "\(s.zeroCount) (\(Format.percent(s.count == 0 ? 0 : Double(s.zeroCount) / Double(s.count), digits: 2)))",
                ]
            }
            print(CommandSupport.table(tensorRows, header: ["tensor", "shape", "min", "max", "mean", "std", "zeros"]))

            let d = bundle.spec.dataset
            print(
                "dataset  \(d.name) (\(d.format.rawValue)): \(bundle.train.count) training, "
                    + "\(bundle.validation.count) validation samples, \(bundle.train.classCount) classes, " + "split seed \(d.splitSeed)")
            let t = bundle.spec.training
            print(
                "recipe   \(t.epochs) epochs, batch \(t.batchSize), \(t.optimizer.summary), seed \(t.seed)"
                    + (t.l1Lambda != 0 ? ", L1 \(t.l1Lambda)" : ""))
        }
    }
}
