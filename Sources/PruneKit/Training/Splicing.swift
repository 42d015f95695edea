/// Dynamic network surgery (Guo et al. 2016): during retraining, pruned
/// weights keep receiving gradient updates and come back when their
/// magnitude passes an upper threshold, while kept weights that fall below
/// a lower threshold leave.
///
/// Pruned weights resume from the values they had when they were pruned
/// (the session's snapshots keep them), as in the paper, where W is masked
/// and never zeroed. Each masked tensor gets a threshold t at the start of the run: the
/// smallest magnitude it keeps, ignoring the lowest 1 % of kept weights (for
/// a magnitude-pruned tensor, just above the threshold that pruned it; the
/// 1 % keeps a few kept weights near 0, e.g. after random pruning, from
/// putting t at 0 and reviving everything). Pruning cuts below a = (1 - margin) t and splicing restores
/// above b = (1 + margin) t; between the two a weight keeps its state, so
/// weights near t do not flicker. Thresholds stay fixed for the run, as in
/// the paper; the sparsity may drift, and the step records where it went.
public struct SplicingSettings: Codable, Sendable, Equatable {
    /// Optimiser steps between mask updates (1 = after every step).
    public var interval: Int
    /// Half-width of the hysteresis band around t, as a fraction of t.
    public var margin: Double

    public init(interval: Int = 10, margin: Double = 0.1) {
        self.interval = interval
        self.margin = margin
    }

    /// One line for summaries: "splicing every 10 steps, band ±10 %".
    public var summary: String {
        "splicing every \(Format.count(interval, "step")), band ±\(Format.percent(margin, digits: 0))"
    }
}

/// Carries the dense weights of a splicing run between optimiser steps.
///
/// Before a step it hands the optimiser the dense weights without masks, so
/// every weight, pruned or not, follows the gradient of the masked network;
/// after the step it keeps the dense weights, updates the masks every
/// `interval` steps, and puts the masked weights back, so the forward pass
/// only ever sees pruned weights at exactly 0. One thread, one run.
final class Splicer {
    let settings: SplicingSettings
    private let parameters: [Parameter]
    private var dense: [String: Tensor] = [:]
    private var lower: [String: Float] = [:]
    private var upper: [String: Float] = [:]
    private let startMasks: [String: Tensor]
    /// Masks as the last update left them.
    private var current: [String: Tensor] = [:]

    /// Splices every parameter of `parameters` that has a mask. `shadow`
    /// gives pruned weights the values they had before they were pruned
    /// (Guo et al. never zero W, they mask it); without it they start at 0.
    init(parameters: [Parameter], settings: SplicingSettings, shadow: [String: Tensor] = [:]) {
        self.settings = settings
        self.parameters = parameters.filter { $0.mask != nil }
        var masks = [String: Tensor]()
        for p in self.parameters {
            guard let mask = p.mask else { continue }
            masks[p.name] = mask
            if let s = shadow[p.name], s.shape == p.value.shape { dense[p.name] = s } else { dense[p.name] = p.value }
            let t = Splicer.smallestKept(p.value, mask: mask)
            lower[p.name] = Float(1 - settings.margin) * t
            upper[p.name] = Float(1 + settings.margin) * t
        }
        startMasks = masks
    }

    /// The |w| at the 1st percentile of the kept weights' magnitudes (0 if none are kept).
    static func smallestKept(_ value: Tensor, mask: Tensor) -> Float {
        var kept = [Float]()
        kept.reserveCapacity(value.count)
        for i in 0..<value.count where mask.data[i] != 0 { kept.append(abs(value.data[i])) }
        guard !kept.isEmpty else { return 0 }
        kept.sort()
        return kept[kept.count / 100]
    }

    /// Hands the optimiser the dense weights, unmasked.
    func willStep() {
        for p in parameters {
            guard let w = dense[p.name] else { continue }
            p.value = w
            p.mask = nil
        }
    }

    /// Keeps the updated dense weights, updates masks on every `interval`-th
    /// step, and puts the masked weights back.
    func didStep(_ step: Int) {
        let update = settings.interval <= 1 || step % settings.interval == 0
        for p in parameters {
            let w = p.value
            dense[p.name] = w
            guard var mask = startMasksOrCurrent(p) else { continue }
            if update, let a = lower[p.name], let b = upper[p.name] {
                for i in 0..<w.count {
                    let m = abs(w.data[i])
                    if m < a { mask.data[i] = 0 } else if m > b { mask.data[i] = 1 }
                }
            }
            current[p.name] = mask
            p.mask = mask
            p.applyMask()
        }
    }

    private func startMasksOrCurrent(_ p: Parameter) -> Tensor? { current[p.name] ?? startMasks[p.name] }

    /// Per tensor: weights pruned during the run (kept at the start, pruned
    /// at the end) and weights that came back (the reverse).
    var changes: [(tensor: String, pruned: Int, returned: Int)] {
        parameters.map { p in
            guard let before = startMasks[p.name], let after = current[p.name] ?? p.mask else { return (p.name, 0, 0) }
            var pruned = 0, returned = 0
            for i in 0..<before.count {
                if before.data[i] != 0, after.data[i] == 0 { pruned += 1 }
                if before.data[i] == 0, after.data[i] != 0 { returned += 1 }
            }
            return (p.name, pruned, returned)
        }
    }
}

extension PruningSession {
    /// Every masked weight with the value it had when it was last kept,
    /// found by walking the snapshots back from the cursor (kept weights as
    /// they are now): what splicing lets pruned weights resume from.
    func splicingShadow() -> [String: Tensor] {
        var out = [String: Tensor]()
        for p in model.parameters where p.role == .weight {
            guard let mask = p.mask else { continue }
            var value = p.value
            var missing = (0..<mask.count).filter { mask.data[$0] == 0 }
            var index = cursor
            while !missing.isEmpty, index >= 0 {
                let snapshot = snapshots[index]
                if let old = snapshot.values[p.name], old.count == value.count {
                    let oldMask = snapshot.masks[p.name]
                    missing = missing.filter { i in
                        if let oldMask, oldMask.data[i] == 0 { return true }
                        value.data[i] = old.data[i]
                        return false
                    }
                }
                index -= 1
            }
            out[p.name] = value
        }
        return out
    }

    /// A retrain step's record of a splicing run: "splicing" (for the
    /// summary: "splicing: 1.2k pruned, 350 returned"), totals, and per
    /// tensor "name=-pruned/+returned".
    static func splicingParameters(_ splicer: Splicer) -> [String: String] {
        let changes = splicer.changes
        let pruned = changes.reduce(0) { $0 + $1.pruned }
        let returned = changes.reduce(0) { $0 + $1.returned }
        return [
            "splicing": "splicing: \(Format.grouped(pruned)) pruned, \(Format.grouped(returned)) returned",
            "splicing_settings": splicer.settings.summary,
            "spliced_pruned": String(pruned),
            "spliced_returned": String(returned),
            "spliced_per_tensor": changes.map { "\($0.tensor)=-\($0.pruned)/+\($0.returned)" }.joined(separator: ","),
        ]
    }
}
