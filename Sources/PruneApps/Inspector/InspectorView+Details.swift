import PruneKit
import PruneTUI

extension InspectorModel {
    func renderDetails(into buffer: inout CellBuffer, areas: InspectorLayout, context: DrawContext) {
        let area = areas.detailsBlock
        guard let row = selectedRow else {
            _ = Block(title: filter.isEmpty ? "empty checkpoint" : "no tensor matches").render(into: &buffer, area: area, context: context)
            return
        }
        let ellipsis = context.glyphs.ellipsis
        switch row {
        case .group(let prefix, _, _):
            let inner = Block(title: prefix, focused: false).render(into: &buffer, area: area, context: context)
            let counts = groupCounts(prefix)
            let zeros = counts.elements > 0 ? Double(counts.zeros) / Double(counts.elements) : 0
            let lines = [
                "\(counts.tensors) tensors, \(Text.compact(Double(counts.elements))) elements",
                "prunable under the rules: \(Text.compact(Double(counts.prunable))) elements",
                inspection == nil ? "statistics: reading…" : "exact zeros: \(Format.percent(zeros))",
                "", "Enter folds or opens the group; / filters by name.",
            ]
            for (i, line) in lines.enumerated() where i < inner.height {
                buffer.write(Text.truncate(line, to: inner.width, ellipsis: ellipsis), x: inner.x, y: inner.y + i, style: context.base)
            }
        case .tensor(let name, _):
            let inner = Block(title: name, rightTitle: logScale ? "[log]" : "[linear]", focused: false).render(
                into: &buffer, area: area, context: context)
            guard let info = archive.info(named: name) else { return }
            let entry = entry(name)
            let decision = entry?.prunable ?? rules.decide(info)
            var lines = [
                "\(info.dtype.rawValue) \(info.shape) · \(Text.compact(Double(info.elementCount))) elements · \(Format.mebibytes(info.byteCount))"
            ]
            if let s = entry?.statistics {
                lines.append(
                    "min \(Text.compact(Double(s.min)))  max \(Text.compact(Double(s.max)))  mean \(Text.compact(s.mean))  "
                        + "std \(Text.compact(s.std))  zeros \(Format.percent(s.zeroFraction))")
            } else {
                lines.append("statistics: reading…")
            }
            lines.append((decision.isPrunable ? "prunable: " : "not pruned: ") + decision.reason)
            for (i, line) in lines.enumerated() where i < inner.height {
                buffer.write(
                    Text.truncate(line, to: inner.width, ellipsis: ellipsis), x: inner.x, y: inner.y + i,
                    style: i == 2 ? context.muted : context.base)
            }
            guard areas.histogram.height > 0, let s = entry?.statistics else { return }
            renderHistogram(name, s, decision: decision, into: &buffer, areas: areas, context: context)
        }
    }

    /// The selected tensor's value histogram with the pruning threshold, its caption and the slider.
    func renderHistogram(
        _ name: String, _ s: TensorStatistics, decision: PrunableRules.Decision, into buffer: inout CellBuffer,
        areas: InspectorLayout, context: DrawContext
    ) {
        let q = max(Double(s.distribution.quantile(0.999, magnitude: true)), 1e-12)
        let bins = max(1, areas.histogram.width - 8)
        let counts = s.distribution.histogram(bins: bins, lower: Float(-q), upper: Float(q))
        let t = threshold(for: name).map(Double.init)
        Histogram(
            counts: counts.counts.map(Double.init), range: -q...q, scale: logScale ? .log : .linear,
            thresholds: t.map { [-$0, $0] } ?? [], shading: t == nil ? .none : .inside
        )
        .render(into: &buffer, area: areas.histogram, context: context)
        var caption: String
        if !decision.isPrunable {
            caption = "not pruned (i adds an include pattern)"
        } else if twoOfFour {
            caption = "2:4: the 2 smallest |w| of every 4 along a row go (50 %)"
        } else if let t {
            let after = previewSparsity(of: name) ?? 0
            caption = "prune |w| < \(Text.fixed(t, 5)): \(scope == .global ? "≈" : "")\(Format.percent(after)) of this tensor"
            if scope == .global { caption += " (global threshold over \(prunableNames.count) tensors)" }
        } else {
            caption = ""
        }
        let line = areas.caption
        buffer.write(Text.truncate(caption, to: line.width, ellipsis: context.glyphs.ellipsis), x: line.x, y: line.y, style: context.base)
        Slider(label: sliderLabel, state: slider, readout: sliderReadout, focused: true).render(
            into: &buffer, area: areas.sliderRow, context: context)
    }

    func renderHeatmap(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        guard case .tensor(let name, _)? = selectedRow, let info = archive.info(named: name) else {
            _ = Block(title: "heatmap").render(into: &buffer, area: area, context: context)
            return
        }
        let inner = Block(title: "\(name.split(separator: ".").last ?? "") |w| (pruned dark)").render(
            into: &buffer, area: area, context: context)
        guard info.dtype.isFloatingPoint, info.shape.count >= 1, info.elementCount > 0, inner.height >= 2 else {
            buffer.write(
                Text.truncate("no heatmap for \(info.dtype.rawValue) \(info.shape)", to: inner.width, ellipsis: context.glyphs.ellipsis),
                x: inner.x, y: inner.y, style: context.muted)
            return
        }
        let archive = self.archive
        guard let image = heatCache.heatmap.value(for: name, { InspectorModel.downsample(archive, info) }) else { return }
        let t = threshold(for: name)
        let mask: [Float]? = t.map { t in image.values.map { abs($0) < t ? 0 : 1 } }
        let heat = Heatmap(values: image.values, rows: image.rows, columns: image.columns, mask: mask, aggregation: .maxAbs)
        let parts = Layout.split(inner, .vertical, [.fixed(1), .fill(1)])
        let arrow = context.glyphs.isUnicode ? "→" : "->"
        let caption =
            image.rows == image.source.rows && image.columns == image.source.columns
            ? heat.caption(for: parts[1].size, context: context)
            : "\(image.source.rows)x\(image.source.columns) \(arrow) \(image.rows)x\(image.columns) blocks (max |w|); "
                + heat.caption(for: parts[1].size, context: context)
        buffer.write(
            Text.truncate(caption, to: inner.width, ellipsis: context.glyphs.ellipsis), x: inner.x, y: inner.y, style: context.muted)
        heat.render(into: &buffer, area: parts[1], context: context)
    }

    /// The tensor as `[shape[0], rest]`, reduced to at most 192 x 384 blocks
    /// by the signed value of largest |w| (so a 30522 x 768 embedding is one
    /// pass, not one per frame).
    static func downsample(
        _ archive: any TensorArchive, _ info: TensorInfo
    )
        -> (values: [Float], rows: Int, columns: Int, source: (rows: Int, columns: Int))?
    {
        guard let tensor = try? archive.floatTensor(named: info.name) else { return nil }
        let rows = info.shape.count >= 2 ? info.shape[0] : 1
        let cols = max(1, tensor.count / max(1, rows))
        let r = min(rows, 192), c = min(cols, 384)
        var out = [Float](repeating: 0, count: r * c)
        var best = [Float](repeating: -1, count: r * c)
        tensor.data.withUnsafeBufferPointer { v in
            for i in 0..<rows {
                let pr = i * r / rows
                for j in 0..<cols {
                    let x = v[i * cols + j], a = abs(x)
                    let k = pr * c + j * c / cols
                    if a > best[k] { best[k] = a; out[k] = x }
                }
            }
        }
        return (out, r, c, (rows, cols))
    }
}
