import PruneKit

extension PruneCommand {
    /// What an adaptive run did, for the terminal: where it ended, how many
    /// attempts and back-offs, and the retraining it spent.
    static func adaptiveSummary(_ session: PruningSession) -> String {
        let steps = session.steps[1...session.cursor]
        let attempts = steps.filter { $0.kind == .prune }.count
        let backoffs = steps.filter { $0.kind == .backoff }.count
        let epochs = steps.filter { $0.kind == .retrain }.reduce(0) { $0 + $1.epochs.count }
        let start = session.steps[0].metrics, end = session.current.metrics
        return "adaptive: \(Format.count(attempts, "attempt")), \(Format.count(backoffs, "back-off")), "
            + "\(Format.count(epochs, "retraining epoch")); ended at \(Format.percent(end.prunableSparsity, digits: 2)) sparsity, "
            + "accuracy \(Format.percent(start.accuracy, digits: 2)) -> \(Format.percent(end.accuracy, digits: 2))"
    }
}
