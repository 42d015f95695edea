import PruneKit
import PruneTUI

/// The explorer's screen, drawn from the model alone: nothing here changes
/// state or starts work (memos only remember what a frame computed).
extension ExplorerModel {
    public func render(into buffer: inout CellBuffer, context: DrawContext) {
        let areas = layout
        renderHeader(into: &buffer, area: areas.header, context: context)
        switch screen {
        case .main: renderMain(into: &buffer, areas: areas, context: context)
        case .history: renderHistory(into: &buffer, area: areas.historyBlock, context: context)
        case .sensitivity: renderSensitivity(into: &buffer, area: areas.body, context: context)
        case .frontier: renderFrontier(into: &buffer, area: areas.body, context: context)
        case .robustness: renderRobustness(into: &buffer, area: areas.body, context: context)
        case .boundary: renderBoundary(into: &buffer, area: areas.body, context: context)
        }
        renderBottomLine(into: &buffer, area: areas.bottomLine, context: context)
        if modal == nil { renderLessons(into: &buffer, areas: areas, context: context) }
        switch modal {
        case .settings(let row)?: renderSettings(row: row, into: &buffer, area: buffer.bounds, context: context)
        case .help(let scroll)?:
            help(unicode: context.glyphs.isUnicode).render(
                into: &buffer, area: areas.full, context: context, state: HelpState(scroll: scroll))
        case .prompt(let p)?: PruneTUI.Prompt(state: p.state).render(into: &buffer, area: buffer.bounds, context: context)
        case .confirm(let c)?: renderConfirmation(c, into: &buffer, area: buffer.bounds, context: context)
        case nil: break
        }
    }

    /// Text of an accuracy, or "n/a".
    static func acc(_ a: Double?) -> String { a.map { Text.fixed($0 * 100, 2) + "%" } ?? "n/a" }

    static func ratio(_ x: Double) -> String { x.isFinite ? Text.fixed(x, 1) + "x" : "inf" }

    func renderHeader(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        let now = session.metrics
        let dense = session.history.first?.metrics.accuracy
        var left = " PruneScope · \(info.modelName) (\(info.datasetName)) · step \(session.cursor)/\(session.history.count - 1)"
        var right = "val acc \(ExplorerModel.acc(now.accuracy)) (start \(ExplorerModel.acc(dense)))"
        if previewMetrics != nil {
            right += " · preview " + (previewAccuracy.value.map { ExplorerModel.acc($0.accuracy) } ?? "…")
        }
        let figures =
            " · \(Format.percent(now.prunableSparsity)) of prunable zero · \(ExplorerModel.ratio(now.compressionRatio)) compression"
            + " · \(ExplorerModel.ratio(now.theoreticalSpeedup)) FLOPs speed-up"
        if CellBuffer.columns(of: left + right + figures) + 2 <= area.width { right += figures }
        let screenName = " · \(screen.rawValue):\(screen.title)"
        if CellBuffer.columns(of: left + right + screenName) + 2 <= area.width { left += screenName }
        TitleBar(left: left, right: right + " ").render(into: &buffer, area: area, context: context)
    }

    /// The newest message, then the job's progress or the key hints in the rest of the line.
    func renderBottomLine(into buffer: inout CellBuffer, area full: Rect, context: DrawContext) {
        let area = toasts.renderBeside(into: &buffer, row: full, context: context)
        guard area.width > 0 else { return }
        if let j = job {
            JobStatusBar(title: j.title, fraction: j.fraction, status: j.status).render(into: &buffer, area: area, context: context)
            return
        }
        let hintContext = lessons.overlay != nil ? KeyContext.lessons : KeyContext.of(screen)
        KeyHintBar(ExplorerKeys.hints(for: hintContext, unicode: context.glyphs.isUnicode))
            .render(into: &buffer, area: area, context: context)
    }

    // MARK: Main screen

    func renderMain(into buffer: inout CellBuffer, areas: ExplorerLayout, context: DrawContext) {
        renderLayerTable(into: &buffer, area: areas.layersBlock, context: context)
        renderTotals(into: &buffer, area: areas.totalsBlock, context: context)
        renderHistogramPane(into: &buffer, areas: areas, context: context)
        if showsExplanation {
            renderExplanation(into: &buffer, area: areas.heatmapBlock, context: context)
        } else {
            renderHeatmap(into: &buffer, area: areas.heatmapBlock, context: context)
        }
        renderChart(into: &buffer, area: areas.chartBlock, context: context)
    }

    /// Per tensor: sparsity now, and with the preview if it changes.
    func sparsities() -> [String: (now: Double, preview: Double?)] {
        var out = [String: (Double, Double?)]()
        for t in session.metrics.tensors { out[t.name] = (t.sparsity, nil) }
        if let p = previewMetrics {
            for t in p.tensors where out[t.name]?.0 != t.sparsity { out[t.name] = (out[t.name]?.0 ?? 0, t.sparsity) }
        }
        return out
    }

    func renderLayerTable(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        let inner = Block(title: "Layers", rightTitle: controls.scope == .global ? "global" : "", focused: focus.isFocused(0))
            .render(into: &buffer, area: area, context: context)
        let s = sparsities()
        let wide = inner.width >= 34, wider = inner.width >= 42
        let rows: [[TableCell]] = layers.map { l in
            let (now, preview) = s[l.tensor] ?? (0, nil)
            let shown = preview ?? now
            let pct = Format.percent(shown) + (preview != nil ? "*" : " ")
            return [.text(l.name)] + (wide ? [.text(l.shapeText)] : []) + (wider ? [.text(Text.compact(Double(l.count)))] : [])
                + [.gauge(shown), .text(pct)]
        }
        let nameW = min(10, max(5, layers.map { CellBuffer.columns(of: $0.name) }.max() ?? 5))
        let shapeW = min(11, max(5, layers.map { CellBuffer.columns(of: $0.shapeText) }.max() ?? 5))
        let columns =
            [TableColumn("layer", width: .fixed(nameW))] + (wide ? [TableColumn("shape", width: .fixed(shapeW))] : [])
            + (wider ? [TableColumn("params", width: .fixed(6), alignRight: true)] : [])
            + [TableColumn("sparsity", width: .fill(1)), TableColumn("", width: .fixed(7), alignRight: true)]
        let metrics = previewMetrics ?? session.metrics
        let total = metrics.prunableSparsity
        let totalText = Format.percent(total) + (previewMetrics != nil ? "*" : " ")
        let count = TableCell.text(Text.compact(Double(metrics.prunableTotal)))
        let footer: [TableCell] =
            [.text("total")] + (wider ? [.text(""), count] : wide ? [count] : []) + [.gauge(total), .text(totalText)]
        _ = Table(columns: columns, rows: rows, state: layerTable, footer: [footer]).render(into: &buffer, area: inner, context: context)
    }

    func renderTotals(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        let inner = Block(title: previewMetrics != nil ? "Model (now → *preview)" : "Model").render(
            into: &buffer, area: area, context: context)
        let now = session.metrics
        let p = previewMetrics
        let arrow = context.glyphs.isUnicode ? "→" : "->"
        let ratio = ExplorerModel.ratio
        let rows: [(label: String, now: String, preview: String?, unit: String)] = [
            ("zeros of prunable", Format.percent(now.prunableSparsity), p.map { Format.percent($0.prunableSparsity) }, ""),
            ("zeros of all params", Format.percent(now.parameterSparsity), p.map { Format.percent($0.parameterSparsity) }, ""),
            (
                "nonzero params", Text.compact(Double(now.parameterNonzero)), p.map { Text.compact(Double($0.parameterNonzero)) },
                " of " + Text.compact(Double(now.parameterTotal))
            ),
            ("compression", ratio(now.compressionRatio), p.map { ratio($0.compressionRatio) }, " total/nonzero"),
            ("FLOPs speed-up", ratio(now.theoreticalSpeedup), p.map { ratio($0.theoreticalSpeedup) }, " (theoretical)"),
            ("val loss", now.loss.map { Text.fixed($0, 4) } ?? "n/a", previewAccuracy.value.map { Text.fixed($0.loss, 4) }, ""),
        ]
        var lines = rows.map { r in
            // The widest form that fits: now -> preview with the unit, without the unit, then the preview alone.
            let value = r.preview.map { $0 == r.now ? r.now : "\(r.now) \(arrow) \($0)" } ?? r.now
            return [r.label + " " + value + r.unit, r.label + " " + value, r.label + " " + (r.preview.map { $0 + "*" } ?? r.now)]
        }
        lines += robustnessModelLines() + measuredSpeedLines()
        for (i, candidates) in lines.enumerated() where i < inner.height {
            let line = candidates.first { CellBuffer.columns(of: $0) <= inner.width } ?? candidates[candidates.count - 1]
            buffer.write(
                Text.truncate(line, to: inner.width, ellipsis: context.glyphs.ellipsis), x: inner.x, y: inner.y + i,
                style: i < 2 ? context.base : context.muted)
        }
    }

    /// Measured, not theoretical: the model's forward pass with the Dense
    /// layers in the formats of the fastest whole pass ("auto") vs the dense
    /// (BLAS) one, in total and per
    /// layer, each line as its candidate forms, widest first. Nothing for a
    /// model without zeros in its Dense weights.
    func measuredSpeedLines() -> [[String]] {
        guard measuresInference, session.metrics.layers.contains(where: { $0.kind == .dense && $0.weightZeros > 0 }) else {
            return []
        }
        guard let timings = inference.value else {
            let waiting = job != nil ? "after the job" : "measuring…"
            return [["sparse vs dense " + waiting, waiting]]
        }
        let ratio = ExplorerModel.ratio
        var lines = timings.map { t in
            let spread = "±" + Text.fixed(t.total.spread, 1)
            return [
                "measured batch \(t.batch): \(t.total.summary) (\(t.formatSummary))",
                "measured batch \(t.batch): \(t.total.summary)", "batch \(t.batch): \(t.total.summary)",
                "b\(t.batch) \(ratio(t.total.speedup)) \(spread)",
            ]
        }
        for name in timings.first?.layers.map(\.layer) ?? [] {
            let each = timings.compactMap { t in t.layers.first { $0.layer == name }.map { (t.batch, $0) } }
            let full = each.map { "\($1.format) \(ratio($1.figure.speedup)) ±\(Text.fixed($1.figure.spread, 1)) @\($0)" }
            let short = each.map { "\($1.format) \(ratio($1.figure.speedup)) @\($0)" }
            let shortest = each.map { "\(ratio($1.figure.speedup))" }
            lines.append(
                [
                    " \(name) " + full.joined(separator: ", "), " \(name) " + short.joined(separator: ", "),
                    " \(name) " + shortest.joined(separator: " "),
                ])
        }
        return lines
    }

    /// The values and mask of the selected layer as the preview would leave them.
    func selectedTensorState() -> (values: Tensor, mask: Tensor?)? {
        guard let l = selected, let v = session.values(l.tensor) else { return nil }
        if let pm = preview.mask(for: l.tensor) { return (v, pm) }
        return (v, session.mask(l.tensor))
    }
}
