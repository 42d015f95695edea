import Foundation

extension PruningReport {
    /// The "Robustness and privacy" section: per step, clean, FGSM, PGD and
    /// noise accuracy and the membership attack; nothing when not measured.
    func robustnessMarkdown() -> String {
        guard let robustness, let first = robustness.first else { return "" }
        func pct(_ x: Double) -> String { Format.percent(x, digits: 2) }
        func number(_ x: Float) -> String { String(format: "%g", Double(x)) }
        let r = first.report
        var s = "\n## Robustness and privacy\n\n"
        s += "On the \(r.split.rawValue) split (\(r.count) samples); inputs clipped to "
        s += "\(first.range.summary) (the raw data's range after normalisation). FGSM: x + eps sign(grad_x L); PGD: steps of eps/4 "
        s += "projected to the eps ball; noise: x + sigma N(0, 1), seeded. Membership: a loss-threshold attack "
        s += "(Yeom et al. 2018) telling training from validation samples; AUC 0.5 and advantage 0 are guessing.\n\n"
        var header = "| Step | Prunable sparsity | Clean |"
        for f in r.fgsm { header += " FGSM \(number(f.epsilon)) |" }
        for p in r.pgd { header += " PGD \(number(p.epsilon)) x\(p.steps) |" }
        for n in r.noise { header += " Noise \(number(n.sigma)) |" }
        header += " Train - validation accuracy | Membership AUC | Advantage |"
        s += header + "\n|" + String(repeating: "---|", count: header.filter { $0 == "|" }.count - 1) + "\n"
        for step in robustness {
            let f = step.report
            var row = "| \(step.step) | \(pct(step.prunableSparsity)) | \(pct(f.clean.accuracy)) |"
            for x in f.fgsm { row += " \(pct(x.accuracy)) |" }
            for x in f.pgd { row += " \(pct(x.accuracy)) |" }
            for x in f.noise { row += " \(pct(x.accuracy)) |" }
            if let m = f.membership {
                row += " \(pct(m.trainAccuracy - m.validationAccuracy)) | \(String(format: "%.4f", m.auc))"
                row += " | \(String(format: "%.4f", m.advantage)) |"
            } else {
                row += " n/a | n/a | n/a |"
            }
            s += row + "\n"
        }
        return s
    }
}
