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
    public func render(
        into buffer: inout CellBuffer, inside area: Rect, context: DrawContext,
        maxWidth: Int? = nil, maxLines: Int = 3
    ) {
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
        let prefix =
            switch toast.level {
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
        let key: ThemeKey =
            switch toast.level {
            case .info: .info
            case .warning: .warning
            case .error: .error
            }
        return Style(
            fg: context.color(key), bg: context.color(.overlayBackground), attributes: context.usesColor ? [.bold] : [.reverse, .bold])
    }
}

extension Toasts {
    /// Draws the newest message at the right of a bottom line, taking at
    /// most two thirds of it, and returns what is left for the hints or a
    /// progress bar (the whole row when there is no message).
    public func renderBeside(into buffer: inout CellBuffer, row: Rect, context: DrawContext) -> Rect {
        items.isEmpty ? row : renderLine(into: &buffer, row: row, context: context, maxWidth: max(20, row.width * 2 / 3))
    }
}
