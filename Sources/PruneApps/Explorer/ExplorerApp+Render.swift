import Foundation
import PruneKit
import PruneTUI

extension ExplorerApp {
    public mutating func render(into buffer: inout CellBuffer, context: DrawContext) {
        let full = buffer.bounds
        let rows = Layout.split(full, .vertical, [.fixed(1), .fill(1), .fixed(1)])
        renderHeader(into: &buffer, area: rows[0], context: context)
        switch screen {
        case .main: renderMain(into: &buffer, area: rows[1], context: context)
        case .history: renderHistory(into: &buffer, area: rows[1], context: context)
        case .sensitivity: renderSensitivity(into: &buffer, area: rows[1], context: context)
        case .frontier: renderFrontier(into: &buffer, area: rows[1], context: context)
        }
        renderBottomLine(into: &buffer, area: rows[2], context: context)
        toasts.render(into: &buffer, area: Rect(x: full.x, y: full.y + 1, width: full.width, height: max(0, full.height - 2)), context: context)
        if showSettings { renderSettings(into: &buffer, area: full, context: context) }
        if showHelp { ExplorerApp.help.render(into: &buffer, area: full, context: context) }
        if let p = prompt { Prompt(state: p.state).render(into: &buffer, area: full, context: context) }
        if let c = confirmation { renderConfirmation(c, into: &buffer, area: full, context: context) }
    }

    // MARK: Header and bottom line

    /// Text of an accuracy, or "n/a".
    static func acc(_ a: Double?) -> String { a.map { Text.fixed($0 * 100, 2) + "%" } ?? "n/a" }

    func renderHeader(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        buffer.fill(area, " ", context.base)
        let v = sessionView
        let now = v.metrics
        let dense = v.history.first?.metrics.accuracy
        var left = " PruneScope · \(workspace.modelName) (\(workspace.datasetName)) · step \(v.cursor)/\(v.history.count - 1)"
        var right = "val acc \(ExplorerApp.acc(now.accuracy)) (start \(ExplorerApp.acc(dense)))"
        if previewMetrics != nil {
            right += " · preview " + (previewAccuracy.map { ExplorerApp.acc($0.accuracy) } ?? "…")
        }
        // Sparsity, compression and speed-up of the current step, when the line has room.
        let ratio = { (x: Double) in x.isFinite ? Text.fixed(x, 1) + "x" : "inf" }
        let figures = " · \(Text.percent(now.prunableSparsity)) of prunable zero · \(ratio(now.compressionRatio)) compression · \(ratio(now.theoreticalSpeedup)) FLOPs speed-up"
        if CellBuffer.columns(of: left + right + figures) + 2 <= area.width { right += figures }
        let screenName = " · \(screen.rawValue):\(screen.title)"
        if CellBuffer.columns(of: left + right + screenName) + 2 <= area.width { left += screenName }
        right += " "
        let rw = CellBuffer.columns(of: right)
        let l = buffer.write(Text.truncate(left, to: max(0, area.width - rw - 1), ellipsis: context.glyphs.ellipsis),
                             x: area.x, y: area.y, style: context.title)
        if l + rw < area.width { buffer.write(right, x: area.maxX - rw, y: area.y, style: context.base.adding(.bold)) }
    }

    func renderBottomLine(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        if let j = job {
            JobStatusBar(title: j.title, fraction: j.fraction, status: j.status).render(into: &buffer, area: area, context: context)
            return
        }
        let g = context.glyphs.isUnicode
        let hints: [(key: String, action: String)]
        switch screen {
        case .main:
            hints = [("?", "help"), (g ? "←→" : "<>", "threshold"), (g ? "↑↓" : "jk", "layer"), ("Enter", "apply"), ("r", "retrain"),
                     ("u", "undo"), ("g", controls.scope == .layer ? "global" : "per-layer"), ("p", "schedule"), ("o", "options"),
                     ("x", "explain"), ("e", "export"), ("1-4", "views"), ("q", "quit")]
        case .history:
            hints = [("?", "help"), (g ? "↑↓" : "jk", "select"), ("Enter", "jump to step"), ("u", "undo"), ("^R", "redo"),
                     ("1", "explore"), ("e", "export"), ("q", "quit")]
        case .sensitivity:
            hints = [("?", "help"), ("Enter", sensitivity.isEmpty ? "run sweep" : "run again"), ("Esc", "back"), ("1", "explore"), ("q", "quit")]
        case .frontier:
            hints = [("?", "help"), ("Esc", "back"), ("1", "explore"), ("2", "history"), ("q", "quit")]
        }
        KeyHintBar(hints).render(into: &buffer, area: area, context: context)
    }

    // MARK: Main screen

    mutating func renderMain(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        let leftWidth = max(28, min(44, area.width * 30 / 100))
        let cols = Layout.split(area, .horizontal, [.fixed(leftWidth), .fill(1)])
        let left = Layout.split(cols[0], .vertical, [.fill(1), .fixed(measuresInference ? 9 : 8)])
        let right = Layout.split(cols[1], .vertical, [.percentage(50), .fill(1)])
        let bottom = Layout.split(right[1], .horizontal, [.fill(1), .fill(1)])
        renderLayerTable(into: &buffer, area: left[0], context: context)
        renderTotals(into: &buffer, area: left[1], context: context)
        renderHistogramPane(into: &buffer, area: right[0], context: context)
        if showExplanation {
            renderExplanation(into: &buffer, area: bottom[0], context: context)
        } else {
            renderHeatmap(into: &buffer, area: bottom[0], context: context)
        }
        renderChart(into: &buffer, area: bottom[1], context: context)
    }

    /// Per tensor: sparsity now, and with the preview if it changes.
    func sparsities() -> [String: (now: Double, preview: Double?)] {
        var out = [String: (Double, Double?)]()
        let now = sessionView.metrics
        for t in now.tensors { out[t.name] = (t.sparsity, nil) }
        if let p = previewMetrics {
            for t in p.tensors where out[t.name]?.0 != t.sparsity { out[t.name] = (out[t.name]?.0 ?? 0, t.sparsity) }
        }
        return out
    }

    mutating func renderLayerTable(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        let inner = Block(title: "Layers", rightTitle: controls.scope == .global ? "global" : "", focused: focus.isFocused(0))
            .render(into: &buffer, area: area, context: context)
        areas.layerTable = inner
        let s = sparsities()
        let wide = inner.width >= 34, wider = inner.width >= 42
        let rows: [[TableCell]] = layers.map { l in
            let (now, preview) = s[l.tensor] ?? (0, nil)
            let shown = preview ?? now
            let pct = Text.percent(shown) + (preview != nil ? "*" : " ")
            return [.text(l.name)] + (wide ? [.text(l.shapeText)] : []) + (wider ? [.text(Text.compact(Double(l.count)))] : [])
                + [.gauge(shown), .text(pct)]
        }
        let nameW = min(10, max(5, layers.map { CellBuffer.columns(of: $0.name) }.max() ?? 5))
        let shapeW = min(11, max(5, layers.map { CellBuffer.columns(of: $0.shapeText) }.max() ?? 5))
        let columns = [TableColumn("layer", width: .fixed(nameW))] + (wide ? [TableColumn("shape", width: .fixed(shapeW))] : [])
            + (wider ? [TableColumn("params", width: .fixed(6), alignRight: true)] : [])
            + [TableColumn("sparsity", width: .fill(1)), TableColumn("", width: .fixed(7), alignRight: true)]
        let metrics = previewMetrics ?? sessionView.metrics
        let total = metrics.prunableSparsity
        let totalText = Text.percent(total) + (previewMetrics != nil ? "*" : " ")
        let count = TableCell.text(Text.compact(Double(metrics.prunableTotal)))
        let footer: [TableCell] = [.text("total")] + (wider ? [.text(""), count] : wide ? [count] : []) + [.gauge(total), .text(totalText)]
        layerTable = Table(columns: columns, rows: rows, state: layerTable, footer: [footer]).render(into: &buffer, area: inner, context: context)
    }

    func renderTotals(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        let inner = Block(title: previewMetrics != nil ? "Model (now → *preview)" : "Model").render(into: &buffer, area: area, context: context)
        let now = sessionView.metrics
        let p = previewMetrics
        let arrow = context.glyphs.isUnicode ? "→" : "->"
        func ratio(_ x: Double) -> String { x.isFinite ? Text.fixed(x, 1) + "x" : "inf" }
        var rows: [(label: String, now: String, preview: String?, unit: String)] = [
            ("zeros of prunable", Text.percent(now.prunableSparsity), p.map { Text.percent($0.prunableSparsity) }, ""),
            ("zeros of all params", Text.percent(now.parameterSparsity), p.map { Text.percent($0.parameterSparsity) }, ""),
            ("nonzero params", Text.compact(Double(now.parameterNonzero)), p.map { Text.compact(Double($0.parameterNonzero)) },
             " of " + Text.compact(Double(now.parameterTotal))),
            ("compression", ratio(now.compressionRatio), p.map { ratio($0.compressionRatio) }, " total/nonzero"),
            ("FLOPs speed-up", ratio(now.theoreticalSpeedup), p.map { ratio($0.theoreticalSpeedup) }, " (theoretical)"),
            ("val loss", now.loss.map { Text.fixed($0, 4) } ?? "n/a", previewAccuracy.map { Text.fixed($0.loss, 4) }, ""),
        ]
        if measuresInference, workspace.session.model.layers.contains(where: { $0.kind == .dense }) {
            // Measured, not theoretical: dense GEMM vs CSR forward passes of the current step.
            if let t = inferenceTimings {
                let text = t.map { "\(ratio($0.measuredSpeedup)) @\($0.batch)" }.joined(separator: ", ")
                rows.append(("CSR vs dense", text, nil, " (measured)"))
            } else {
                rows.append(("CSR vs dense", "measuring…", nil, ""))
            }
        }
        for (i, r) in rows.enumerated() where i < inner.height {
            // The widest form that fits: now -> preview with the unit, without the unit, then the preview alone.
            let value = r.preview.map { $0 == r.now ? r.now : "\(r.now) \(arrow) \($0)" } ?? r.now
            let candidates = [r.label + " " + value + r.unit, r.label + " " + value, r.label + " " + (r.preview.map { $0 + "*" } ?? r.now)]
            let line = candidates.first { CellBuffer.columns(of: $0) <= inner.width } ?? candidates[candidates.count - 1]
            buffer.write(Text.truncate(line, to: inner.width, ellipsis: context.glyphs.ellipsis), x: inner.x, y: inner.y + i,
                         style: i < 2 ? context.base : context.muted)
        }
    }

    /// The values and mask of the selected layer as the preview would leave them.
    func selectedTensorState() -> (values: Tensor, mask: Tensor?)? {
        guard let l = selected, let v = sessionView.values[l.tensor] else { return nil }
        if !isBusy, let pm = workspace.preview.masks[l.tensor] { return (v, pm) }
        return (v, sessionView.masks[l.tensor])
    }

    mutating func renderHistogramPane(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        guard let l = selected, let (values, mask) = selectedTensorState() else {
            _ = Block(title: "no prunable layers").render(into: &buffer, area: area, context: context)
            return
        }
        let committed = sessionView.masks[l.tensor]
        let scores = isBusy ? nil : workspace.scoreDistribution(for: l.tensor)
        let what = scores != nil ? "\(controls.criterion.rawValue) score of unpruned weights" : "w of unpruned weights"
        let inner = Block(title: "\(l.tensor) \(l.shapeText) · \(what)", rightTitle: logScale ? "[log]" : "[linear]", focused: focus.isFocused(1))
            .render(into: &buffer, area: area, context: context)
        guard inner.height >= 3 else { return }
        let parts = Layout.split(inner, .vertical, [.fixed(1), .fill(1), .fixed(1), .fixed(1)])
        areas.histogram = parts[1]
        let c = controls
        let modeText = c.effectiveSliderMode == .threshold ? "slider: |w| threshold" : "slider: target sparsity"
        let line = "\(c.criterion.rawValue) · \(c.granularity.rawValue) · \(c.scope == .layer ? "per layer" : "global") · \(modeText) · p: \(c.schedule.rawValue)"
        buffer.write(Text.truncate(line, to: parts[0].width, ellipsis: context.glyphs.ellipsis), x: parts[0].x, y: parts[0].y, style: context.muted)

        // Kept values of the committed state (already-pruned zeros would swamp the plot).
        let alreadyPruned = Mask.prunedCount(committed)
        let bins = max(1, parts[1].width - 8)
        let threshold = isBusy ? nil : workspace.effectiveThreshold(for: l.tensor)
        if let scores {
            let top = Double(scores.scores.last ?? 1)
            let h = Histogram.bin(scores.scores, bins: bins, range: 0...max(top, 1e-30))
            Histogram(counts: h.counts, range: h.range, scale: logScale ? .log : .linear,
                      thresholds: scores.threshold.map { [$0] } ?? [], shading: .inside)
                .render(into: &buffer, area: parts[1], context: context)
        } else {
            let h = histogramCache.value(for: "\(l.tensor)|\(workspace.version)|\(bins)") {
                ExplorerApp.keptHistogram(values: values, mask: committed, bins: bins)
            }
            Histogram(counts: h.counts, range: h.range, scale: logScale ? .log : .linear,
                      thresholds: threshold.map { [-$0, $0] } ?? [], shading: threshold == nil ? .none : .inside)
                .render(into: &buffer, area: parts[1], context: context)
        }

        // Caption: what the slider prunes, in words and numbers.
        let newMask = mask ?? committed
        let pruned = Mask.prunedCount(newMask)
        let newly = max(0, pruned - alreadyPruned)
        let sparsity = l.count > 0 ? Double(pruned) / Double(l.count) : 0
        var caption: String
        if workspace.sliderIsImplied {
            caption = "2:4 keeps 2 of every 4 inputs (50%): Enter applies to \(c.scope == .global ? "all layers" : l.name)"
        } else if let t = threshold {
            caption = "prune |w| < \(Text.fixed(t, 5)): \(Text.percent(sparsity)) of \(l.name)"
        } else {
            caption = "prune to \(Text.percent(sparsity)) of \(l.name) by \(c.criterion.rawValue)"
        }
        caption += newly > 0 ? " (+\(Text.compact(Double(newly))) new)" : " (nothing new)"
        if alreadyPruned > 0 { caption += " · \(Text.compact(Double(alreadyPruned))) already 0" }
        if let e = workspace.previewError, !isBusy { caption = e }
        buffer.write(Text.truncate(caption, to: parts[2].width, ellipsis: context.glyphs.ellipsis), x: parts[2].x, y: parts[2].y,
                     style: workspace.previewError != nil && !isBusy ? context.style(.error) : context.base)

        let s = workspace.slider(for: l.tensor)
        let isThreshold = c.effectiveSliderMode == .threshold
        let readout = isThreshold ? Text.fixed(s.value, 5) : Text.percent(s.value)
        let label = (c.scope == .global ? "global " : "") + (isThreshold ? "|w| <" : "sparsity")
        areas.slider = Slider.layout(area: parts[3], label: label, readout: readout).track
        Slider(label: label, state: s, readout: readout, focused: focus.isFocused(1)).render(into: &buffer, area: parts[3], context: context)
    }

    /// Counts of the unpruned values over a symmetric range reaching the
    /// 99.9th percentile of |w| (a few outliers would squash the plot); values
    /// beyond it are counted in the edge bins.
    static func keptHistogram(values: Tensor, mask: Tensor?, bins: Int) -> (counts: [Double], range: ClosedRange<Double>) {
        var kept = [Float]()
        kept.reserveCapacity(values.count)
        values.data.withUnsafeBufferPointer { vp in
            if let m = mask?.data {
                for i in 0..<vp.count where m[i] != 0 { kept.append(vp[i]) }
            } else {
                kept.append(contentsOf: vp)
            }
        }
        var magnitudes = kept.map { abs($0) }
        magnitudes.sort()
        let q = magnitudes.isEmpty ? 1 : Double(magnitudes[min(magnitudes.count - 1, magnitudes.count * 999 / 1000)])
        let span = max(q, 1e-12)
        let clamped = kept.map { Float(min(span, max(-span, Double($0)))) }
        return Histogram.bin(clamped, bins: bins, range: -span...span)
    }

    mutating func renderHeatmap(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        guard let l = selected, let (values, mask) = selectedTensorState() else { return }
        var mode = heatmapMode == .inputPixels && l.inputImage == nil ? .auto : heatmapMode
        if mode == .auto { mode = Mask.prunedCount(mask) > 0 ? .fractionPruned : .weights }
        let title: String
        switch mode {
        case .auto, .weights: title = "\(l.name) weights (pruned dark)"
        case .fractionPruned: title = "\(l.name) fraction pruned"
        case .inputPixels: title = "\(l.name) kept per input pixel"
        }
        let inner = Block(title: title, rightTitle: "a: view", focused: focus.isFocused(2)).render(into: &buffer, area: area, context: context)
        guard inner.height >= 2 else { return }
        let parts = Layout.split(inner, .vertical, [.fixed(1), .fill(1)])
        areas.heatmap = parts[1]
        let heat: Heatmap
        var prefix = ""
        switch mode {
        case .inputPixels:
            let (h, w) = l.inputImage ?? (1, 1)
            heat = Heatmap(values: ExplorerApp.keptPerInput(mask: mask, rows: l.shape[0], columns: l.shape[1]), rows: h, columns: w,
                           aggregation: .maxAbs, scale: 1)
            prefix = "fraction of \(l.shape[0]) neurons keeping each pixel; "
        case .auto, .weights, .fractionPruned:
            let agg: Heatmap.Aggregation = mode == .weights ? .maxAbs : .fractionPruned
            if l.kind == "conv2d", l.shape.count == 4 {
                let tiled = ExplorerApp.tiles(values: values, mask: mask, shape: l.shape)
                heat = Heatmap(values: tiled.values, rows: tiled.rows, columns: tiled.columns, mask: tiled.mask, aggregation: agg)
                prefix = "filters across, input channels down; "
            } else {
                let rows = l.shape.first ?? 1
                heat = Heatmap(values: values.data, rows: rows, columns: max(1, values.count / max(1, rows)), mask: mask?.data, aggregation: agg)
            }
        }
        let caption = prefix + heat.caption(for: parts[1].size, context: context)
        buffer.write(Text.truncate(caption, to: inner.width, ellipsis: context.glyphs.ellipsis), x: inner.x, y: inner.y, style: context.muted)
        heat.render(into: &buffer, area: parts[1], context: context)
    }

    /// Per input pixel, the fraction of output neurons whose weight from it is kept.
    static func keptPerInput(mask: Tensor?, rows: Int, columns: Int) -> [Float] {
        guard let mask, rows > 0 else { return [Float](repeating: 1, count: columns) }
        var kept = [Float](repeating: 0, count: columns)
        mask.data.withUnsafeBufferPointer { m in
            for r in 0..<rows {
                let base = r * columns
                for c in 0..<columns where m[base + c] != 0 { kept[c] += 1 }
            }
        }
        return kept.map { $0 / Float(rows) }
    }

    /// Conv weights [out_c, in_c, kh, kw] laid out as kh x kw tiles, one
    /// column of tiles per filter and one row per input channel, with a
    /// blank (NaN) pixel between tiles.
    static func tiles(values: Tensor, mask: Tensor?, shape: [Int]) -> (values: [Float], mask: [Float], rows: Int, columns: Int) {
        let (oc, ic, kh, kw) = (shape[0], shape[1], shape[2], shape[3])
        let rows = ic * (kh + 1) - 1, columns = oc * (kw + 1) - 1
        var v = [Float](repeating: .nan, count: rows * columns)
        var m = [Float](repeating: 1, count: rows * columns)
        for o in 0..<oc {
            for i in 0..<ic {
                for y in 0..<kh {
                    for x in 0..<kw {
                        let src = ((o * ic + i) * kh + y) * kw + x
                        let dst = (i * (kh + 1) + y) * columns + o * (kw + 1) + x
                        v[dst] = values.data[src]
                        m[dst] = mask?.data[src] ?? 1
                    }
                }
            }
        }
        return (v, m, rows, columns)
    }

    /// The loss of every training batch and the validation accuracy after
    /// every step of the history up to the current one, on one x axis of
    /// training batches, with a marker at each prune.
    func curve() -> (loss: [(x: Double, y: Double)], accuracy: [(x: Double, y: Double)], markers: [LineChart.Marker]) {
        let v = sessionView
        var loss = [(x: Double, y: Double)](), acc = [(x: Double, y: Double)](), markers = [LineChart.Marker]()
        let steps = v.history.prefix(v.cursor + 1)
        func batches(_ step: HistoryStep) -> Double {
            if let b = stepLosses[step.id], !b.isEmpty { return Double(b.count) }
            return Double(Int(step.parameters["steps"] ?? "") ?? step.epochs.count)
        }
        // Steps without training (prunes, rewinds) get a small gap of their own,
        // so their accuracy points do not stack on one x.
        let gap = max(1, (steps.reduce(0) { $0 + batches($1) } + Double(liveLosses.count)) / 40)
        var x = 0.0
        for step in steps {
            if let batches = stepLosses[step.id], !batches.isEmpty {
                for b in batches { x += 1; loss.append((x, Double(b))) }
            } else if !step.epochs.isEmpty {
                let perEpoch = batches(step) / Double(step.epochs.count)
                for e in step.epochs { x += max(1, perEpoch); loss.append((x, Double(e.trainLoss))) }
            } else if step.kind != .start {
                x += gap
            }
            if step.kind == .prune || step.kind == .gradual {
                markers.append(LineChart.Marker(x: x, label: Text.fixed(step.metrics.prunableSparsity * 100, 0) + "%"))
            }
            if let a = step.metrics.accuracy { acc.append((x, a)) }
        }
        for b in liveLosses { x += 1; loss.append((x, Double(b))) }
        return (loss, acc, markers)
    }

    mutating func renderChart(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        let inner = Block(title: "train loss / val acc", rightTitle: job.map { _ in "live" } ?? "", focused: focus.isFocused(3))
            .render(into: &buffer, area: area, context: context)
        areas.chart = inner
        let c = curve()
        let top = max(1e-3, (c.loss.map(\.y).max() ?? 1) * 1.05)
        let xMax = max(1, (c.loss.last?.x ?? 0), (c.accuracy.last?.x ?? 0))
        let loss = LineChart.Series(name: "train loss", points: c.loss)
        guard inner.height >= 8 else {
            // One axis for both when there is no room for two charts.
            LineChart(series: [loss, LineChart.Series(name: "val acc", points: c.accuracy)], markers: c.markers,
                      xRange: 0...xMax, yRange: 0...max(1, top)).render(into: &buffer, area: inner, context: context)
            return
        }
        // Each on its own scale: a trained model's loss of 0.002 would hug an axis shared with 94 %.
        let parts = Layout.split(inner, .vertical, [.percentage(50), .fill(1)])
        LineChart(series: [loss], markers: c.markers, xRange: 0...xMax, yRange: 0...top)
            .render(into: &buffer, area: parts[0], context: context)
        let accs = c.accuracy.map(\.y)
        let lo = max(0, (((accs.min() ?? 0) - 0.02) * 50).rounded(.down) / 50)
        let hi = min(1, max(lo + 0.02, (((accs.max() ?? 1) + 0.01) * 50).rounded(.up) / 50))
        LineChart(series: [LineChart.Series(name: "val acc", points: c.accuracy)], markers: c.markers, xRange: 0...xMax, yRange: lo...hi)
            .render(into: &buffer, area: parts[1], context: context)
    }

    func renderExplanation(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        let inner = Block(title: "What this does", rightTitle: "x: close", focused: true).render(into: &buffer, area: area, context: context)
        var y = inner.y
        for paragraph in explanation() {
            for line in ExplorerApp.wrap(paragraph, width: inner.width) where y < inner.maxY {
                buffer.write(line, x: inner.x, y: y, style: context.base)
                y += 1
            }
            y += 1
        }
    }

    /// Greedy word wrap to `width` columns.
    static func wrap(_ text: String, width: Int) -> [String] {
        guard width > 0 else { return [] }
        var lines = [String](), line = ""
        for word in text.split(separator: " ") {
            let candidate = line.isEmpty ? String(word) : line + " " + word
            if CellBuffer.columns(of: candidate) <= width { line = candidate; continue }
            if !line.isEmpty { lines.append(line) }
            line = CellBuffer.columns(of: String(word)) <= width ? String(word) : Text.truncate(String(word), to: width)
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }

    // MARK: Overlays

    func renderSettings(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        let settings = ExplorerControls.Setting.allCases
        let labelW = settings.map { CellBuffer.columns(of: $0.label) }.max() ?? 10
        let w = min(area.width - 2, labelW + 36)
        let box = area.centered(Size(width: w, height: min(area.height - 2, settings.count + 3)))
        buffer.fill(box, " ", context.overlay)
        let inner = Block(title: "Options", rightTitle: "↑↓ select  ←→ change  Esc close", focused: true)
            .render(into: &buffer, area: box, context: context)
        for (i, s) in settings.enumerated() where i < inner.height - 1 {
            let selected = i == settingsRow
            let marker = selected ? "\(context.glyphs.selectionMarker) " : "  "
            let text = marker + s.label.padding(toLength: labelW, withPad: " ", startingAt: 0) + "  " + controls.value(of: s)
            let style = selected ? context.selection : context.overlay
            buffer.fill(Rect(x: inner.x, y: inner.y + i, width: inner.width, height: 1), " ", style)
            buffer.write(Text.truncate(text, to: inner.width, ellipsis: context.glyphs.ellipsis), x: inner.x, y: inner.y + i, style: style)
        }
        let note = "criterion, granularity and scope change the preview; the rest apply to r and p"
        if inner.height > settings.count {
            buffer.write(Text.truncate(note, to: inner.width, ellipsis: context.glyphs.ellipsis), x: inner.x, y: inner.maxY - 1, style: context.overlay.adding(.dim))
        }
    }

    func renderConfirmation(_ c: Confirmation, into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        let title: String, lines: [String]
        switch c {
        case .overwrite(let path):
            title = "Overwrite?"
            lines = ["\(path) already exists and is not empty.", "y: overwrite its files   n / Esc: keep it"]
        case .quit:
            title = "Quit?"
            var first = "\(unsavedChanges) change\(unsavedChanges == 1 ? "" : "s") to the history not saved or exported."
            if let j = job { first = "\(j.title) is running; quitting cancels it." }
            lines = [first, "y: quit   w: save session to \(sessionDirectory) first   n / Esc: stay"]
        }
        ConfirmDialog(title: title, lines: lines).render(into: &buffer, area: area, context: context)
    }

    static let help = HelpOverlay(title: "PruneScope help", sections: [
        HelpOverlay.Section("Threshold and pruning", [
            ("← →  h l", "move the slider (coarse)"), ("⇧← ⇧→  < >", "fine steps"), ("Home End", "ends of the range"),
            ("t", "type a threshold (0.02) or a sparsity (90%)"), ("m", "slider: |w| threshold / target sparsity"),
            ("Enter", "apply the preview (* in the layer list)"), ("g", "scope: per layer / global"),
            ("c  n", "next criterion / granularity"), ("o", "options: schedule, rounds, epochs, lr, L1"),
            ("p", "run the schedule to the slider's target"), ("r", "retrain (masks held at zero)"), ("Esc", "cancel running work"),
        ]),
        HelpOverlay.Section("History", [
            ("u", "undo"), ("Ctrl-R  U", "redo"), ("2", "history: Enter jumps to a step"),
            ("e", "export weights, masks, report"), ("w", "save the session"),
        ]),
        HelpOverlay.Section("Views", [
            ("↑ ↓  j k", "select layer"), ("1 2 3 4", "explore / history / sensitivity / frontier"), ("s", "run the sensitivity sweep"),
            ("x", "explain the criterion and schedule"), ("a", "heatmap: weights / fraction pruned / per input pixel"),
            ("L", "histogram counts linear / log"), ("Tab", "move focus"), ("T", "next theme"), ("q  Ctrl-C", "quit"),
        ]),
    ])
}
