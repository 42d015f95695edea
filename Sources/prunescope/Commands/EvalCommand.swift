import ArgumentParser
import Foundation
import PruneKit

/// `prunescope eval MODEL`: loss and accuracy on the validation and training sets.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Report a trained model's validation and training accuracy and loss.",
        discussion: """
            Loads the spec, the weights and the dataset (split and normalised \
            exactly as for training), runs every sample through the model with \
            dropout off, and reports the accuracy (fraction of samples whose \
            highest score is the label) and the mean cross-entropy loss.

            MODEL is a directory holding model.json, a spec .json file, or a \
            weights file (.safetensors, .pt, .npz) with a model.json beside it, e.g. \
            weights written by `prunescope train --out`.

            Examples:
              prunescope eval SampleModels/lenet-300-100
              prunescope eval SampleModels/digits-cnn --json
              prunescope eval /tmp/retrained.safetensors
            """
    )

    @Argument(
        help: ArgumentHelp(
            "A model directory, spec .json, or weights file beside a model.json (default: the lenet-300-100 sample).", valueName: "model"))
    var model: String?

    @Flag(help: "Print JSON: {model, weights, validation: {accuracy, loss, correct, count}, train: {...}}.")
    var json = false

    struct Report: Encodable {
        var model: String
        var dataset: String
        var weights: String
        var validation: Evaluation
        var train: Evaluation
    }

    func run() throws {
        try CommandSupport.reportingErrors {
            let bundle = try ModelBundle.load(path: try ModelLocation.resolve(model))
            let report = Report(
                model: bundle.spec.name, dataset: bundle.spec.dataset.name,
                weights: bundle.weightsURL.path,
                validation: evaluate(bundle.model, on: bundle.validation),
                train: evaluate(bundle.model, on: bundle.train))
            if json {
                print(try CommandSupport.json(report))
                return
            }
            print("\(report.model) on \(report.dataset)  (weights \(report.weights))")
            let rows = [("validation", report.validation), ("train", report.train)].map { name, e in
                e.count == 0
                    ? [name, "n/a", "0/0", "n/a"]
                    : [name, Format.percent(e.accuracy, digits: 2), "\(e.correct)/\(e.count)", String(format: "%.4f", e.loss)]
            }
            print(CommandSupport.table(rows, header: ["set", "accuracy", "correct", "loss"]), terminator: "")
        }
    }
}
