/// A centred box listing keys and what they do, drawn over the screen.
/// When the list is taller than the screen it scrolls: `scroll` is the first
/// line shown, `HelpState` moves it with the keys, and the bottom border
/// says how many lines are hidden above ("▲ 4 more") and below ("▼ 12 more").
public struct HelpOverlay: Sendable {
    public struct Section: Sendable {
        public var title: String
        public var entries: [(key: String, text: String)]
        public init(_ title: String, _ entries: [(key: String, text: String)]) { self.title = title; self.entries = entries }
    }

    public var title: String
    public var sections: [Section]
    /// First line shown (for long help on small screens); clamped when drawn.
    public var scroll: Int

    public init(title: String = "Help", sections: [Section], scroll: Int = 0) {
        self.title = title; self.sections = sections; self.scroll = scroll
    }

    /// One line of the body: a section title, an entry, or the blank between sections.
    enum Line { case section(String), entry(key: String, text: String), blank }

    var lines: [Line] {
        var out: [Line] = []
        for (i, s) in sections.enumerated() {
            if i > 0 { out.append(.blank) }
            out.append(.section(s.title))
            out += s.entries.map { .entry(key: $0.key, text: $0.text) }
        }
        return out
    }

    /// The lines of the body: section titles, entries and the blanks between sections.
    public var lineCount: Int { sections.reduce(0) { $0 + $1.entries.count + 1 } + max(0, sections.count - 1) }

    private var keyWidth: Int { sections.flatMap { $0.entries.map { CellBuffer.columns(of: $0.key) } }.max() ?? 0 }

    private func dialog(scrollable: Bool) -> Dialog {
        Dialog(title: title, keys: scrollable ? "↑↓ PgUp PgDn scroll  Esc close" : "Esc close")
    }

    private var contentSize: Size {
        let textWidth = sections.flatMap { $0.entries.map { CellBuffer.columns(of: $0.text) } }.max() ?? 0
        let titleWidth = sections.map { CellBuffer.columns(of: $0.title) + 2 }.max() ?? 0
        return Size(width: max(keyWidth + textWidth + 5, titleWidth), height: lineCount)
    }

    /// The box the overlay takes in `area`.
    public func box(in area: Rect) -> Rect {
        let fits = dialog(scrollable: false).box(content: contentSize, in: area)
        if fits.height - 2 >= lineCount { return fits }
        return dialog(scrollable: true).box(content: contentSize, in: area)
    }

    /// How many body lines show at once in `area`.
    public func visibleLineCount(in area: Rect) -> Int {
        let b = box(in: area)
        return b.width >= 8 && b.height >= 3 ? b.height - 2 : 0
    }

    /// The largest useful `scroll` in `area` (0 when everything fits).
    public func maxScroll(in area: Rect) -> Int { max(0, lineCount - visibleLineCount(in: area)) }

    /// Draws the overlay scrolled to `state` (instead of `scroll`).
    public func render(into buffer: inout CellBuffer, area: Rect, context: DrawContext, state: HelpState) {
        var scrolled = self
        scrolled.scroll = state.scroll
        scrolled.render(into: &buffer, area: area, context: context)
    }

    public func render(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        let box = box(in: area)
        guard box.width >= 8, box.height >= 3 else { return }
        let lines = lines
        let visible = box.height - 2
        let inner = dialog(scrollable: lines.count > visible).render(into: &buffer, box: box, context: context)
        let keyW = keyWidth
        let start = max(0, min(scroll, lines.count - visible))
        for (row, line) in lines.dropFirst(start).prefix(inner.height).enumerated() {
            let y = inner.y + row
            switch line {
            case .blank: break
            case .section(let title):
                buffer.write(
                    Text.truncate(title, to: inner.width - 1, ellipsis: context.glyphs.ellipsis), x: inner.x + 1, y: y,
                    style: context.overlay.adding([.bold, .underline]))
            case .entry(let key, let text):
                buffer.write(
                    Text.fit(key, keyW, alignRight: true), x: inner.x + 1, y: y,
                    style: context.overlay.fg(context.color(.hintKey)).adding(.bold))
                buffer.write(
                    Text.truncate(text, to: max(0, inner.width - keyW - 3), ellipsis: context.glyphs.ellipsis),
                    x: inner.x + keyW + 3, y: y, style: context.overlay)
            }
        }
        // How much is hidden, on the bottom border.
        let style = context.focusedBorder
        let above = start, below = lines.count - start - visible
        if above > 0 {
            let text = Text.truncate(" \(Character(context.glyphs.arrowUp)) \(above) more ", to: box.width / 2 - 1)
            buffer.write(text, x: box.x + 2, y: box.maxY - 1, style: style)
        }
        if below > 0 {
            let text = Text.truncate(" \(Character(context.glyphs.arrowDown)) \(below) more ", to: box.width / 2 - 1)
            buffer.write(text, x: box.maxX - 2 - CellBuffer.columns(of: text), y: box.maxY - 1, style: style)
        }
    }
}

/// Where a help overlay is scrolled to. Keys move it and clamp it to what
/// the overlay shows in the area it is drawn in:
///
///     case .key(let k) where showHelp: _ = helpState.handle(k, help: help, area: screen)
///     help.render(into: &buffer, area: screen, context: context, state: helpState)
public struct HelpState: Hashable, Sendable {
    /// The first body line shown.
    public var scroll: Int

    public init(scroll: Int = 0) { self.scroll = scroll }

    /// ↑/k and ↓/j move a line, PgUp/PgDn (and Space) a page, Home/End (and g/G) to
    /// the ends; returns whether the key was one of these.
    public mutating func handle(_ key: Key, help: HelpOverlay, area: Rect) -> Bool {
        let page = max(1, help.visibleLineCount(in: area) - 1)
        switch key {
        case .up, .char("k"): scroll -= 1
        case .down, .char("j"): scroll += 1
        case .pageUp: scroll -= page
        case .pageDown, .char(" "): scroll += page
        case .home, .char("g"): scroll = 0
        case .end, .char("G"): scroll = .max
        default: return false
        }
        scroll = max(0, min(scroll, help.maxScroll(in: area)))
        return true
    }

    /// The mouse wheel scrolls three lines; returns whether it was a wheel event.
    public mutating func handle(_ mouse: MouseEvent, help: HelpOverlay, area: Rect) -> Bool {
        switch mouse.kind {
        case .wheelUp: scroll -= 3
        case .wheelDown: scroll += 3
        default: return false
        }
        scroll = max(0, min(scroll, help.maxScroll(in: area)))
        return true
    }
}
