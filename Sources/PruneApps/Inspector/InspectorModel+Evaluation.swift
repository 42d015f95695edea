import PruneKit
import PruneTUI

/// What the inspector's slider cuts: the masks an export or an evaluation
/// of the screen's state is made from.
public struct InspectorCut: Equatable, Sendable {
    public var tensors: [String]
    public var scope: Scope
    public var twoOfFour: Bool
    public var amount: Double
}

/// The user's own evaluation of the cut on screen (`open CHECKPOINT
/// --evaluator CMD`): asked for on a tick after the cut changes, one at a
/// time, the stale one cancelled, so a held key does not queue evaluations.
extension InspectorModel {
    /// The cut on screen, once the statistics say which tensors are prunable.
    var currentCut: InspectorCut? {
        guard inspection != nil else { return nil }
        let names = prunableNames
        guard !names.isEmpty else { return nil }
        return InspectorCut(tensors: names, scope: scope, twoOfFour: twoOfFour, amount: slider.value)
    }

    /// After every event: a new cut wants a new evaluation, and the running
    /// one (for the old cut) is told to stop.
    mutating func noteCutChange() {
        guard evaluator != nil else { return }
        let cut = currentCut
        guard cut != evaluatedCut else { return }
        evaluatedCut = cut
        evaluationProblem = nil
        if evaluation.inFlight != nil { outbox.append(.cancelEvaluation) }
        evaluation.invalidate(wanted: cut != nil)
    }

    mutating func receiveEvaluation(_ result: EvaluatorResult?, generation: Int) {
        guard evaluation.receive(result, generation: generation), let result else { return }
        if evaluatedCut?.amount == 0, evaluatedCut?.twoOfFour == false { unprunedEvaluation = result }
    }

    /// The header's figure: the evaluator's primary metric for the cut
    /// ("accuracy 93.80%"), "evaluating…" while it runs, or what failed.
    var evaluationSummary: String? {
        guard let evaluator else { return nil }
        let metric = evaluator.primary
        if let result = evaluation.value, let value = result.metrics[metric.name] {
            return "\(metric.name) \(metric.formatted(value))"
        }
        if evaluationProblem != nil { return "\(metric.name) failed" }
        return evaluation.isPending ? "\(metric.name) …" : nil
    }
}
