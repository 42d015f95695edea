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
        let lw = buffer.write(
            state.label + " ", x: inner.x + 1, y: inner.y + (inner.height > 1 ? 1 : 0), style: context.overlay.adding(.bold))
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
            buffer.write(
                Text.truncate(e, to: inner.width - 2), x: inner.x + 1, y: y + 2,
                style: context.style(.error, [.bold]).bg(context.color(.overlayBackground)))
        }
    }
}
