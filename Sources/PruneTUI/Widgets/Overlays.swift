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
            buffer.write(
                Text.truncate(l, to: inner.width - 1, ellipsis: context.glyphs.ellipsis), x: inner.x + 1, y: inner.y + i,
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
        x +=
            buffer.write(
                Text.truncate(title, to: max(0, area.width / 2), ellipsis: context.glyphs.ellipsis), x: x, y: area.y,
                style: context.style(.hintKey, [.bold])) + 1
        let barW = min(20, max(0, area.width / 5))
        if barW > 2 {
            Gauge.drawBar(into: &buffer, x: x, y: area.y, width: barW, fraction: fraction, context: context)
            x += barW + 1
        }
        let keysW = CellBuffer.columns(of: keys)
        let tail = "\(Text.fixed(min(1, max(0, fraction)) * 100, 0))% \(status)"
        x += buffer.write(
            Text.truncate(tail, to: max(0, area.maxX - x - keysW - 2), ellipsis: context.glyphs.ellipsis), x: x, y: area.y,
            style: context.style(.hintText))
        if x + keysW + 2 <= area.maxX {
            buffer.write(keys, x: area.maxX - keysW - 1, y: area.y, style: context.style(.hintKey))
        }
    }
}
