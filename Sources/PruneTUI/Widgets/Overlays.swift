/// The bottom line of key hints: `?` help `q` quit ... Hints that do not fit
/// are left out from the end.
public struct KeyHintBar: Sendable {
    public var hints: [(key: String, action: String)]
    public init(_ hints: [(key: String, action: String)]) { self.hints = hints }

    public func render(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        guard area.width > 0, area.height > 0 else { return }
        let y = area.y
        buffer.fill(Rect(x: area.x, y: y, width: area.width, height: 1), " ", context.style(.hintText))
        var x = area.x + 1
        for h in hints {
            let w = CellBuffer.columns(of: h.key) + 1 + CellBuffer.columns(of: h.action)
            if x + w > area.maxX { break }
            x += buffer.write(h.key, x: x, y: y, style: context.style(.hintKey, [.bold]))
            x += 1
            x += buffer.write(h.action, x: x, y: y, style: context.style(.hintText))
            x += 2
        }
    }
}

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
                buffer.write(Text.truncate(title, to: inner.width - 1, ellipsis: context.glyphs.ellipsis), x: inner.x + 1, y: y,
                             style: context.overlay.adding([.bold, .underline]))
            case .entry(let key, let text):
                buffer.write(Text.fit(key, keyW, alignRight: true), x: inner.x + 1, y: y, style: context.overlay.fg(context.color(.hintKey)).adding(.bold))
                buffer.write(Text.truncate(text, to: max(0, inner.width - keyW - 3), ellipsis: context.glyphs.ellipsis),
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

/// A typed value being entered in a modal prompt.
///
/// A prefilled value starts selected, as in a dialog's text field: the first
/// character typed replaces it, Backspace or Delete clears it, and the
/// cursor keys drop the selection and move as usual. So "t" then "90%" over
/// a prefilled "0.00000" gives "90%", not "0.0000090%".
public struct PromptState: Hashable, Sendable {
    public var title: String
    public var label: String
    public var text: String
    /// Cursor position in characters.
    public var cursor: Int
    /// Whether the whole text is selected (replaced by the next character typed).
    public var isTextSelected: Bool
    /// Shown under the field (e.g. "not a number"); the caller sets it.
    public var error: String?

    /// - Parameter selectingText: start with the prefilled `text` selected (the default).
    public init(title: String, label: String, text: String = "", selectingText: Bool = true) {
        self.title = title; self.label = label; self.text = text; cursor = text.count
        isTextSelected = selectingText && !text.isEmpty
    }

    public enum Outcome: Hashable, Sendable { case editing, submitted(String), cancelled }

    /// Editing keys: characters insert (or replace the selection),
    /// Backspace/Delete remove (or clear the selection), Left/Right/Home/End
    /// move (and deselect), Ctrl-U clears, Enter submits, Esc cancels.
    public mutating func handle(_ key: Key) -> Outcome {
        var chars = Array(text)
        let selected = isTextSelected
        switch key {
        case .enter: return .submitted(text)
        case .escape: return .cancelled
        case .char(let c):
            if selected { chars = []; cursor = 0 }
            chars.insert(c, at: min(cursor, chars.count)); cursor += 1
        case .backspace:
            if selected { chars = []; cursor = 0 } else if cursor > 0 { chars.remove(at: cursor - 1); cursor -= 1 }
        case .delete:
            if selected { chars = []; cursor = 0 } else if cursor < chars.count { chars.remove(at: cursor) }
        case .left: cursor = max(0, cursor - 1)
        case .right: cursor = min(chars.count, cursor + 1)
        case .home, .ctrl("a"): cursor = 0
        case .end, .ctrl("e"): cursor = chars.count
        case .ctrl("u"): chars = []; cursor = 0
        default: return .editing
        }
        isTextSelected = false
        text = String(chars)
        error = nil
        return .editing
    }
}

/// A modal box with one text field, centred over the screen.
public struct Prompt: Sendable {
    public var state: PromptState
    public init(state: PromptState) { self.state = state }

    public func render(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        let errorWidth = state.error.map { CellBuffer.columns(of: $0) + 2 } ?? 0
        let content = Size(width: max(38, CellBuffer.columns(of: state.label) + 22, errorWidth), height: state.error == nil ? 3 : 4)
        let dialog = Dialog(title: state.title, keys: "Enter ok  Esc cancel")
        let box = dialog.box(content: content, in: area)
        guard box.width >= 10, box.height >= 3 else { return }
        let inner = dialog.render(into: &buffer, box: box, context: context)
        guard inner.height >= 1 else { return }
        let lw = buffer.write(state.label + " ", x: inner.x + 1, y: inner.y + (inner.height > 1 ? 1 : 0), style: context.overlay.adding(.bold))
        let fieldX = inner.x + 1 + lw, fieldW = inner.maxX - 1 - fieldX
        let y = inner.y + (inner.height > 1 ? 1 : 0)
        guard fieldW > 1 else { return }
        let chars = Array(state.text)
        let start = max(0, state.cursor - fieldW + 1)
        let field = Style(fg: context.color(.foreground), bg: context.color(.background), attributes: [.underline])
        buffer.fill(Rect(x: fieldX, y: y, width: fieldW, height: 1), " ", field)
        buffer.write(String(chars[min(start, chars.count)...]), x: fieldX, y: y, style: field, maxWidth: fieldW)
        if state.isTextSelected {
            // The selection in reverse video, so it shows without colour;
            // typing replaces it.
            let shown = min(CellBuffer.columns(of: String(chars[min(start, chars.count)...])), fieldW)
            for x in fieldX..<fieldX + shown { buffer.setStyle(x, y, field.adding(.reverse)) }
        } else {
            let cx = fieldX + state.cursor - start
            let under = buffer[cx, y]
            buffer.set(cx, y, under.char, field.adding(.reverse))
        }
        if let e = state.error, inner.height >= 3 {
            buffer.write(Text.truncate(e, to: inner.width - 2), x: inner.x + 1, y: y + 2, style: context.style(.error, [.bold]).bg(context.color(.overlayBackground)))
        }
    }
}

/// A transient message.
public struct Toast: Hashable, Sendable {
    public enum Level: Hashable, Sendable { case info, warning, error }
    public var text: String
    public var level: Level
    /// Clock time after which it disappears.
    public var expires: Double
}

/// Transient messages shown bottom-right, newest at the bottom, each gone
/// after its time. Level shows as a prefix glyph, not only colour.
public struct Toasts: Hashable, Sendable {
    public private(set) var items: [Toast] = []
    public init() {}

    public mutating func post(_ text: String, level: Toast.Level = .info, now: Double, duration: Double = 3) {
        items.append(Toast(text: text, level: level, expires: now + duration))
        if items.count > 4 { items.removeFirst(items.count - 4) }
    }

    /// Drops expired messages; returns whether any went.
    @discardableResult
    public mutating func expire(now: Double) -> Bool {
        let n = items.count
        items.removeAll { $0.expires <= now }
        return items.count != n
    }

    public var isEmpty: Bool { items.isEmpty }

    /// Draws the messages inside `area` and nowhere else, newest at the
    /// bottom right: give it the inside of a block (`Block.inner`) or
    /// another region without borders, so no border or axis label is drawn
    /// over. A long message wraps onto up to `maxLines` lines of at most
    /// `maxWidth` columns (default: the area's width), the last one cut with
    /// an ellipsis; older messages that do not fit are left out whole.
    public func render(into buffer: inout CellBuffer, inside area: Rect, context: DrawContext,
                       maxWidth: Int? = nil, maxLines: Int = 3) {
        let width = min(area.width, maxWidth ?? area.width)
        guard width >= 5, area.height >= 1 else { return }
        var bottom = area.maxY
        for toast in items.reversed() {
            let lines = Toasts.lines(of: toast, width: width, maxLines: max(1, maxLines), context: context)
            guard bottom - lines.count >= area.y else { break }
            bottom -= lines.count
            for (i, line) in lines.enumerated() {
                buffer.write(line, x: area.maxX - CellBuffer.columns(of: line), y: bottom + i, style: Toasts.style(toast, context))
            }
        }
    }

    /// Draws the newest message right-aligned in the one-line `row`, cut
    /// with an ellipsis to at most `maxWidth` columns (default: the row).
    /// Returns the part of the row to its left, for the line's usual
    /// content (e.g. a `KeyHintBar`); the whole row when there is no message.
    @discardableResult
    public func renderLine(into buffer: inout CellBuffer, row: Rect, context: DrawContext, maxWidth: Int? = nil) -> Rect {
        let row = Rect(x: row.x, y: row.y, width: row.width, height: min(1, row.height))
        guard let toast = items.last, row.width >= 5, row.height == 1 else { return row }
        let text = Toasts.lines(of: toast, width: min(row.width, maxWidth ?? row.width), maxLines: 1, context: context)[0]
        let w = CellBuffer.columns(of: text)
        buffer.write(text, x: row.maxX - w, y: row.y, style: Toasts.style(toast, context))
        return Rect(x: row.x, y: row.y, width: row.width - w, height: 1)
    }

    /// Draws each message on one line at the bottom right of `area`, over
    /// whatever is there, borders included. Prefer `render(into:inside:context:)`
    /// with a region free of borders, or `renderLine(into:row:context:)`.
    public func render(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        render(into: &buffer, inside: area, context: context, maxLines: 1)
    }

    /// The lines of one message, all as wide as the widest: " i text " with
    /// the level's glyph, wrapped under the text.
    static func lines(of toast: Toast, width: Int, maxLines: Int, context: DrawContext) -> [String] {
        let prefix = switch toast.level {
        case .info: " i "
        case .warning: " ! "
        case .error: " x "
        }
        let body = Text.wrap(toast.text, width: max(1, width - 4), maxLines: maxLines, ellipsis: context.glyphs.ellipsis)
        let bodyWidth = body.map { CellBuffer.columns(of: $0) }.max() ?? 0
        return body.enumerated().map { i, line in
            (i == 0 ? prefix : "   ") + line + String(repeating: " ", count: bodyWidth - CellBuffer.columns(of: line) + 1)
        }
    }

    /// The level's colour on the overlay background, bold; reverse video without colour.
    static func style(_ toast: Toast, _ context: DrawContext) -> Style {
        let key: ThemeKey = switch toast.level {
        case .info: .info
        case .warning: .warning
        case .error: .error
        }
        return Style(fg: context.color(key), bg: context.color(.overlayBackground), attributes: context.usesColor ? [.bold] : [.reverse, .bold])
    }
}

/// The screen shown when the terminal is smaller than an app needs.
public enum TooSmallScreen {
    public static func render(into buffer: inout CellBuffer, need: Size, context: DrawContext) {
        let have = buffer.size
        let lines = [
            "Terminal too small",
            "need \(need.width) x \(need.height), have \(have.width) x \(have.height)",
            "enlarge the window, or q to quit",
        ]
        let top = max(0, (have.height - lines.count) / 2)
        for (i, l) in lines.enumerated() where top + i < have.height {
            let t = Text.truncate(l, to: have.width, ellipsis: context.glyphs.ellipsis)
            let x = max(0, (have.width - CellBuffer.columns(of: t)) / 2)
            buffer.write(t, x: x, y: top + i, style: i == 0 ? context.base.adding(.bold) : context.base)
        }
    }
}

/// A centred box with a question and the keys that answer it, drawn over the screen.
public struct ConfirmDialog: Sendable {
    public var title: String
    /// The first line is the question (bold); the rest say which key does what.
    public var lines: [String]
    public init(title: String, lines: [String]) { self.title = title; self.lines = lines }

    public func render(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        let content = Size(width: max(42, (lines.map { CellBuffer.columns(of: $0) }.max() ?? 40) + 2), height: lines.count)
        let dialog = Dialog(title: title)
        let box = dialog.box(content: content, in: area)
        guard box.width >= 10, box.height >= 3 else { return }
        let inner = dialog.render(into: &buffer, box: box, context: context)
        for (i, l) in lines.enumerated() where i < inner.height {
            buffer.write(Text.truncate(l, to: inner.width - 1, ellipsis: context.glyphs.ellipsis), x: inner.x + 1, y: inner.y + i,
                         style: i == 0 ? context.overlay.adding(.bold) : context.overlay)
        }
    }
}

/// The bottom line while background work runs: its title, a bar, the
/// percentage and status, and the keys that stop it.
public struct JobStatusBar: Sendable {
    public var title: String
    public var fraction: Double
    public var status: String
    public var keys: String
    public init(title: String, fraction: Double, status: String, keys: String = "Esc cancel  q quit") {
        self.title = title; self.fraction = fraction; self.status = status; self.keys = keys
    }

    public func render(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        guard area.width > 0, area.height > 0 else { return }
        buffer.fill(Rect(x: area.x, y: area.y, width: area.width, height: 1), " ", context.style(.hintText))
        var x = area.x + 1
        x += buffer.write(Text.truncate(title, to: max(0, area.width / 2), ellipsis: context.glyphs.ellipsis), x: x, y: area.y,
                          style: context.style(.hintKey, [.bold])) + 1
        let barW = min(20, max(0, area.width / 5))
        if barW > 2 {
            Gauge.drawBar(into: &buffer, x: x, y: area.y, width: barW, fraction: fraction, context: context)
            x += barW + 1
        }
        let keysW = CellBuffer.columns(of: keys)
        let tail = "\(Text.fixed(min(1, max(0, fraction)) * 100, 0))% \(status)"
        x += buffer.write(Text.truncate(tail, to: max(0, area.maxX - x - keysW - 2), ellipsis: context.glyphs.ellipsis), x: x, y: area.y,
                          style: context.style(.hintText))
        if x + keysW + 2 <= area.maxX {
            buffer.write(keys, x: area.maxX - keysW - 1, y: area.y, style: context.style(.hintKey))
        }
    }
}
