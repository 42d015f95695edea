import PruneKit
import PruneTUI

/// The robustness & privacy screen, its line in the Model box and its explanation.
extension ExplorerModel {
    /// Percent text of a fraction, one decimal.
    private static func pct(_ x: Double) -> String { Text.fixed(x * 100, 1) + "%" }
    private static func number(_ x: Float) -> String { Text.compact(Double(x)) }

    /// The Model box's line of the current step's figures, widest form first;
    /// nothing until they are measured.
    func robustnessModelLines() -> [[String]] {
        guard let r = currentRobustness else { return [] }
        let fgsm = r.fgsm.last, noise = r.noise.first
        let auc = r.membership.map { Text.fixed($0.auc, 3) } ?? "n/a"
        let fgsmText = fgsm.map { "FGSM \(Self.number($0.epsilon)) \(Self.pct($0.accuracy))" } ?? "FGSM n/a"
        let noiseText = noise.map { " noise \(Self.pct($0.accuracy))" } ?? ""
        let medium = fgsmText + noiseText + " AUC " + auc
        let wide = "robust: " + medium
        let short = fgsmText + " AUC " + auc
        return [[wide, medium, short]]
    }

    func renderRobustness(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        let wide = area.width >= 120
        // Stacked, the lower half is too short for the formulas: they take the whole screen.
        if showsExplanation, !wide {
            renderRobustnessExplanation(into: &buffer, area: area, context: context)
            return
        }
        let parts = Layout.split(area, wide ? .horizontal : .vertical, wide ? [.percentage(55), .fill(1)] : [.percentage(50), .fill(1)])
        let measuring = robustness.inFlight.map { "measuring step \($0.step)…" } ?? ""
        let chartInner = Block(
            title: "Robustness & privacy: val acc % and membership AUC % vs zeros %", rightTitle: measuring, focused: true
        )
        .render(into: &buffer, area: parts[0], context: context)
        let measured = session.history.enumerated().compactMap { i, step in
            robustness.figures(for: step, at: i).map { (step: i, sparsity: step.metrics.prunableSparsity * 100, report: $0) }
        }
        if !measuresRobustness {
            buffer.write(
                Text.truncate("needs training and validation data", to: chartInner.width, ellipsis: context.glyphs.ellipsis),
                x: chartInner.x, y: chartInner.y, style: context.muted)
        } else if measured.isEmpty {
            let lines = [
                "For every step: accuracy on the validation set under FGSM and PGD attacks and Gaussian noise, "
                    + "and how well a loss threshold tells training from validation samples (membership AUC, 50 % = guessing).",
                "", job == nil ? "Measuring in the background, current step first…" : "Waiting for the running job to finish…",
            ]
            writeWrapped(lines, into: &buffer, area: chartInner, style: context.muted)
        } else {
            let sorted = measured.sorted { $0.sparsity < $1.sparsity || ($0.sparsity == $1.sparsity && $0.step < $1.step) }
            let settings = RobustnessCache.settings
            var series = [LineChart.Series(name: "clean", points: sorted.map { ($0.sparsity, $0.report.clean.accuracy * 100) })]
            for (k, e) in settings.fgsmEpsilons.enumerated() {
                series.append(
                    LineChart.Series(name: "FGSM \(Self.number(e))", points: sorted.map { ($0.sparsity, $0.report.fgsm[k].accuracy * 100) })
                )
            }
            for (k, e) in settings.pgdEpsilons.enumerated() {
                series.append(
                    LineChart.Series(name: "PGD \(Self.number(e))", points: sorted.map { ($0.sparsity, $0.report.pgd[k].accuracy * 100) }))
            }
            for (k, s) in settings.noiseSigmas.enumerated() {
                series.append(
                    LineChart.Series(
                        name: "noise \(Self.number(s))", points: sorted.map { ($0.sparsity, $0.report.noise[k].accuracy * 100) }))
            }
            series.append(
                LineChart.Series(name: "AUC", points: sorted.compactMap { p in p.report.membership.map { (p.sparsity, $0.auc * 100) } }))
            LineChart(series: series, xRange: 0...100, yRange: 0...100).render(into: &buffer, area: chartInner, context: context)
        }
        if showsExplanation {
            renderRobustnessExplanation(into: &buffer, area: parts[1], context: context)
        } else {
            renderRobustnessTable(into: &buffer, area: parts[1], context: context)
        }
    }

    private func renderRobustnessTable(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        let inner = Block(title: "Per step (* = current)", rightTitle: "x: explain").render(into: &buffer, area: area, context: context)
        let settings = RobustnessCache.settings
        var columns = [
            TableColumn("#", width: .fixed(4)), TableColumn("zeros", width: .fixed(6), alignRight: true),
            TableColumn("clean", width: .fixed(6), alignRight: true),
        ]
        columns += settings.fgsmEpsilons.map { TableColumn("FGSM\(Self.number($0))", width: .fixed(8), alignRight: true) }
        columns += settings.pgdEpsilons.map { TableColumn("PGD\(Self.number($0))", width: .fixed(7), alignRight: true) }
        columns += settings.noiseSigmas.map { TableColumn("noise\(Self.number($0))", width: .fixed(8), alignRight: true) }
        columns += [TableColumn("AUC", width: .fixed(5), alignRight: true), TableColumn("adv", width: .fill(1), alignRight: true)]
        let pending = String(context.glyphs.ellipsis)
        let rows: [[TableCell]] = session.history.enumerated().map { i, step in
            let head: [TableCell] = [
                .text((i == session.cursor ? "*" : " ") + String(i)), .text(Text.fixed(step.metrics.prunableSparsity * 100, 1)),
            ]
            guard let r = robustness.figures(for: step, at: i) else {
                return head + Array(repeating: .text(pending), count: columns.count - 2)
            }
            var row = head + [.text(Self.pct(r.clean.accuracy))]
            row += r.fgsm.map { .text(Self.pct($0.accuracy)) } + r.pgd.map { .text(Self.pct($0.accuracy)) }
            row += r.noise.map { .text(Self.pct($0.accuracy)) }
            row += [
                .text(r.membership.map { Text.fixed($0.auc, 3) } ?? "n/a"),
                .text(r.membership.map { Text.fixed($0.advantage, 3) } ?? "n/a"),
            ]
            return row
        }
        _ = Table(columns: columns, rows: rows, state: TableState(selected: -1)).render(into: &buffer, area: inner, context: context)
    }

    /// The formulas, with the current step's numbers once measured.
    func robustnessExplanation() -> [String] {
        let settings = RobustnessCache.settings
        let r = currentRobustness
        func figure(_ value: Double?) -> String { value.map(Self.pct) ?? "not measured yet" }
        var out = [String]()
        let eps = settings.fgsmEpsilons.last ?? 0.1
        out.append(
            "FGSM (Goodfellow et al. 2015): x' = clip(x + eps sign(dL/dx), lo, hi), eps in normalised input units, lo/hi the data's "
                + "range after normalisation. Now, eps \(Self.number(eps)): \(figure(r?.fgsm.last?.accuracy)) correct vs \(figure(r?.clean.accuracy)) clean."
        )
        if let pgdEps = settings.pgdEpsilons.first {
            out.append(
                "PGD (Madry et al. 2018): \(settings.pgdSteps) steps of eps/4 from x, each projected back into |x' - x| <= eps and [lo, hi]. "
                    + "Now, eps \(Self.number(pgdEps)): \(figure(r?.pgd.first?.accuracy)).")
        }
        if let sigma = settings.noiseSigmas.first {
            out.append(
                "Noise: x' = clip(x + sigma N(0, 1), lo, hi), seed \(settings.seed). Now, sigma \(Self.number(sigma)): \(figure(r?.noise.first?.accuracy))."
            )
        }
        var m =
            "Membership (Yeom et al. 2018): call a sample a training member when its loss is below t. AUC = P(loss of a training sample "
        m += "< loss of a validation sample), ties half; advantage = max over t of TPR - FPR. 0.5 and 0 are guessing."
        if let mi = r?.membership {
            m += " Now: train loss \(Text.fixed(mi.trainLoss, 4)), val loss \(Text.fixed(mi.validationLoss, 4)), train - val acc "
            m += "\(Text.fixed((mi.trainAccuracy - mi.validationAccuracy) * 100, 2)) points, AUC \(Text.fixed(mi.auc, 3)), "
            m += "advantage \(Text.fixed(mi.advantage, 3))."
        }
        out.append(m)
        return out
    }

    private func renderRobustnessExplanation(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        renderExplanationPanel(title: "What these figures are", robustnessExplanation(), into: &buffer, area: area, context: context)
    }
}
