import PruneKit
import PruneTUI

/// The heatmap of the selected layer and the loss / accuracy chart.
extension ExplorerModel {
    func renderHeatmap(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        guard let l = selected, let (values, mask) = selectedTensorState() else { return }
        var mode = heatmapMode == .inputPixels && l.inputImage == nil ? .auto : heatmapMode
        if mode == .auto { mode = maskedCount(l.tensor, in: previewMetrics ?? session.metrics) > 0 ? .fractionPruned : .weights }
        let title: String
        switch mode {
        case .auto, .weights: title = "\(l.name) weights (pruned dark)"
        case .fractionPruned: title = "\(l.name) fraction pruned"
        case .inputPixels: title = "\(l.name) kept per input pixel"
        case .changes: title = "\(l.name) changes in step \(session.cursor)"
        }
        let inner = Block(title: title, rightTitle: "a: view", focused: focus.isFocused(2)).render(
            into: &buffer, area: area, context: context)
        guard inner.height >= 2 else { return }
        let parts = Layout.split(inner, .vertical, [.fixed(1), .fill(1)])
        let heat: Heatmap
        var prefix = ""
        switch mode {
        case .inputPixels:
            let (h, w) = l.inputImage ?? (1, 1)
            heat = Heatmap(
                values: ExplorerModel.keptPerInput(mask: mask, rows: l.shape[0], columns: l.shape[1]), rows: h, columns: w,
                aggregation: .maxAbs, scale: 1)
            prefix = "fraction of \(l.shape[0]) neurons keeping each pixel; "
        case .changes:
            let change = ExplorerModel.maskChanges(before: session.previousMasks[l.tensor], after: session.mask(l.tensor), count: l.count)
            let tensor = Tensor(shape: l.shape, data: change.values)
            if l.kind == .conv2d, l.shape.count == 4 {
                let tiled = ExplorerModel.tiles(values: tensor, mask: nil, shape: l.shape)
                heat = Heatmap(values: tiled.values, rows: tiled.rows, columns: tiled.columns, aggregation: .maxAbs, scale: 1)
            } else {
                let rows = l.shape.first ?? 1
                heat = Heatmap(values: change.values, rows: rows, columns: max(1, l.count / max(1, rows)), aggregation: .maxAbs, scale: 1)
            }
            let caption =
                change.pruned + change.returned == 0
                ? "no weight of \(l.name) was pruned or came back in this step"
                : "\(Text.compact(Double(change.pruned))) pruned (-), \(Text.compact(Double(change.returned))) came back (+); dark: unchanged"
            buffer.write(
                Text.truncate(caption, to: inner.width, ellipsis: context.glyphs.ellipsis), x: inner.x, y: inner.y, style: context.muted)
            heat.render(into: &buffer, area: parts[1], context: context)
            return
        case .auto, .weights, .fractionPruned:
            let agg: Heatmap.Aggregation = mode == .weights ? .maxAbs : .fractionPruned
            if l.kind == .conv2d, l.shape.count == 4 {
                let tiled = ExplorerModel.tiles(values: values, mask: mask, shape: l.shape)
                heat = Heatmap(values: tiled.values, rows: tiled.rows, columns: tiled.columns, mask: tiled.mask, aggregation: agg)
                prefix = "filters across, input channels down; "
            } else {
                let rows = l.shape.first ?? 1
                var matrix = Heatmap(
                    values: values.data, rows: rows, columns: max(1, values.count / max(1, rows)), mask: mask?.data, aggregation: agg)
                matrix.precomputedPixels = fastPixels(of: matrix, layer: l, values: values, area: parts[1].size, context: context)
                heat = matrix
            }
        }
        let caption = prefix + heat.caption(for: parts[1].size, context: context)
        buffer.write(
            Text.truncate(caption, to: inner.width, ellipsis: context.glyphs.ellipsis), x: inner.x, y: inner.y, style: context.muted)
        heat.render(into: &buffer, area: parts[1], context: context)
    }

    /// The pixels of a downsampled heatmap of `layer` without a pass over it,
    /// when they can be had so: the fraction pruned from counts that follow
    /// the slider's cut (a single-weight ranking, or no preview of this
    /// layer), or any view of the committed state remembered for the step.
    /// Nil: the heatmap computes them itself.
    func fastPixels(of heat: Heatmap, layer l: ExplorerLayer, values: Tensor, area: Size, context: DrawContext) -> [Double?]? {
        let img = heat.imageSize(for: area, context: context)
        guard img.downsampled, img.width > 0, img.height > 0 else { return nil }
        let size = "\(img.width)x\(img.height)"
        let previewMask = preview.mask(for: l.tensor)
        if heat.aggregation == .fractionPruned, previewMask == nil || controls.ranksSingleWeights {
            let criterion = preview.criterion
            let key = "\(l.tensor)|\(session.version)|\(size)|\(criterion)|\(ObjectIdentifier(preview.planner))"
            let counts = pixelCounts.value(for: key) {
                PrunedPixelCounts(
                    values: values, mask: session.mask(l.tensor), rows: heat.rows, columns: heat.columns, width: img.width,
                    height: img.height)
            }
            let k = preview.cut(for: l.tensor)?.k ?? 0
            if k != counts.k {
                guard let index = try? preview.planner.scoreIndex(for: l.tensor, criterion: criterion) else { return nil }
                counts.advance(to: k, order: index.order)
            }
            return counts.pixels()
        }
        guard previewMask == nil else { return nil }
        let key = "\(l.tensor)|\(session.version)|\(size)|\(heat.aggregation)"
        return committedPixels.value(for: key) { heat.pixels(width: img.width, height: img.height) }
    }

    /// Per weight, +1 where it came back (masked before, kept now), -1 where
    /// it was pruned (kept before, masked now), 0 where nothing changed.
    static func maskChanges(before: Tensor?, after: Tensor?, count: Int) -> (values: [Float], pruned: Int, returned: Int) {
        var values = [Float](repeating: 0, count: count)
        var pruned = 0, returned = 0
        for i in 0..<count {
            let was = before.map { $0.data[i] != 0 } ?? true
            let now = after.map { $0.data[i] != 0 } ?? true
            if was, !now { values[i] = -1; pruned += 1 }
            if !was, now { values[i] = 1; returned += 1 }
        }
        return (values, pruned, returned)
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
        var loss = [(x: Double, y: Double)](), acc = [(x: Double, y: Double)](), markers = [LineChart.Marker]()
        let steps = session.history.prefix(session.cursor + 1)
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

    func renderChart(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        let inner = Block(title: "train loss / val acc", rightTitle: job.map { _ in "live" } ?? "", focused: focus.isFocused(3))
            .render(into: &buffer, area: area, context: context)
        let c = curve()
        let top = max(1e-3, (c.loss.map(\.y).max() ?? 1) * 1.05)
        let xMax = max(1, (c.loss.last?.x ?? 0), (c.accuracy.last?.x ?? 0))
        let loss = LineChart.Series(name: "train loss", points: c.loss)
        guard inner.height >= 8 else {
            // One axis for both when there is no room for two charts.
            LineChart(
                series: [loss, LineChart.Series(name: "val acc", points: c.accuracy)], markers: c.markers,
                xRange: 0...xMax, yRange: 0...max(1, top)
            ).render(into: &buffer, area: inner, context: context)
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
}
