/// The frame of a modal box centred over the screen: a focused border with
/// a title on the left and keys on the right of its top edge, and an
/// optional dim footer inside at the bottom.
///
/// The box grows to show its content, title, keys and footer whole when the
/// area allows; a footer wider than the area wraps onto more lines, and only
/// an area too small for all that cuts text (with an ellipsis). `Prompt`, `ConfirmDialog` and `HelpOverlay` are drawn in one;
/// an app's own dialog (an options list, say) can be too:
///
///     let dialog = Dialog(title: "Options", keys: "↑↓ select  Esc close", footer: note)
///     let inner = dialog.render(into: &buffer, content: Size(width: 50, height: rows), area: screen, context: context)
public struct Dialog: Sendable {
    public var title: String
    /// Shown on the right of the top border, e.g. "Enter ok  Esc cancel".
    public var keys: String
    /// A dim note at the bottom inside the box, wrapped if need be; empty for none.
    public var footer: String

    public init(title: String, keys: String = "", footer: String = "") {
        self.title = title; self.keys = keys; self.footer = footer
    }

    var block: Block { Block(title: title, rightTitle: keys, focused: true) }

    /// The outer size that shows `content` (the inner size wanted, without
    /// the footer), the title, the keys and the footer on one line.
    public func fittingSize(content: Size) -> Size {
        let footerWidth = footer.isEmpty ? 0 : CellBuffer.columns(of: footer) + 4
        let width = max(content.width + 2, block.fittingWidth, footerWidth)
        return Size(width: width, height: content.height + (footer.isEmpty ? 0 : 1) + 2)
    }

    /// The box in `area` for `content`: the fitting size, keeping a one-cell
    /// margin of the screen around it when that leaves everything whole,
    /// and no larger than `area`.
    public func box(content: Size, in area: Rect) -> Rect {
        func side(_ wanted: Int, _ available: Int) -> Int {
            wanted <= available - 2 ? wanted : max(0, min(wanted, available))
        }
        // A footer too wide for the screen does not widen the box: it wraps.
        let oneLine = fittingSize(content: content).width
        let width = oneLine <= area.width - 2 ? oneLine : side(max(content.width + 2, block.fittingWidth), area.width)
        let height = content.height + footerLines(boxWidth: width).count + 2
        return area.centered(Size(width: width, height: side(height, area.height)))
    }

    /// The footer wrapped to the inside of a box `boxWidth` wide (one blank column each side).
    func footerLines(boxWidth: Int) -> [String] {
        footer.isEmpty ? [] : Text.wrap(footer, width: max(1, boxWidth - 4))
    }

    /// Clears the box, draws the border, title, keys and footer; returns the
    /// area for the content (inside the border, above the footer). An empty
    /// rectangle when the box is too small for a border.
    @discardableResult
    public func render(into buffer: inout CellBuffer, content: Size, area: Rect, context: DrawContext) -> Rect {
        render(into: &buffer, box: box(content: content, in: area), context: context)
    }

    /// The same in a box the caller chose (e.g. from `box(content:in:)`).
    @discardableResult
    public func render(into buffer: inout CellBuffer, box: Rect, context: DrawContext) -> Rect {
        guard box.width >= 2, box.height >= 2 else { return Rect(x: box.x, y: box.y, width: 0, height: 0) }
        buffer.fill(box, " ", context.overlay)
        var inner = block.render(into: &buffer, area: box, context: context)
        // The footer keeps at least one row of content above it.
        let lines = footerLines(boxWidth: box.width)
        let shown = min(lines.count, max(0, inner.height - 1))
        for i in 0..<shown {
            // The last row shown carries what did not fit, cut with an ellipsis.
            let text = i == shown - 1 ? lines[i...].joined(separator: " ") : lines[i]
            buffer.write(
                Text.truncate(text, to: inner.width - 2, ellipsis: context.glyphs.ellipsis), x: inner.x + 1,
                y: inner.maxY - shown + i, style: context.overlay.adding(.dim))
        }
        inner.height -= shown
        return inner
    }
}
