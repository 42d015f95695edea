/// One table cell: text, or a small bar (e.g. a layer's sparsity).
public enum TableCell: Sendable, ExpressibleByStringLiteral {
    case text(String)
    case gauge(Double)
    public init(stringLiteral value: String) { self = .text(value) }
}

/// A column: its header, width and alignment.
public struct TableColumn: Sendable {
    public var title: String
    public var width: Constraint
    public var alignRight: Bool
    public init(_ title: String, width: Constraint, alignRight: Bool = false) {
        self.title = title; self.width = width; self.alignRight = alignRight
    }
}

/// Selection and scroll position of a table.
public struct TableState: Hashable, Sendable {
    public var selected: Int
    /// First visible row.
    public var offset: Int

    public init(selected: Int = 0, offset: Int = 0) { self.selected = selected; self.offset = offset }

    /// Up/Down/j/k, PageUp/PageDown, Home/End. Returns whether the selection moved.
    public mutating func handle(_ key: Key, rowCount: Int, pageSize: Int) -> Bool {
        guard rowCount > 0 else { return false }
        let old = selected
        switch key {
        case .up, .char("k"): selected -= 1
        case .down, .char("j"): selected += 1
        case .pageUp: selected -= max(1, pageSize)
        case .pageDown: selected += max(1, pageSize)
        case .home: selected = 0
        case .end: selected = rowCount - 1
        default: return false
        }
        selected = min(rowCount - 1, max(0, selected))
        return selected != old
    }

    /// A click on a row selects it; the wheel scrolls. `area` is the table's
    /// area as passed to `render`. Returns whether the selection moved.
    public mutating func handle(_ mouse: MouseEvent, area: Rect, rowCount: Int) -> Bool {
        guard area.contains(mouse.position) else { return false }
        let old = selected
        switch mouse.kind {
        case .press, .click:
            let row = offset + mouse.position.y - area.y - 1
            if row >= 0 && row < rowCount { selected = row }
        case .wheelUp: selected = max(0, selected - 1)
        case .wheelDown: selected = min(rowCount - 1, selected + 1)
        default: break
        }
        return selected != old
    }

    /// Moves `offset` so the selected row is among `visible` rows.
    public mutating func scrollToSelection(visible: Int, rowCount: Int) {
        guard visible > 0 else { return }
        selected = min(max(0, selected), max(0, rowCount - 1))
        if selected < offset { offset = selected }
        if selected >= offset + visible { offset = selected - visible + 1 }
        offset = max(0, min(offset, max(0, rowCount - visible)))
    }
}

/// Rows under a header, the selected row marked with a glyph and reverse
/// (or selection colours), scrolled to keep the selection in view.
public struct Table: Sendable {
    public var columns: [TableColumn]
    public var rows: [[TableCell]]
    public var state: TableState
    /// Rows after the last one (e.g. totals), not selectable.
    public var footer: [[TableCell]]
    /// The index of `rows[0]` in the whole list: a long list passes only the
    /// rows in view (from `state.offset`), so drawing costs what is seen.
    public var firstRow: Int
    /// Rows in the whole list (`rows.count` when every row is passed).
    public var rowCount: Int

    public init(columns: [TableColumn], rows: [[TableCell]], state: TableState, footer: [[TableCell]] = []) {
        self.columns = columns; self.rows = rows; self.state = state; self.footer = footer
        firstRow = 0
        rowCount = rows.count
    }

    /// A table of `rowCount` rows of which `rows` are those from `firstRow` on:
    /// rows outside are drawn blank, so pass at least the rows in view.
    public init(
        columns: [TableColumn], rows: [[TableCell]], firstRow: Int, rowCount: Int, state: TableState, footer: [[TableCell]] = []
    ) {
        self.columns = columns; self.rows = rows; self.state = state; self.footer = footer
        self.firstRow = firstRow
        self.rowCount = rowCount
    }

    /// Visible body rows for an area (header and footer excluded).
    public func visibleRows(in area: Rect) -> Int { max(0, area.height - 1 - footer.count) }

    /// Draws; returns the state with the scroll offset adjusted.
    @discardableResult
    public func render(into buffer: inout CellBuffer, area: Rect, context: DrawContext) -> TableState {
        var st = state
        guard area.width > 2, area.height > 0 else { return st }
        let inner = Rect(x: area.x + 2, y: area.y, width: area.width - 3, height: area.height)
        let cols = Layout.split(inner, .horizontal, columns.map(\.width), spacing: 1)
        let header = context.muted.adding(.underline)
        for (c, col) in columns.enumerated() where cols[c].width > 0 {
            buffer.write(
                Text.fit(col.title, cols[c].width, alignRight: col.alignRight, ellipsis: context.glyphs.ellipsis),
                x: cols[c].x, y: area.y, style: header)
        }
        let visible = visibleRows(in: area)
        st.scrollToSelection(visible: visible, rowCount: rowCount)
        func drawRow(_ cells: [TableCell], y: Int, style: Style) {
            for (c, col) in columns.enumerated() where c < cells.count && cols[c].width > 0 {
                switch cells[c] {
                case .text(let s):
                    buffer.write(
                        Text.fit(s, cols[c].width, alignRight: col.alignRight, ellipsis: context.glyphs.ellipsis),
                        x: cols[c].x, y: y, style: style)
                case .gauge(let f):
                    Gauge.drawBar(into: &buffer, x: cols[c].x, y: y, width: cols[c].width, fraction: f, context: context)
                }
            }
        }
        for i in 0..<visible {
            let r = st.offset + i
            guard r < rowCount else { break }
            let y = area.y + 1 + i
            let isSel = r == st.selected
            let style = isSel ? context.selection : context.base
            if isSel {
                buffer.fill(Rect(x: area.x, y: y, width: area.width, height: 1), " ", style)
                buffer.set(area.x, y, context.glyphs.selectionMarker, style)
            }
            if rows.indices.contains(r - firstRow) { drawRow(rows[r - firstRow], y: y, style: style) }
        }
        for (i, f) in footer.enumerated() {
            let y = area.maxY - footer.count + i
            if y > area.y { drawRow(f, y: y, style: context.base.adding(.bold)) }
        }
        if st.offset > 0 { buffer.set(area.maxX - 1, area.y + 1, context.glyphs.arrowUp, context.muted) }
        if st.offset + visible < rowCount { buffer.set(area.maxX - 1, area.y + visible, context.glyphs.arrowDown, context.muted) }
        return st
    }
}
