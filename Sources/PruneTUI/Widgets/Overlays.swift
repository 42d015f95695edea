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
public struct HelpOverlay: Sendable {
    public struct Section: Sendable {
        public var title: String
        public var entries: [(key: String, text: String)]
        public init(_ title: String, _ entries: [(key: String, text: String)]) { self.title = title; self.entries = entries }
    }

    public var title: String
    public var sections: [Section]
    /// First line shown (for long help on small screens).
    public var scroll: Int

    public init(title: String = "Help", sections: [Section], scroll: Int = 0) {
        self.title = title; self.sections = sections; self.scroll = scroll
    }

    /// The lines the overlay shows, for sizing and scrolling.
    public var lineCount: Int { sections.reduce(0) { $0 + $1.entries.count + 2 } }

    public func render(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        let keyW = sections.flatMap { $0.entries.map { CellBuffer.columns(of: $0.key) } }.max() ?? 0
        let textW = sections.flatMap { $0.entries.map { CellBuffer.columns(of: $0.text) } }.max() ?? 0
        let want = Size(width: keyW + textW + 7, height: lineCount + 2)
        let box = area.centered(Size(width: min(want.width, area.width - 2), height: min(want.height, area.height - 2)))
        guard box.width >= 8, box.height >= 3 else { return }
        buffer.fill(box, " ", context.overlay)
        let inner = Block(title: title, rightTitle: "Esc close", focused: true).render(into: &buffer, area: box, context: context)
        var lines: [(String, String, Bool)] = []
        for (i, s) in sections.enumerated() {
            if i > 0 { lines.append(("", "", false)) }
            lines.append((s.title, "", true))
            for e in s.entries { lines.append((e.key, e.text, false)) }
        }
        let start = max(0, min(scroll, lines.count - inner.height))
        for (row, line) in lines.dropFirst(start).prefix(inner.height).enumerated() {
            let y = inner.y + row
            if line.2 {
                buffer.write(Text.truncate(line.0, to: inner.width - 1), x: inner.x + 1, y: y, style: context.overlay.adding([.bold, .underline]))
            } else {
                buffer.write(Text.fit(line.0, keyW, alignRight: true), x: inner.x + 1, y: y, style: context.overlay.fg(context.color(.hintKey)).adding(.bold))
                buffer.write(Text.truncate(line.1, to: max(0, inner.width - keyW - 3), ellipsis: context.glyphs.ellipsis),
                             x: inner.x + keyW + 3, y: y, style: context.overlay)
            }
        }
        if start + inner.height < lines.count {
            buffer.set(inner.maxX - 1, inner.maxY - 1, context.glyphs.arrowDown, context.overlay)
        }
    }
}

/// A typed value being entered in a modal prompt.
public struct PromptState: Hashable, Sendable {
    public var title: String
    public var label: String
    public var text: String
    /// Cursor position in characters.
    public var cursor: Int
    /// Shown under the field (e.g. "not a number"); the caller sets it.
    public var error: String?

    public init(title: String, label: String, text: String = "") {
        self.title = title; self.label = label; self.text = text; cursor = text.count
    }

    public enum Outcome: Hashable, Sendable { case editing, submitted(String), cancelled }

    /// Editing keys: characters insert, Backspace/Delete remove, Left/Right/Home/End
    /// move, Ctrl-U clears, Enter submits, Esc cancels.
    public mutating func handle(_ key: Key) -> Outcome {
        var chars = Array(text)
        switch key {
        case .enter: return .submitted(text)
        case .escape: return .cancelled
        case .char(let c):
            chars.insert(c, at: min(cursor, chars.count)); cursor += 1
        case .backspace:
            if cursor > 0 { chars.remove(at: cursor - 1); cursor -= 1 }
        case .delete:
            if cursor < chars.count { chars.remove(at: cursor) }
        case .left: cursor = max(0, cursor - 1)
        case .right: cursor = min(chars.count, cursor + 1)
        case .home, .ctrl("a"): cursor = 0
        case .end, .ctrl("e"): cursor = chars.count
        case .ctrl("u"): chars = []; cursor = 0
        default: return .editing
        }
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
        let w = min(max(40, CellBuffer.columns(of: state.label) + 24), area.width - 2)
        let box = area.centered(Size(width: w, height: state.error == nil ? 5 : 6))
        guard box.width >= 10, box.height >= 3 else { return }
        buffer.fill(box, " ", context.overlay)
        let inner = Block(title: state.title, rightTitle: "Enter ok  Esc cancel", focused: true).render(into: &buffer, area: box, context: context)
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
        let cx = fieldX + state.cursor - start
        let under = buffer[cx, y]
        buffer.set(cx, y, under.char, field.adding(.reverse))
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

    public func render(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        var y = area.maxY - 1
        for t in items.reversed() where y >= area.y {
            let (prefix, key): (String, ThemeKey) = switch t.level {
            case .info: ("i", .info)
            case .warning: ("!", .warning)
            case .error: ("x", .error)
            }
            let text = Text.truncate(" \(prefix) \(t.text) ", to: area.width, ellipsis: context.glyphs.ellipsis)
            let w = CellBuffer.columns(of: text)
            buffer.write(text, x: area.maxX - w, y: y, style: Style(fg: context.color(key), bg: context.color(.overlayBackground), attributes: context.usesColor ? [.bold] : [.reverse, .bold]))
            y -= 1
        }
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
        let w = min(area.width - 2, max(44, (lines.map { CellBuffer.columns(of: $0) }.max() ?? 40) + 4))
        let box = area.centered(Size(width: w, height: lines.count + 2))
        guard box.width >= 10, box.height >= 3 else { return }
        buffer.fill(box, " ", context.overlay)
        let inner = Block(title: title, focused: true).render(into: &buffer, area: box, context: context)
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
