import Foundation

/// A bordered pane with a title. A focused block is drawn with heavy lines,
/// a marker before its title and bold, so focus shows without colour.
public struct Block: Sendable {
    public var title: String
    /// Text on the right of the top border (e.g. "[log]").
    public var rightTitle: String
    public var focused: Bool

    public init(title: String = "", rightTitle: String = "", focused: Bool = false) {
        self.title = title; self.rightTitle = rightTitle; self.focused = focused
    }

    /// The area inside the border.
    public static func inner(_ area: Rect) -> Rect { area.inset(by: 1) }

    /// The narrowest outer width at which `render` shows the title and the
    /// right title whole (with their marker, padding and the gap between).
    public var fittingWidth: Int {
        var width = 4
        // The selection marker is one column in both glyph sets.
        if !title.isEmpty { width += CellBuffer.columns(of: title) + (focused ? 3 : 2) }
        if !rightTitle.isEmpty { width += 1 + CellBuffer.columns(of: rightTitle) + 2 }
        return width
    }

    /// Draws the border and titles; returns the inner area.
    @discardableResult
    public func render(into buffer: inout CellBuffer, area: Rect, context: DrawContext) -> Rect {
        guard area.width >= 2, area.height >= 2 else { return Rect(x: area.x, y: area.y, width: 0, height: 0) }
        let g = focused ? context.glyphs.focusedBox : context.glyphs.box
        let style = focused ? context.focusedBorder : context.border
        let x0 = area.x, y0 = area.y, x1 = area.maxX - 1, y1 = area.maxY - 1
        for x in x0 + 1..<x1 {
            buffer.set(x, y0, g.horizontal, style)
            buffer.set(x, y1, g.horizontal, style)
        }
        for y in y0 + 1..<y1 {
            buffer.set(x0, y, g.vertical, style)
            buffer.set(x1, y, g.vertical, style)
        }
        buffer.set(x0, y0, g.topLeft, style)
        buffer.set(x1, y0, g.topRight, style)
        buffer.set(x0, y1, g.bottomLeft, style)
        buffer.set(x1, y1, g.bottomRight, style)

        let room = area.width - 4
        var used = 0
        if !title.isEmpty, room > 0 {
            let label = (focused ? String(Character(context.glyphs.selectionMarker)) + " " : " ") + title + " "
            let t = fit(label, room, context)
            let titleStyle = focused ? context.focusedBorder.fg(context.color(.title)) : context.title.adding([]).fg(context.color(.title))
            used = buffer.write(t, x: x0 + 1, y: y0, style: focused ? titleStyle : context.style(.title))
        }
        if !rightTitle.isEmpty {
            let space = room - used - 1
            if space >= 3 {
                let t = fit(" " + rightTitle + " ", space, context)
                let w = CellBuffer.columns(of: t)
                buffer.write(t, x: x1 - 1 - w, y: y0, style: context.muted)
            }
        }
        return area.inset(by: 1)
    }

    private func fit(_ s: String, _ width: Int, _ context: DrawContext) -> String {
        Text.truncate(s, to: width, ellipsis: context.glyphs.ellipsis)
    }
}

/// Which pane has the keyboard. Tab moves forward, Shift-Tab back.
public struct FocusRing: Hashable, Sendable {
    public let count: Int
    public private(set) var index: Int

    public init(count: Int, index: Int = 0) {
        self.count = max(1, count); self.index = min(max(0, index), max(1, count) - 1)
    }

    public func isFocused(_ i: Int) -> Bool { i == index }
    public mutating func next() { index = (index + 1) % count }
    public mutating func previous() { index = (index + count - 1) % count }
    public mutating func focus(_ i: Int) { if i >= 0 && i < count { index = i } }

    /// Focuses the pane (index into `panes`) that contains `point`; returns whether one did.
    @discardableResult
    public mutating func focus(at point: Point, panes: [Rect]) -> Bool {
        guard let i = panes.firstIndex(where: { $0.contains(point) }) else { return false }
        focus(i)
        return true
    }

    /// Handles Tab / Shift-Tab; returns whether the key was used.
    public mutating func handle(_ key: Key) -> Bool {
        switch key {
        case .tab: next(); return true
        case .backTab: previous(); return true
        default: return false
        }
    }
}
