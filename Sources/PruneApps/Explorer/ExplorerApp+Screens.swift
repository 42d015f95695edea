import Foundation
import PruneKit
import PruneTUI

/// The history, sensitivity and frontier screens.
extension ExplorerApp {
    mutating func renderHistory(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        let v = sessionView
        let inner = Block(title: "History (\(v.history.count) steps, * = current)", rightTitle: "Enter: jump to the selected step", focused: true)
            .render(into: &buffer, area: area, context: context)
        areas.historyTable = inner
        let wide = inner.width >= 100
        var columns = [TableColumn("#", width: .fixed(4)), TableColumn("kind", width: .fixed(10)), TableColumn("what", width: .fill(1)),
                       TableColumn("zeros of prunable", width: .fixed(17), alignRight: true),
                       TableColumn("val acc", width: .fixed(8), alignRight: true)]
        if wide {
            columns += [TableColumn("val loss", width: .fixed(8), alignRight: true), TableColumn("nonzero", width: .fixed(9), alignRight: true),
                        TableColumn("compr.", width: .fixed(7), alignRight: true)]
        }
        let marker = "*"
        let rows: [[TableCell]] = v.history.map { s in
            let m = s.metrics
            var row: [TableCell] = [.text((s.id == v.cursor ? marker : " ") + String(s.id)), .text(s.kind.rawValue), .text(s.summary),
                                    .text(Text.percent(m.prunableSparsity)), .text(ExplorerApp.acc(m.accuracy))]
            if wide {
                row += [.text(m.loss.map { Text.fixed($0, 4) } ?? "n/a"), .text(Text.compact(Double(m.parameterNonzero))),
                        .text(m.compressionRatio.isFinite ? Text.fixed(m.compressionRatio, 1) + "x" : "inf")]
            }
            return row
        }
        historyTable = Table(columns: columns, rows: rows, state: historyTable).render(into: &buffer, area: inner, context: context)
    }

    mutating func renderSensitivity(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        let cols = Layout.split(area, .horizontal, [.percentage(58), .fill(1)])
        let criterion = controls.criterion.needsData ? "magnitude" : controls.criterion.rawValue
        let chartInner = Block(title: "Sensitivity: val acc with one layer pruned alone (\(criterion), unstructured)",
                               rightTitle: job?.kind == .sensitivity ? "running" : "", focused: true)
            .render(into: &buffer, area: cols[0], context: context)
        if sensitivity.isEmpty {
            let lines = job?.kind == .sensitivity ? ["measuring…"] : [
                "Each layer is pruned on its own to 10 %, 20 %, … 98 % while the others keep their masks,",
                "and the validation accuracy is measured (Distiller-style). Layers whose curve stays flat",
                "can take high sparsity; steep ones need a gentler target.",
                "", "Press Enter (or s) to run the sweep in the background.",
            ]
            var y = chartInner.y
            for l in lines { for w in ExplorerApp.wrap(l, width: chartInner.width) where y < chartInner.maxY { buffer.write(w, x: chartInner.x, y: y, style: context.muted); y += 1 } }
        } else {
            var series = layers.map { l in
                LineChart.Series(name: l.name, points: sensitivity.filter { $0.tensor == l.tensor }.map { ($0.sparsity * 100, $0.accuracy * 100) })
            }
            if let b = sensitivityBaseline { series.append(LineChart.Series(name: "now", points: [(0, b * 100), (100, b * 100)])) }
            let lo = max(0, ((sensitivity.map { $0.accuracy * 100 }.min() ?? 0) - 5) / 10).rounded(.down) * 10
            LineChart(series: series, xRange: 0...100, yRange: lo...100).render(into: &buffer, area: chartInner, context: context)
        }
        let tableInner = Block(title: "val acc % by sparsity").render(into: &buffer, area: cols[1], context: context)
        let tableColumns = [TableColumn("sparsity", width: .fixed(8))] + layers.map { TableColumn($0.name, width: .fill(1), alignRight: true) }
        let rows: [[TableCell]] = ExplorerApp.sensitivitySparsities.map { s in
            [.text(Text.percent(s))] + layers.map { l in
                let p = sensitivity.first { $0.tensor == l.tensor && $0.sparsity == s }
                return .text(p.map { Text.fixed($0.accuracy * 100, 1) } ?? "")
            }
        }
        _ = Table(columns: tableColumns, rows: rows, state: TableState(selected: -1)).render(into: &buffer, area: tableInner, context: context)
    }

    mutating func renderFrontier(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        let v = sessionView
        let cols = Layout.split(area, .horizontal, [.percentage(60), .fill(1)])
        let chartInner = Block(title: "Frontier: val acc % vs zeros of prunable weights %", focused: true)
            .render(into: &buffer, area: cols[0], context: context)
        // Every recorded step (undone ones too): the best accuracy reached at each sparsity so far.
        let points = v.history.compactMap { s in s.metrics.accuracy.map { (x: s.metrics.prunableSparsity * 100, y: $0 * 100) } }
        var frontier = [(x: Double, y: Double)]()
        for p in points.sorted(by: { $0.x < $1.x || ($0.x == $1.x && $0.y > $1.y) }) where !frontier.contains(where: { $0.x >= p.x && $0.y >= p.y }) {
            frontier.removeAll { $0.x <= p.x && $0.y <= p.y }
            frontier.append(p)
        }
        var series = [LineChart.Series(name: "steps", points: points.sorted { $0.x < $1.x }),
                      LineChart.Series(name: "frontier", points: frontier.sorted { $0.x < $1.x })]
        if let dense = v.history.first?.metrics.accuracy {
            series.append(LineChart.Series(name: "start", points: [(0, dense * 100), (100, dense * 100)]))
        }
        let lo = max(0, ((points.map(\.y).min() ?? 0) - 5).rounded(.down))
        LineChart(series: series, xRange: 0...100, yRange: lo...100).render(into: &buffer, area: chartInner, context: context)
        let tableInner = Block(title: "Steps on the frontier").render(into: &buffer, area: cols[1], context: context)
        let columns = [TableColumn("zeros", width: .fixed(7), alignRight: true), TableColumn("val acc", width: .fixed(8), alignRight: true),
                       TableColumn("compr.", width: .fill(1), alignRight: true)]
        let rows: [[TableCell]] = frontier.sorted { $0.x < $1.x }.map { p in
            let step = v.history.first { $0.metrics.prunableSparsity * 100 == p.x && ($0.metrics.accuracy ?? -1) * 100 == p.y }
            let c = step?.metrics.compressionRatio ?? 1
            return [.text(Text.fixed(p.x, 1) + "%"), .text(Text.fixed(p.y, 2) + "%"), .text(c.isFinite ? Text.fixed(c, 1) + "x" : "inf")]
        }
        _ = Table(columns: columns, rows: rows, state: TableState(selected: -1)).render(into: &buffer, area: tableInner, context: context)
    }

    /// Paragraphs explaining the active criterion, granularity, scope and
    /// schedule with the numbers of the selected layer.
    func explanation() -> [String] {
        guard let l = selected else { return ["No prunable layers."] }
        let c = controls
        var out = [String]()
        let s = workspace.slider(for: l.tensor)
        let values = sessionView.values[l.tensor]
        let sigma: Double = values.map { v in
            let n = Double(max(1, v.count))
            let mean = v.data.reduce(0.0) { $0 + Double($1) } / n
            return (v.data.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n).squareRoot()
        } ?? 0
        let sparsityNow = previewMetrics?.tensors.first { $0.name == l.tensor }?.sparsity
            ?? sessionView.metrics.tensors.first { $0.name == l.tensor }?.sparsity ?? 0
        switch c.criterion {
        case .magnitude:
            var t = "Magnitude: a weight matters as much as |w|; the smallest go first (PyTorch l1_unstructured)."
            if let th = isBusy ? nil : workspace.effectiveThreshold(for: l.tensor) {
                let q = sigma > 0 ? th / sigma : 0
                t += " Now: prune |w| < \(Text.fixed(th, 5)) = \(Text.fixed(q, 2)) x sigma(\(l.name)) (sigma = \(Text.fixed(sigma, 5))),"
                t += " \(Text.percent(sparsityNow)) of its \(Text.compact(Double(l.count))) weights; Han et al. call \(Text.fixed(q, 2)) the quality parameter."
            }
            out.append(t)
        case .random:
            out.append("Random: every weight gets a seeded uniform random score. The baseline: a criterion that cannot beat it at the same sparsity has learned nothing.")
        case .taylor:
            out.append("First-order Taylor (Molchanov et al.): importance |w x dL/dw| summed over \(c.taylorBatches) batches of \(workspace.batchSize): the loss change a first-order expansion predicts if w were set to 0.")
        case .snip:
            out.append("SNIP (Lee et al. 2019): s = |g x w| / sum |g x w| on one batch of \(workspace.batchSize); the top-k connections are kept.")
        case .l1Norm, .l2Norm:
            let n = c.criterion == .l1Norm ? "L1 norm (sum |w|, Li et al. 2017)" : "L2 norm (PyTorch ln_structured, n = 2)"
            out.append("\(n) of each neuron or filter ranks whole units; with single-weight granularity it is |w| (L1) or w^2 (L2).")
        }
        switch c.granularity {
        case .unstructured:
            out.append("Unstructured: single weights. Masks leave the tensor dense: the speed-up is theoretical until a sparse kernel runs it (export measures CSR inference).")
        case .twoOfFour:
            out.append("2:4: in every 4 consecutive inputs of a neuron the 2 lowest-scoring go, 50 % exactly; the pattern sparse tensor cores accelerate.")
        case .units:
            out.append("Neuron/filter: whole rows of \(l.name) go, with the next layer's matching inputs, so the exported model is physically smaller. Slider = fraction of units.")
        case .block:
            out.append("Block 4x4: whole 4x4 tiles of the weight matrix go together, scored by their sum.")
        }
        if c.scope == .global {
            let total = layers.reduce(0) { $0 + $1.count }
            out.append("Global: one ranking over all \(Text.compact(Double(total))) prunable weights (PyTorch global_unstructured): the k = round(s x N) smallest go, so layers end at different sparsities.")
        } else {
            out.append("Per layer: \(l.name) is ranked on its own; other layers keep their own sliders (Enter applies every * layer).")
        }
        let target = c.effectiveSliderMode == .sparsity ? s.value : sparsityNow
        switch c.schedule {
        case .oneShot:
            out.append("p, one-shot: prune once to the target, no retraining.")
        case .iterative:
            let steps = (1...c.rounds).map { Text.percent(Schedule.roundSparsity($0, of: c.rounds, target: target)) }.joined(separator: ", ")
            out.append("p, iterative (Han et al.): \(c.rounds) rounds of prune-then-retrain reaching \(steps); each prunes the same fraction of the remaining weights and retrains \(c.retrainEpochs) epoch(s) at lr \(Text.compact(Double(c.learningRate))).")
        case .gradual:
            let last = 1 + c.gradualFrequency * c.gradualUpdates
            out.append("p, gradual (Zhu & Gupta): during training s_t = s_f + (s_i - s_f)(1 - (t - t0)/(n dt))^3 with s_i 0, s_f \(Text.percent(target)), t0 1, dt \(c.gradualFrequency), n \(c.gradualUpdates): masks recomputed at steps 1, \(1 + c.gradualFrequency), ..., \(last), then frozen.")
        case .lottery:
            out.append("p, lottery ticket (Frankle & Carbin): prune 1-(1-s)^(1/\(c.rounds)) of the remaining weights per round, reset the survivors to their \(c.rewindIteration == 0 ? "initial" : "iteration-\(c.rewindIteration)") values, retrain; \(c.rounds) rounds.")
        }
        return out
    }
}
