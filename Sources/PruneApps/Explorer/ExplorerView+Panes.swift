import PruneKit
import PruneTUI

/// The histogram with the slider, the heatmap and the training chart.
extension ExplorerModel {
    /// What the histogram plots: signed weights (magnitude), a per-weight
    /// score (Taylor, SNIP, random), or the norms of whole units.
    enum HistogramSubject { case weights, scores([Float], threshold: Double?), units([Float], threshold: Double?) }

    func histogramSubject(for l: ExplorerLayer) -> HistogramSubject {
        let c = controls
        if c.granularity == .units || c.granularity == .block {
            guard let values = session.values(l.tensor) else { return .weights }
            let squared = c.criterion == .l2Norm
            // The norms belong to the step; only which units the preview empties follows the slider.
            let alive = unitNormsMemo.value(for: "\(l.tensor)|\(session.version)|\(squared)") {
                ExplorerModel.aliveUnitNorms(values: values, mask: session.mask(l.tensor), shape: l.shape, squared: squared)
            }
            let width = values.count / max(1, l.shape.first ?? 1)
            let threshold = preview.mask(for: l.tensor).flatMap { p in
                p.data.withUnsafeBufferPointer { m in
                    alive.units.indices.filter { i in
                        let u = alive.units[i]
                        return !(u * width..<(u + 1) * width).contains { m[$0] != 0 }
                    }.map { alive.norms[$0] }.max().map { Double($0.nextUp) }
                }
            }
            return .units(alive.norms.sorted(), threshold: threshold)
        }
        guard c.ranksSingleWeights, c.criterion != .magnitude, !preview.needsScores,
            let index = try? preview.planner.scoreIndex(for: l.tensor, criterion: preview.criterion)
        else { return .weights }
        let k = preview.cut(for: l.tensor)?.k ?? 0
        let t: Double? = k > 0 && k <= index.sortedScores.count ? Double(index.sortedScores[k - 1].nextUp) : nil
        return .scores(index.sortedScores, threshold: t)
    }

    func renderHistogramPane(into buffer: inout CellBuffer, areas: ExplorerLayout, context: DrawContext) {
        guard let l = selected, let (values, mask) = selectedTensorState() else {
            _ = Block(title: "no prunable layers").render(into: &buffer, area: areas.histogramBlock, context: context)
            return
        }
        let committed = session.mask(l.tensor)
        let subject = histogramSubject(for: l)
        let what: String =
            switch subject {
            case .weights: "w of unpruned weights"
            case .scores: "\(controls.criterion.rawValue) score of unpruned weights"
            case .units: "\(controls.criterion == .l2Norm ? "L2" : "L1") norm of each kept \(l.unitName.dropLast())"
            }
        _ = Block(title: "\(l.tensor) \(l.shapeText) · \(what)", rightTitle: logScale ? "[log]" : "[linear]", focused: focus.isFocused(1))
            .render(into: &buffer, area: areas.histogramBlock, context: context)
        guard areas.histogram.height >= 1 else { return }
        let c = controls
        let modeText = c.effectiveSliderMode == .threshold ? "slider: |w| threshold" : "slider: target sparsity"
        let line =
            "\(c.criterion.rawValue) · \(c.granularity.rawValue) · \(c.scope == .layer ? "per layer" : "global") · \(modeText) · p: \(c.schedule.rawValue)"
        buffer.write(
            Text.truncate(line, to: areas.controlsLine.width, ellipsis: context.glyphs.ellipsis),
            x: areas.controlsLine.x, y: areas.controlsLine.y, style: context.muted)

        let bins = max(1, areas.histogram.width - 8)
        let scale: PruneTUI.Histogram.Scale = logScale ? .log : .linear
        switch subject {
        case .scores(let scores, let threshold):
            // The ranking's scores change with the step and the planner, not with the slider.
            let key = "\(l.tensor)|\(session.version)|\(bins)|\(controls.criterion)|\(ObjectIdentifier(preview.planner))"
            let h = histogramMemo.value(for: key) {
                PruneTUI.Histogram.bin(scores, bins: bins, range: 0...max(Double(scores.last ?? 1), 1e-30))
            }
            PruneTUI.Histogram(counts: h.counts, range: h.range, scale: scale, thresholds: threshold.map { [$0] } ?? [], shading: .inside)
                .render(into: &buffer, area: areas.histogram, context: context)
        case .units(let scores, let threshold):
            let top = Double(scores.last ?? 1)
            let h = PruneTUI.Histogram.bin(scores, bins: bins, range: 0...max(top, 1e-30))
            PruneTUI.Histogram(counts: h.counts, range: h.range, scale: scale, thresholds: threshold.map { [$0] } ?? [], shading: .inside)
                .render(into: &buffer, area: areas.histogram, context: context)
        case .weights:
            let threshold = preview.threshold(for: l.tensor)
            let h = histogramMemo.value(for: "\(l.tensor)|\(session.version)|\(bins)") {
                ExplorerModel.keptHistogram(values: values, mask: committed, bins: bins)
            }
            PruneTUI.Histogram(
                counts: h.counts, range: h.range, scale: scale,
                thresholds: threshold.map { [-$0, $0] } ?? [], shading: threshold == nil ? .none : .inside
            )
            .render(into: &buffer, area: areas.histogram, context: context)
        }
        let (caption, isError) = histogramCaption(l, mask: mask, committed: committed)
        buffer.write(
            Text.truncate(caption, to: areas.caption.width, ellipsis: context.glyphs.ellipsis), x: areas.caption.x,
            y: areas.caption.y, style: isError ? context.style(.error) : context.base)
        let s = preview.slider(for: l.tensor)
        Slider(label: sliderLabel, state: s, readout: sliderReadout(for: l), focused: focus.isFocused(1))
            .render(into: &buffer, area: areas.sliderRow, context: context)
    }

    /// What the slider prunes, in words and numbers; and whether it is an error.
    func histogramCaption(_ l: ExplorerLayer, mask: Tensor?, committed: Tensor?) -> (String, Bool) {
        if let e = preview.error { return (e, true) }
        if preview.needsScores { return ("computing \(controls.criterion.rawValue) scores (gradients on the training data)…", false) }
        let c = controls
        // Counted once per step and per preview in the metrics, not per frame.
        let alreadyPruned = maskedCount(l.tensor, in: session.metrics)
        let pruned = maskedCount(l.tensor, in: previewMetrics ?? session.metrics)
        let newly = max(0, pruned - alreadyPruned)
        let sparsity = l.count > 0 ? Double(pruned) / Double(l.count) : 0
        var caption: String
        if preview.sliderIsImplied {
            caption =
                "2:4 keeps the 2 largest of every 4 weights: \(Format.percent(sparsity)) of \(l.name); Enter applies"
                + (c.scope == .global ? " to all layers" : "")
        } else if c.granularity == .units, let units = l.shape.first, units > 0, let m = mask ?? committed {
            let gone = ExplorerModel.emptyRows(m, rows: units)
            caption = "prune \(gone) of \(units) \(l.unitName) of \(l.name) (\(Format.percent(sparsity)) of its weights)"
        } else if let t = preview.threshold(for: l.tensor), c.criterion == .magnitude {
            let all = (previewMetrics ?? session.metrics).prunableSparsity
            caption =
                c.scope == .global
                ? "prune |w| < \(Text.fixed(t, 5)) everywhere: \(Format.percent(all)) of all, \(Format.percent(sparsity)) of \(l.name)"
                : "prune |w| < \(Text.fixed(t, 5)): \(Format.percent(sparsity)) of \(l.name)"
        } else {
            caption = "prune to \(Format.percent(sparsity)) of \(l.name) by \(c.criterion.rawValue)"
        }
        caption += newly > 0 ? " (+\(Text.compact(Double(newly))) new)" : " (nothing new)"
        if alreadyPruned > 0 { caption += " · \(Text.compact(Double(alreadyPruned))) already 0" }
        if pruned >= l.count, l.count > 0 { caption += " · EMPTIES THE LAYER" }
        return (caption, false)
    }

    /// Rows (units) of `mask` with every entry pruned.
    static func emptyRows(_ mask: Tensor, rows: Int) -> Int {
        let width = mask.count / max(1, rows)
        return (0..<rows).filter { r in (0..<width).allSatisfy { mask.data[r * width + $0] == 0 } }.count
    }

    /// The L1 (or squared L2) norm of every unit (row of a Dense weight,
    /// filter of a Conv2D one) that `mask` still keeps, with its index.
    static func aliveUnitNorms(values: Tensor, mask: Tensor?, shape: [Int], squared: Bool) -> (units: [Int], norms: [Float]) {
        let units = shape.first ?? 1
        let width = values.count / max(1, units)
        var alive = [Int](), norms = [Float]()
        for u in 0..<units {
            let range = (u * width)..<((u + 1) * width)
            guard mask.map({ m in range.contains { m.data[$0] != 0 } }) ?? true else { continue }
            alive.append(u)
            norms.append(range.reduce(Float(0)) { $0 + (squared ? values.data[$1] * values.data[$1] : abs(values.data[$1])) })
        }
        return (alive, norms)
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
        return PruneTUI.Histogram.bin(clamped, bins: bins, range: -span...span)
    }

    /// Masked entries of `tensor` in `metrics`.
    func maskedCount(_ tensor: String, in metrics: ModelMetrics) -> Int {
        metrics.tensors.first { $0.name == tensor }?.masked ?? 0
    }
}
