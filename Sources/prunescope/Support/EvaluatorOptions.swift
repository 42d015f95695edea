import ArgumentParser
import PruneKit

/// `--evaluator` and its settings: the user's own evaluation as a child
/// process speaking the evaluator protocol (docs/evaluator-protocol.md).
struct EvaluatorOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Measure with your own evaluation: a shell command speaking PruneScope's evaluator protocol "
                + "(e.g. 'python3 evaluators/numpy_mlp.py --model SampleModels/digits-mlp'; see docs/evaluator-protocol.md).",
            valueName: "command"))
    var evaluator: String?
    @Option(name: .customLong("evaluator-timeout"), help: "Seconds an evaluation may take before the evaluator is stopped.")
    var evaluatorTimeout: Double = 300
    @Option(name: .customLong("evaluator-startup"), help: "Seconds the evaluator may take to start (its hello).")
    var evaluatorStartup: Double = 120
    @Option(
        name: .customLong("evaluator-log"),
        help: "File the evaluator's stderr is appended to (default: prunescope-evaluator.log in the temp directory).")
    var evaluatorLog: String?

    /// The evaluator, started (its hello read), or nil without `--evaluator`.
    func start() throws -> ExternalEvaluator? {
        guard let evaluator else { return nil }
        guard !evaluator.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw PruningError("--evaluator", "give a command")
        }
        for (value, name) in [(evaluatorTimeout, "--evaluator-timeout"), (evaluatorStartup, "--evaluator-startup")]
        where !(value.isFinite && value > 0) {
            throw PruningError(name, "give a positive number of seconds")
        }
        let external = try ExternalEvaluator(
            settings: EvaluatorSettings(
                command: evaluator, startupTimeout: evaluatorStartup, timeout: evaluatorTimeout, logPath: evaluatorLog))
        try external.start()
        return external
    }
}
