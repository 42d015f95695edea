import PruneKit
import PruneTUI

/// Per-layer targets from the sensitivity curves (`a` and `A` on the
/// sensitivity screen): chosen at once from the sweep in hand (a few
/// microseconds of arithmetic), drawn over the curves, applied as one step.
extension ExplorerModel {
    /// Why an allocation cannot be made now, if it cannot.
    func allocationUnavailable() -> String? {
        if isSweeping { return "wait for the sweep to finish" }
        if sensitivity.isEmpty { return "run the sweep first (Enter): the allocation reads its curves" }
        if sensitivityGranularity != .unstructured {
            return "the explorer allocates single weights; sweep with unstructured granularity (n), or use prune --allocate"
        }
        return nil
    }

    /// Parses an overall sparsity ("95%", "0.95" or "95") and chooses the
    /// targets; returns an error text for the prompt if it cannot.
    mutating func allocate(_ text: String, now: Double) -> String? {
        if let why = allocationUnavailable() { return why }
        guard let typed = Self.typedNumber(text) else { return "\"\(text)\" is not a sparsity (e.g. 95%)" }
        let target = Self.sparsityFraction(typed)
        guard target < 1 else { return "a sparsity must be below 100 %" }
        let sweep = SensitivityResult(
            baselineAccuracy: sensitivityBaseline ?? session.metrics.accuracy ?? 0, baselineLoss: session.metrics.loss ?? 0,
            points: sensitivity, skipped: sensitivitySkips, cancelled: false)
        do {
            let names = Set(sensitivity.map(\.tensor))
            let chosen = try SensitivityAllocation.choose(
                target: target,
                layers: try SensitivityAllocation.layers(
                    layers.map(\.tensor).filter(names.contains), of: session.model, granularity: .unstructured),
                sweep: sweep)
            allocation = chosen
            toast(
                "allocated \(Format.percent(chosen.achievedSparsity)): predicted acc \(Format.percent(chosen.predictedAccuracy)); A applies",
                now: now)
            return nil
        } catch let error as PruningError {
            return error.problem
        } catch {
            return "\(error)"
        }
    }

    /// Applies the allocation's targets as one magnitude prune step.
    mutating func applyAllocation(now: Double) {
        guard let chosen = allocation else {
            toast("nothing allocated yet: a chooses per-layer targets from the curves", .warning, now: now)
            return
        }
        let request = PruneRequest(
            tensors: chosen.targets.map(\.tensor), criterion: .magnitude, granularity: .unstructured, scope: .layer,
            amount: chosen.amount)
        if startJob(.apply(request), now: now) {
            allocation = nil
            toast(
                "applying " + chosen.targets.map { "\(shortName($0.tensor)) \(Format.percent($0.sparsity))" }.joined(separator: ", "),
                now: now)
        }
    }

    /// "fc1" for "fc1.weight".
    func shortName(_ tensor: String) -> String {
        layers.first { $0.tensor == tensor }?.name ?? tensor
    }
}
