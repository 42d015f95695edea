import Foundation
import PruneKit
import PruneTUI

extension InspectorApp {
    public mutating func render(into buffer: inout CellBuffer, context: DrawContext) {
        let full = buffer.bounds
        let rows = Layout.split(full, .vertical, [.fixed(1), .fill(1), .fixed(1)])
        renderHeader(into: &buffer, area: rows[0], context: context)
        let cols = Layout.split(rows[1], .horizontal, [.percentage(full.width < 120 ? 58 : 50), .fill(1)])
        renderList(into: &buffer, area: cols[0], context: context)
        let right = Layout.split(cols[1], .vertical, [.percentage(55), .fill(1)])
        renderDetails(into: &buffer, area: right[0], context: context)
        renderHeatmap(into: &buffer, area: right[1], context: context)
        if let l = loading {
            JobStatusBar(title: "reading statistics", fraction: l.fraction,
                         status: "\(l.tensorsDone)/\(l.tensorsTotal) tensors, \(Text.compact(Double(l.bytesDone))) of \(Text.compact(Double(l.bytesTotal))) bytes",
                         keys: "q quit").render(into: &buffer, area: rows[2], context: context)
        } else if let e = exporting {
            JobStatusBar(title: "exporting \(e)", fraction: 0.5, status: "computing masks and writing", keys: "").render(into: &buffer, area: rows[2], context: context)
        } else {
            let g = context.glyphs.isUnicode
            KeyHintBar([("?", "help"), (g ? "↑↓" : "jk", "select"), ("Enter", "fold"), ("/", "filter"), (g ? "←→" : "<>", "sparsity"),
                        ("g", scope == .global ? "per tensor" : "global"), ("n", twoOfFour ? "sparsity" : "2:4"), ("i x", "include/exclude"),
                        ("e", "export"), ("q", "quit")]).render(into: &buffer, area: rows[2], context: context)
        }
        toasts.render(into: &buffer, area: Rect(x: full.x, y: full.y + 1, width: full.width, height: max(0, full.height - 2)), context: context)
        if showHelp { InspectorApp.help.render(into: &buffer, area: full, context: context) }
        if let p = prompt { Prompt(state: p.state).render(into: &buffer, area: full, context: context) }
        if let path = confirmOverwrite {
            ConfirmDialog(title: "Overwrite?", lines: ["\(path) exists.", "y: overwrite it   n / Esc: keep it"]).render(into: &buffer, area: full, context: context)
        }
    }

    func renderHeader(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        buffer.fill(area, " ", context.base)
        let params = archive.tensors.reduce(0) { $0 + $1.elementCount }
        let bytes = archive.tensors.reduce(0) { $0 + $1.byteCount }
        let name = URL(fileURLWithPath: archive.path).lastPathComponent
        let left = " PruneScope · inspect \(name) (\(archive.format.rawValue), no model spec) · \(archive.tensors.count) tensors · \(Text.compact(Double(params))) params · \(Text.compact(Double(bytes)))B"
        let how = twoOfFour ? "2:4" : "\(scope == .global ? "global" : "per tensor") \(Text.percent(slider.value))"
        let right = "magnitude · \(how) · \(prunableNames.count) prunable "
        let rw = CellBuffer.columns(of: right)
        let l = buffer.write(Text.truncate(left, to: max(0, area.width - rw - 1), ellipsis: context.glyphs.ellipsis), x: area.x, y: area.y, style: context.title)
        if l + rw < area.width { buffer.write(right, x: area.maxX - rw, y: area.y, style: context.base.adding(.bold)) }
    }

    /// Elements, exact zeros, prunable elements, tensors and previewed zeros under `prefix`.
    func groupCounts(_ prefix: String) -> (elements: Int, zeros: Int, prunable: Int, tensors: Int, previewZeros: Double) {
        let names = tree.group(withPrefix: prefix)?.allTensors ?? []
        var e = 0, z = 0, p = 0, pz = 0.0
        for n in names {
            guard let info = archive.info(named: n) else { continue }
            e += info.elementCount
            if let entry = entry(n) {
                z += entry.statistics.zeroCount
                if entry.prunable.isPrunable { p += info.elementCount }
                pz += (previewSparsity(of: n) ?? 0) * Double(info.elementCount)
            }
        }
        return (e, z, p, names.count, pz)
    }

    mutating func renderList(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        let title = filter.isEmpty ? "Tensors" : "Tensors matching \"\(filter)\" (Esc clears)"
        let inner = Block(title: title, rightTitle: "zeros now → after*", focused: true).render(into: &buffer, area: area, context: context)
        layoutCache.table = inner
        let open = context.glyphs.isUnicode ? "▾" : "-", shut = context.glyphs.isUnicode ? "▸" : "+"
        let wide = inner.width >= 70
        // Room left for names: the fixed columns, their gaps and the selection marker.
        let nameWidth = max(8, inner.width - (wide ? 5 + 12 : 0) - 6 - 6 - 7 - 1 - (wide ? 7 : 5) - 2)
        /// Long names keep their end (the distinctive part): "…self.query.weight".
        func tail(_ s: String, _ width: Int) -> String {
            guard CellBuffer.columns(of: s) > width, width > 1 else { return s }
            return String(context.glyphs.ellipsis) + String(s.suffix(width - 1))
        }
        let shown = rows
        // Global previews come from the value distributions (bfloat16 resolution): approximate.
        let approx = scope == .global && !twoOfFour ? "≈" : ""
        let cells: [[TableCell]] = shown.map { row in
            switch row {
            case .group(let prefix, let name, let depth):
                let c = groupCounts(prefix)
                let label = String(repeating: "  ", count: depth) + (collapsed.contains(prefix) ? shut : open) + " " + name + " (\(c.tensors))"
                let zeros = inspection == nil ? "" : Text.percent(c.elements > 0 ? Double(c.zeros) / Double(c.elements) : 0)
                let after = c.prunable > 0 && c.elements > 0 ? approx + Text.percent(c.previewZeros / Double(c.elements)) + "*" : ""
                return [.text(label)] + (wide ? [.text(""), .text("")] : []) + [.text(Text.compact(Double(c.elements))), .text(zeros), .text(after), .text("")]
            case .tensor(let name, let depth):
                let info = archive.info(named: name)
                let entry = entry(name)
                let shape = info.map { $0.shape.map(String.init).joined(separator: "x") } ?? ""
                let short = filter.isEmpty ? String(name.split(separator: ".").last ?? Substring(name)) : name
                let zeros = entry.map { Text.percent($0.statistics.zeroFraction) } ?? "…"
                let after = entry.flatMap { e in e.prunable.isPrunable ? previewSparsity(of: name).map { approx + Text.percent($0) + "*" } : nil } ?? ""
                let prunable = entry?.prunable.isPrunable ?? info.map { rules.decide($0).isPrunable } ?? false
                let mark = prunable ? "P" : "-"
                let indent = String(repeating: "  ", count: depth) + "  "
                return [.text(indent + tail(short, nameWidth - indent.count))] + (wide ? [.text(info?.dtype.rawValue ?? ""), .text(shape)] : [])
                    + [.text(Text.compact(Double(info?.elementCount ?? 0))), .text(zeros), .text(after), .text(mark)]
            }
        }
        let columns = [TableColumn("name", width: .fill(1))]
            + (wide ? [TableColumn("dtype", width: .fixed(5)), TableColumn("shape", width: .fixed(12))] : [])
            + [TableColumn("params", width: .fixed(6), alignRight: true), TableColumn("zeros", width: .fixed(6), alignRight: true),
               TableColumn("after", width: .fixed(7), alignRight: true), TableColumn("p", width: .fixed(1))]
        table = Table(columns: columns, rows: cells, state: table).render(into: &buffer, area: inner, context: context)
    }

    mutating func renderDetails(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        guard let row = selectedRow else {
            _ = Block(title: filter.isEmpty ? "empty checkpoint" : "no tensor matches").render(into: &buffer, area: area, context: context)
            return
        }
        switch row {
        case .group(let prefix, _, _):
            let inner = Block(title: prefix, focused: false).render(into: &buffer, area: area, context: context)
            let c = groupCounts(prefix)
            let lines = ["\(c.tensors) tensors, \(Text.compact(Double(c.elements))) elements",
                         "prunable under the rules: \(Text.compact(Double(c.prunable))) elements",
                         inspection == nil ? "statistics: reading…" : "exact zeros: \(Text.percent(c.elements > 0 ? Double(c.zeros) / Double(c.elements) : 0))",
                         "", "Enter folds or opens the group; / filters by name."]
            for (i, l) in lines.enumerated() where i < inner.height {
                buffer.write(Text.truncate(l, to: inner.width, ellipsis: context.glyphs.ellipsis), x: inner.x, y: inner.y + i, style: context.base)
            }
        case .tensor(let name, _):
            let inner = Block(title: name, rightTitle: logScale ? "[log]" : "[linear]", focused: false).render(into: &buffer, area: area, context: context)
            guard let info = archive.info(named: name) else { return }
            let entry = entry(name)
            let decision = entry?.prunable ?? rules.decide(info)
            var lines = ["\(info.dtype.rawValue) \(info.shape) · \(Text.compact(Double(info.elementCount))) elements · \(Text.compact(Double(info.byteCount)))B"]
            if let s = entry?.statistics {
                lines.append("min \(Text.compact(Double(s.min)))  max \(Text.compact(Double(s.max)))  mean \(Text.compact(s.mean))  std \(Text.compact(s.std))  zeros \(Text.percent(s.zeroFraction))")
            } else {
                lines.append("statistics: reading…")
            }
            lines.append((decision.isPrunable ? "prunable: " : "not pruned: ") + decision.reason)
            for (i, l) in lines.enumerated() where i < inner.height {
                buffer.write(Text.truncate(l, to: inner.width, ellipsis: context.glyphs.ellipsis), x: inner.x, y: inner.y + i, style: i == 2 ? context.muted : context.base)
            }
            let rest = Rect(x: inner.x, y: inner.y + lines.count, width: inner.width, height: max(0, inner.height - lines.count))
            guard rest.height >= 4, let s = entry?.statistics else { return }
            let parts = Layout.split(rest, .vertical, [.fill(1), .fixed(1), .fixed(1)])
            let q = max(Double(s.distribution.quantile(0.999, magnitude: true)), 1e-12)
            let bins = max(1, parts[0].width - 8)
            let h = s.distribution.histogram(bins: bins, lower: Float(-q), upper: Float(q))
            let t = threshold(for: name).map(Double.init)
            Histogram(counts: h.counts.map(Double.init), range: -q...q, scale: logScale ? .log : .linear,
                      thresholds: t.map { [-$0, $0] } ?? [], shading: t == nil ? .none : .inside)
                .render(into: &buffer, area: parts[0], context: context)
            var caption: String
            if !decision.isPrunable {
                caption = "not pruned (i adds an include pattern)"
            } else if twoOfFour {
                caption = "2:4: the 2 smallest |w| of every 4 along a row go (50 %)"
            } else if let t {
                let after = previewSparsity(of: name) ?? 0
                caption = "prune |w| < \(Text.fixed(t, 5)): \(scope == .global ? "≈" : "")\(Text.percent(after)) of this tensor"
                if scope == .global { caption += " (global threshold over \(prunableNames.count) tensors)" }
            } else {
                caption = ""
            }
            buffer.write(Text.truncate(caption, to: parts[1].width, ellipsis: context.glyphs.ellipsis), x: parts[1].x, y: parts[1].y, style: context.base)
            let label = scope == .global ? "global sparsity" : "sparsity each"
            let readout = Text.percent(slider.value)
            layoutCache.slider = Slider.layout(area: parts[2], label: label, readout: readout).track
            Slider(label: label, state: slider, readout: readout, focused: true).render(into: &buffer, area: parts[2], context: context)
        }
    }

    func renderHeatmap(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        guard case .tensor(let name, _)? = selectedRow, let info = archive.info(named: name) else {
            _ = Block(title: "heatmap").render(into: &buffer, area: area, context: context)
            return
        }
        let inner = Block(title: "\(name.split(separator: ".").last ?? "") |w| (pruned dark)").render(into: &buffer, area: area, context: context)
        guard info.dtype.isFloatingPoint, info.shape.count >= 1, info.elementCount > 0, inner.height >= 2 else {
            buffer.write(Text.truncate("no heatmap for \(info.dtype.rawValue) \(info.shape)", to: inner.width, ellipsis: context.glyphs.ellipsis),
                         x: inner.x, y: inner.y, style: context.muted)
            return
        }
        let handle = ArchiveHandle(archive: archive)
        guard let img = heatCache.heatmap.value(for: name, { InspectorApp.downsample(handle.archive, info) }) else { return }
        let t = threshold(for: name)
        let mask: [Float]? = t.map { t in img.values.map { abs($0) < t ? 0 : 1 } }
        let heat = Heatmap(values: img.values, rows: img.rows, columns: img.columns, mask: mask, aggregation: .maxAbs)
        let parts = Layout.split(inner, .vertical, [.fixed(1), .fill(1)])
        let arrow = context.glyphs.isUnicode ? "→" : "->"
        let caption = img.rows == img.source.rows && img.columns == img.source.columns
            ? heat.caption(for: parts[1].size, context: context)
            : "\(img.source.rows)x\(img.source.columns) \(arrow) \(img.rows)x\(img.columns) blocks (max |w|); " + heat.caption(for: parts[1].size, context: context)
        buffer.write(Text.truncate(caption, to: inner.width, ellipsis: context.glyphs.ellipsis), x: inner.x, y: inner.y, style: context.muted)
        heat.render(into: &buffer, area: parts[1], context: context)
    }

    /// The tensor as `[shape[0], rest]`, reduced to at most 192 x 384 blocks
    /// by the signed value of largest |w| (so a 30522 x 768 embedding is one
    /// pass, not one per frame).
    static func downsample(_ archive: any TensorArchive, _ info: TensorInfo) -> (values: [Float], rows: Int, columns: Int, source: (rows: Int, columns: Int))? {
        guard let t = try? archive.floatTensor(named: info.name) else { return nil }
        let rows = info.shape.count >= 2 ? info.shape[0] : 1
        let cols = max(1, t.count / max(1, rows))
        let r = min(rows, 192), c = min(cols, 384)
        var out = [Float](repeating: 0, count: r * c)
        var best = [Float](repeating: -1, count: r * c)
        t.data.withUnsafeBufferPointer { v in
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

    static let help = HelpOverlay(title: "Inspecting a checkpoint", sections: [
        HelpOverlay.Section("List", [("↑ ↓  j k  PgUp PgDn", "select"), ("Enter  Space", "fold / open a group"), ("/", "filter by text or glob"),
                                     ("Esc", "clear the filter")]),
        HelpOverlay.Section("Pruning (magnitude)", [("← →  < >", "target sparsity (coarse / fine)"), ("g", "one global ranking / each tensor alone"),
                                                    ("n", "2:4 semi-structured / a sparsity"), ("i  x", "add an include / exclude pattern"),
                                                    ("D", "default rules on / off (2-D weights and conv kernels; no embeddings, norms, biases)"),
                                                    ("c", "why other criteria are not offered"), ("e", "export the pruned checkpoint")]),
        HelpOverlay.Section("View", [("L", "histogram counts linear / log"), ("T", "next theme"), ("?", "this help"), ("q  Ctrl-C", "quit")]),
    ])
}
