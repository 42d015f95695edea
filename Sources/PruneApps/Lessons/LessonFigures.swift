import Foundation
import PruneKit
import PruneTUI

/// Figures of the learner's own run: captured from the explorer as each
/// task is done, and written into a lesson's "what to notice" text where it
/// says `{t2.accuracy}` (task 2's figure), `{start.accuracy}` (step 0) or
/// `{now.fc1}` (the explorer as it is).
public enum LessonFigures {
    /// Fields a figure may name, besides a layer's name (its sparsity).
    public static let fields: Set<String> = [
        "accuracy", "loss", "sparsity", "shown", "speedup", "compression", "measured", "step", "threshold", "preview",
        "rewind", "fgsm", "pgd", "noise", "auc",
    ]

    /// The figures of `model` now: accuracy, loss, sparsities (applied and
    /// shown), per-layer sparsity (shown) by layer name, theoretical and
    /// measured speed-up, step, the selected layer's threshold, and once the
    /// robustness screen has measured the current step: accuracy under its
    /// largest FGSM, PGD and noise radius and the membership AUC.
    public static func capture(_ model: ExplorerModel) -> [String: Double] {
        let m = model.session.metrics
        var out: [String: Double] = [
            "sparsity": m.prunableSparsity, "compression": m.compressionRatio, "speedup": m.theoreticalSpeedup,
            "step": Double(model.session.cursor), "shown": (model.previewMetrics ?? m).prunableSparsity,
        ]
        if let a = m.accuracy { out["accuracy"] = a }
        if let l = m.loss { out["loss"] = l }
        if model.previewMetrics != nil, let p = model.previewAccuracy.value { out["preview"] = p.accuracy }
        let shown = model.previewMetrics ?? m
        for layer in model.layers {
            if let t = shown.tensors.first(where: { $0.name == layer.tensor }) { out[layer.name] = t.sparsity }
        }
        if let l = model.selected, let t = model.preview.threshold(for: l.tensor) { out["threshold"] = t }
        if let timing = model.inference.value?.last { out["measured"] = timing.total.speedup }
        if let r = model.currentRobustness {
            out["fgsm"] = r.fgsm.last?.accuracy
            out["pgd"] = r.pgd.last?.accuracy
            out["noise"] = r.noise.last?.accuracy
            out["auc"] = r.membership?.auc
        }
        // The masked network just after the last rewind, before it retrained (lottery).
        if let r = model.session.history.prefix(model.session.cursor + 1).last(where: { $0.kind == .rewind }),
            let a = r.metrics.accuracy
        {
            out["rewind"] = a
        }
        return out
    }

    /// The figures of step 0.
    static func start(_ model: ExplorerModel) -> [String: Double] {
        guard let first = model.session.history.first?.metrics else { return [:] }
        var out: [String: Double] = ["sparsity": first.prunableSparsity, "step": 0, "speedup": first.theoreticalSpeedup]
        if let a = first.accuracy { out["accuracy"] = a }
        if let l = first.loss { out["loss"] = l }
        return out
    }

    /// The first `{...}` in `text` that names no figure, if any.
    static func unknownReference(in text: String, taskCount: Int) -> String? {
        for ref in references(in: text) {
            let parts = ref.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { return ref }
            let key = parts[0], field = parts[1]
            let keyOK =
                key == "start" || key == "now"
                || (key.hasPrefix("t") && Int(key.dropFirst()).map { (1...taskCount).contains($0) } == true)
            // A layer name is any other word of letters and digits.
            let fieldOK = fields.contains(field) || (!field.isEmpty && field.allSatisfy { $0.isLetter || $0.isNumber })
            if !keyOK || !fieldOK { return ref }
        }
        return nil
    }

    static func references(in text: String) -> [String] {
        var out = [String]()
        var rest = text[...]
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            out.append(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return out
    }

    /// `text` with each `{key.field}` replaced by the learner's figure, or
    /// "…" where the task that captures it is not done yet.
    static func fill(_ text: String, captures: [Int: [String: Double]], start: [String: Double], now: [String: Double]) -> String {
        var out = ""
        var rest = text[...]
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            out += rest[..<open]
            let ref = String(rest[rest.index(after: open)..<close])
            let parts = ref.split(separator: ".", maxSplits: 1).map(String.init)
            var value: Double?
            if parts.count == 2 {
                switch parts[0] {
                case "start": value = start[parts[1]]
                case "now": value = now[parts[1]]
                default: value = Int(parts[0].dropFirst()).flatMap { captures[$0]?[parts[1]] }
                }
            }
            out += value.map { format($0, field: parts.last ?? "") } ?? "…"
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    static func format(_ v: Double, field: String) -> String {
        switch field {
        case "accuracy", "preview", "rewind": Format.percent(v, digits: 2)
        case "fgsm", "pgd", "noise": Format.percent(v, digits: 1)
        case "auc": Text.fixed(v, 3)
        case "loss": Text.fixed(v, 4)
        case "speedup", "compression", "measured": Text.fixed(v, 2) + "x"
        case "step": String(Int(v))
        case "threshold": Text.fixed(v, 5)
        default: Format.percent(v, digits: 1)
        }
    }
}
