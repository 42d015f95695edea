import ArgumentParser
import Foundation
import PruneKit

/// `prunescope robustness MODEL`: accuracy under FGSM, PGD and Gaussian
/// noise, and a loss-threshold membership-inference attack.
struct RobustnessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "robustness",
        abstract: "Accuracy under FGSM, PGD and input noise, and a membership-inference attack.",
        discussion: """
            Every radius and sigma is in the units the model sees, after the spec's \
            normalisation (for pixels / 255, 0.1 is about 25 grey levels). Attacked and noisy \
            inputs are clipped to the range the data can take: the raw data's smallest and \
            largest value (one domain for every feature, e.g. pixels 0-255) through the spec's \
            normalisation: [0, 1] for pixels / 255, one range per feature for data standardised \
            per feature.

            FGSM: x + eps sign(grad_x L) (Goodfellow et al. 2015). PGD: --pgd-steps steps of \
            eps/4, each projected back to the L-inf ball of radius eps around x (Madry et al. \
            2018; starts at x, no random start). Noise: x + sigma N(0, 1), drawn from --seed. \
            Membership: a loss-threshold attack (Yeom et al. 2018) that calls a sample a \
            training member when its loss is low; AUC 0.5 and advantage 0 are guessing, 1 and 1 \
            tell every training sample from every validation one. It always compares the \
            training and validation sets, whatever --split says.

            Defaults: --fgsm 0.05,0.1  --pgd 0.1  --pgd-steps 10  --noise 0.1  --split validation \
            --seed 0. Give "none" to a list to skip it.

            MODEL is a directory holding model.json, a spec .json file, or a weights file with a \
            model.json beside it; --session measures a saved session's current step (the \
            session/ directory `prunescope prune --out` writes, or one saved from the explorer).

            Examples:
              prunescope robustness lenet-300-100
              prunescope robustness lenet-300-100 --session /tmp/pruned/session --json
              prunescope robustness digits-mlp --fgsm 0.1,0.25 --pgd none --noise 0.5
            """
    )

    @Argument(
        help: ArgumentHelp(
            "A model directory, spec .json, or weights file beside a model.json (default: the lenet-300-100 sample).",
            valueName: "model"))
    var model: String?
    @Option(help: "Comma-separated FGSM radii (L-inf, normalised units), or none.")
    var fgsm = "0.05,0.1"
    @Option(help: "Comma-separated PGD radii (L-inf, normalised units), or none.")
    var pgd = "0.1"
    @Option(name: .customLong("pgd-steps"), help: "PGD steps, each of size eps/4 (1 to 1000).")
    var pgdSteps = 10
    @Option(help: "Comma-separated standard deviations of Gaussian input noise, or none.")
    var noise = "0.1"
    @Option(help: "Samples attacked: validation | train | all.")
    var split = "validation"
    @Option(help: "Seed of the noise.")
    var seed: UInt64 = 0
    @Option(help: "Measure this saved session's current step (its session/ directory).")
    var session: String?
    @Flag(
        help:
            "Print JSON: {split, count, clean: {accuracy, loss}, fgsm: [{epsilon, accuracy}], pgd: [{epsilon, steps, accuracy}], noise: [{sigma, accuracy}], membership: {auc, advantage, train_loss, validation_loss}}."
    )
    var json = false

    func run() throws {
        try CommandSupport.reportingErrors(runUnguarded)
    }

    /// The options as engine settings.
    /// - Throws: `PruningError` naming the option and the bad value.
    func settings() throws -> RobustnessSettings {
        guard let split = RobustnessSplit(rawValue: split.lowercased()) else {
            throw PruningError("--split", "'\(split)' is not one of validation, train, all")
        }
        guard (1...1_000).contains(pgdSteps) else { throw PruningError("--pgd-steps", "\(pgdSteps) is outside 1...1000") }
        return RobustnessSettings(
            fgsmEpsilons: try Self.radii(fgsm, option: "--fgsm"), pgdEpsilons: try Self.radii(pgd, option: "--pgd"),
            pgdSteps: pgdSteps, noiseSigmas: try Self.radii(noise, option: "--noise"), split: split, seed: seed)
    }

    /// Parses "0.05,0.1" (or "none") into non-negative finite numbers.
    static func radii(_ text: String, option: String) throws -> [Float] {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.lowercased() == "none" { return [] }
        let parts = trimmed.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        return try parts.map { part in
            guard let value = Float(part), value.isFinite else {
                throw PruningError(option, "'\(part)' is not a number (give a list such as 0.05,0.1, or none)")
            }
            guard value >= 0 else { throw PruningError(option, "\(part) is negative") }
            return value
        }
    }

    private func runUnguarded() throws {
        let settings = try settings()
        let bundle = try ModelBundle.load(path: try ModelLocation.resolve(model))
        var net = bundle.model
        var step: Int?
        if let session {
            let loaded = try PruningSession.load(
                from: session, model: bundle.model, train: bundle.train, validation: bundle.validation)
            net = loaded.model
            step = loaded.cursor
        }
        let range = bundle.inputRange
        let report = try RobustnessReport.measure(
            net, train: bundle.train, validation: bundle.validation, settings: settings, range: range)
        if json {
            print(try CommandSupport.json(report))
            return
        }
        print(Self.text(report, model: bundle.spec.name, dataset: bundle.spec.dataset.name, step: step, range: range))
    }

    /// The readable table.
    static func text(_ report: RobustnessReport, model: String, dataset: String, step: Int?, range: InputRange) -> String {
        func pct(_ x: Double) -> String { Format.percent(x, digits: 2) }
        func number(_ x: Float) -> String { String(format: "%g", Double(x)) }
        var s = "\(CommandSupport.safe(model)) on \(CommandSupport.safe(dataset))" + (step.map { " at session step \($0)" } ?? "")
        s += ", \(report.split.rawValue) split (\(report.count) samples); inputs clipped to "
        s += "\(range.summary) (the raw data's range after normalisation)\n"
        var rows = [["clean", pct(report.clean.accuracy), String(format: "%.4f", report.clean.loss)]]
        for f in report.fgsm { rows.append(["FGSM eps \(number(f.epsilon))", pct(f.accuracy), ""]) }
        for p in report.pgd { rows.append(["PGD eps \(number(p.epsilon)), \(p.steps) steps", pct(p.accuracy), ""]) }
        for n in report.noise { rows.append(["noise sigma \(number(n.sigma))", pct(n.accuracy), ""]) }
        s += CommandSupport.table(rows, header: ["inputs", "accuracy", "loss"])
        guard let m = report.membership else {
            return s + "membership attack: n/a (needs both training and validation samples)"
        }
        s += "\nmembership attack (loss threshold, training vs validation; AUC 0.5 / advantage 0 = guessing)\n"
        s += CommandSupport.table(
            [
                ["train", pct(m.trainAccuracy), String(format: "%.4f", m.trainLoss)],
                ["validation", pct(m.validationAccuracy), String(format: "%.4f", m.validationLoss)],
                ["gap", pct(m.trainAccuracy - m.validationAccuracy), String(format: "%.4f", m.validationLoss - m.trainLoss)],
            ], header: ["set", "accuracy", "loss"])
        s += "AUC \(String(format: "%.4f", m.auc)), advantage (best TPR - FPR) \(String(format: "%.4f", m.advantage))"
        return s
    }
}
