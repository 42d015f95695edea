import PruneKit
import PruneTUI

/// The history, sensitivity and frontier screens.
extension ExplorerModel {
    var isSweeping: Bool {
        if case .sensitivity? = job?.job { return true }
        return false
    }

    func renderHistory(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        let v = session
        let inner = Block(
            title: "History (\(v.history.count) steps, * = current)", rightTitle: "Enter: jump to the selected step", focused: true
        )
        .render(into: &buffer, area: area, context: context)
        let wide = inner.width >= 100
        var columns = [
            TableColumn("#", width: .fixed(4)), TableColumn("kind", width: .fixed(10)), TableColumn("what", width: .fill(1)),
            TableColumn("zeros of prunable", width: .fixed(17), alignRight: true),
            TableColumn("val acc", width: .fixed(8), alignRight: true),
        ]
        if wide {
            columns += [
                TableColumn("val loss", width: .fixed(8), alignRight: true), TableColumn("nonzero", width: .fixed(9), alignRight: true),
                TableColumn("compr.", width: .fixed(7), alignRight: true),
            ]
        }
        let marker = "*"
        let rows: [[TableCell]] = v.history.map { s in
            let m = s.metrics
            var row: [TableCell] = [
                .text((s.id == v.cursor ? marker : " ") + String(s.id)), .text(s.kind.rawValue), .text(s.summary),
                .text(Format.percent(m.prunableSparsity)), .text(ExplorerModel.acc(m.accuracy)),
            ]
            if wide {
                row += [
                    .text(m.loss.map { Text.fixed($0, 4) } ?? "n/a"), .text(Text.compact(Double(m.parameterNonzero))),
                    .text(m.compressionRatio.isFinite ? Text.fixed(m.compressionRatio, 1) + "x" : "inf"),
                ]
            }
            return row
        }
        _ = Table(columns: columns, rows: rows, state: historyTable).render(into: &buffer, area: inner, context: context)
    }

    func renderSensitivity(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        let cols = Layout.split(area, .horizontal, [.percentage(58), .fill(1)])
        let criterion = controls.criterion.needsData ? "magnitude" : controls.criterion.rawValue
        let unit = sensitivityGranularity == .units ? "neurons/filters" : "unstructured"
        let chartInner = Block(
            title: "Sensitivity: val acc with one layer pruned alone (\(criterion), \(unit))",
            rightTitle: isSweeping ? "running" : "", focused: true
        )
        .render(into: &buffer, area: cols[0], context: context)
        if sensitivity.isEmpty {
            let lines =
                isSweeping
                ? ["measuring…"]
                : [
                    "Each layer is pruned on its own to 10 %, 30 %, … 99 % while the others keep their masks, "
                        + "and the validation accuracy is measured (Distiller-style). Layers whose curve stays flat "
                        + "can take high sparsity; steep ones need a gentler target.",
                    "Then a chooses a target per layer for an overall sparsity: each layer is pruned until its "
                        + "curve costs as much accuracy per weight as the others' (the cheapest weights go first).",
                    "", "Press Enter (or s) to run the sweep in the background.",
                ]
            writeWrapped(lines, into: &buffer, area: chartInner, style: context.muted)
        } else {
            var series = layers.map { l in
                LineChart.Series(
                    name: l.name, points: sensitivity.filter { $0.tensor == l.tensor }.map { ($0.sparsity * 100, $0.accuracy * 100) })
            }
            if let b = sensitivityBaseline { series.append(LineChart.Series(name: "now", points: [(0, b * 100), (100, b * 100)])) }
            let lo = max(0, ((sensitivity.map { $0.accuracy * 100 }.min() ?? 0) - 5) / 10).rounded(.down) * 10
            let markers = (allocation?.targets ?? []).map { LineChart.Marker(x: $0.sparsity * 100, label: shortName($0.tensor)) }
            LineChart(series: series, markers: markers, xRange: 0...100, yRange: lo...100).render(
                into: &buffer, area: chartInner, context: context)
        }
        let tableInner = Block(title: "val acc % by sparsity").render(into: &buffer, area: cols[1], context: context)
        let tableColumns =
            [TableColumn("sparsity", width: .fixed(8))] + layers.map { TableColumn($0.name, width: .fill(1), alignRight: true) }
        var rows: [[TableCell]] = ExplorerModel.sensitivitySparsities.map { s in
            [.text(Format.percent(s))]
                + layers.map { l in
                    let p = sensitivity.first { $0.tensor == l.tensor && $0.sparsity == s }
                    let skipped = sensitivitySkips.contains { $0.tensor == l.tensor && $0.sparsity == s }
                    return .text(p.map { Text.fixed($0.accuracy * 100, 1) } ?? (skipped ? "skip" : ""))
                }
        }
        if let allocation {
            rows.append(
                [.text("chosen")]
                    + layers.map { l in .text(allocation.targets.first { $0.tensor == l.tensor }.map { Format.percent($0.sparsity) } ?? "")
                    })
        }
        var notes =
            sensitivitySkips.prefix(3).map { "skip: \($0.tensor) at \(Format.percent($0.sparsity)): \($0.reason)" }
            + (sensitivitySkips.count > 3 ? ["… and \(sensitivitySkips.count - 3) more skipped"] : [])
        if let allocation {
            notes.append(
                "chosen for \(Format.percent(allocation.achievedSparsity)): predicted acc "
                    + "\(Format.percent(allocation.predictedAccuracy)), A applies")
        } else if !sensitivity.isEmpty, !isSweeping {
            notes.append("a: allocate per-layer targets")
        }
        let parts = Layout.split(tableInner, .vertical, [.fill(1), .fixed(min(notes.count, max(0, tableInner.height - 3)))])
        _ = Table(columns: tableColumns, rows: rows, state: TableState(selected: -1)).render(
            into: &buffer, area: parts[0], context: context)
        for (i, note) in notes.enumerated() where i < parts[1].height {
            buffer.write(
                Text.truncate(note, to: parts[1].width, ellipsis: context.glyphs.ellipsis), x: parts[1].x, y: parts[1].y + i,
                style: context.muted)
        }
    }

    func renderFrontier(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        let v = session
        let cols = Layout.split(area, .horizontal, [.percentage(60), .fill(1)])
        let chartInner = Block(title: "Frontier: val acc % vs zeros of prunable weights %", focused: true)
            .render(into: &buffer, area: cols[0], context: context)
        // Every recorded step (undone ones too): the best accuracy reached at each sparsity so far.
        let points = v.history.compactMap { s in s.metrics.accuracy.map { (x: s.metrics.prunableSparsity * 100, y: $0 * 100) } }
        var frontier = [(x: Double, y: Double)]()
        for p in points.sorted(by: { $0.x < $1.x || ($0.x == $1.x && $0.y > $1.y) })
        where !frontier.contains(where: { $0.x >= p.x && $0.y >= p.y }) {
            frontier.removeAll { $0.x <= p.x && $0.y <= p.y }
            frontier.append(p)
        }
        var series = [
            LineChart.Series(name: "steps", points: points.sorted { $0.x < $1.x }),
            LineChart.Series(name: "frontier", points: frontier.sorted { $0.x < $1.x }),
        ]
        if let dense = v.history.first?.metrics.accuracy {
            series.append(LineChart.Series(name: "start", points: [(0, dense * 100), (100, dense * 100)]))
        }
        let lo = max(0, ((points.map(\.y).min() ?? 0) - 5).rounded(.down))
        LineChart(series: series, xRange: 0...100, yRange: lo...100).render(into: &buffer, area: chartInner, context: context)
        let tableInner = Block(title: "Steps on the frontier").render(into: &buffer, area: cols[1], context: context)
        let columns = [
            TableColumn("zeros", width: .fixed(7), alignRight: true), TableColumn("val acc", width: .fixed(8), alignRight: true),
            TableColumn("compr.", width: .fill(1), alignRight: true),
        ]
        let rows: [[TableCell]] = frontier.sorted { $0.x < $1.x }.map { p in
            let step = v.history.first { $0.metrics.prunableSparsity * 100 == p.x && ($0.metrics.accuracy ?? -1) * 100 == p.y }
            let c = step?.metrics.compressionRatio ?? 1
            return [.text(Text.fixed(p.x, 1) + "%"), .text(Text.fixed(p.y, 2) + "%"), .text(c.isFinite ? Text.fixed(c, 1) + "x" : "inf")]
        }
        _ = Table(columns: columns, rows: rows, state: TableState(selected: -1)).render(into: &buffer, area: tableInner, context: context)
    }
}
