import PruneKit
import PruneTUI

extension InspectorModel {
    func renderList(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        let title = filter.isEmpty ? "Tensors" : "Tensors matching \"\(filter)\" (Esc clears)"
        let inner = Block(title: title, rightTitle: "zeros now → after*", focused: true).render(into: &buffer, area: area, context: context)
        let open = context.glyphs.isUnicode ? "▾" : "-", shut = context.glyphs.isUnicode ? "▸" : "+"
        let wide = inner.width >= 70
        // Room left for names: the fixed columns, their gaps and the selection marker.
        let nameWidth = max(8, inner.width - (wide ? 5 + 12 : 0) - 6 - 6 - 7 - 1 - (wide ? 7 : 5) - 2)
        /// Long names keep their end (the distinctive part): "…self.query.weight".
        func tail(_ s: String, _ width: Int) -> String {
            guard CellBuffer.columns(of: s) > width, width > 1 else { return s }
            return String(context.glyphs.ellipsis) + String(s.suffix(width - 1))
        }
        // Global previews come from the value distributions (bfloat16 resolution): approximate.
        let approx = scope == .global && !twoOfFour ? "≈" : ""
        // Cells for the rows in view only (the update keeps the offset in range).
        let first = min(max(0, table.offset), rows.count)
        let shown = rows[first..<min(rows.count, first + max(0, inner.height - 1))]
        let cells: [[TableCell]] = shown.map { row in
            switch row {
            case .group(let prefix, let name, let depth):
                let counts = groupCounts(prefix)
                let label =
                    String(repeating: "  ", count: depth) + (collapsed.contains(prefix) ? shut : open) + " " + name + " (\(counts.tensors))"
                let zeros =
                    inspection == nil ? "" : Format.percent(counts.elements > 0 ? Double(counts.zeros) / Double(counts.elements) : 0)
                let after =
                    counts.prunable > 0 && counts.elements > 0
                    ? approx + Format.percent(counts.previewZeros / Double(counts.elements)) + "*" : ""
                return [.text(label)] + (wide ? [.text(""), .text("")] : [])
                    + [.text(Text.compact(Double(counts.elements))), .text(zeros), .text(after), .text("")]
            case .tensor(let name, let depth):
                let info = archive.info(named: name)
                let entry = entry(name)
                let shape = info.map { $0.shape.map(String.init).joined(separator: "x") } ?? ""
                let short = filter.isEmpty ? String(name.split(separator: ".").last ?? Substring(name)) : name
                let zeros = entry.map { Format.percent($0.statistics.zeroFraction) } ?? "…"
                let after =
                    entry.flatMap { e in e.prunable.isPrunable ? previewSparsity(of: name).map { approx + Format.percent($0) + "*" } : nil }
                    ?? ""
                let prunable = entry?.prunable.isPrunable ?? info.map { rules.decide($0).isPrunable } ?? false
                let indent = String(repeating: "  ", count: depth) + "  "
                return [.text(indent + tail(short, nameWidth - indent.count))]
                    + (wide ? [.text(info?.dtype.rawValue ?? ""), .text(shape)] : [])
                    + [.text(Text.compact(Double(info?.elementCount ?? 0))), .text(zeros), .text(after), .text(prunable ? "P" : "-")]
            }
        }
        let columns =
            [TableColumn("name", width: .fill(1))]
            + (wide ? [TableColumn("dtype", width: .fixed(5)), TableColumn("shape", width: .fixed(12))] : [])
            + [
                TableColumn("params", width: .fixed(6), alignRight: true), TableColumn("zeros", width: .fixed(6), alignRight: true),
                TableColumn("after", width: .fixed(7), alignRight: true), TableColumn("p", width: .fixed(1)),
            ]
        // The scroll offset is already right (the update keeps it): the state returned is the one passed in.
        Table(columns: columns, rows: cells, firstRow: first, rowCount: rows.count, state: table)
            .render(into: &buffer, area: inner, context: context)
    }
}
