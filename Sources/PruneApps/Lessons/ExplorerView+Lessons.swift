import PruneKit
import PruneTUI

/// The lesson list, the lesson panel and the task strip.
extension ExplorerModel {
    func renderLessons(into buffer: inout CellBuffer, areas: ExplorerLayout, context: DrawContext) {
        switch lessons.overlay {
        case .list(let row)?: renderLessonList(row: row, into: &buffer, area: areas.full, context: context)
        case .panel(let scroll)?:
            guard let lesson = lessons.current else { return }
            renderPanel(
                title: "Lesson \(lesson.number) of \(lessons.lessons.count) · \(lesson.title)",
                lines: lessonPanelLines(width: lessonPanelWidth), scroll: scroll, into: &buffer, area: areas.full, context: context)
        case .glossary(let scroll)?:
            renderPanel(
                title: "What the figures mean", lines: glossaryLines(width: lessonPanelWidth), scroll: scroll, into: &buffer,
                area: areas.full, context: context)
        case nil: renderLessonStrip(into: &buffer, areas: areas, context: context)
        }
    }

    func renderLessonList(row: Int, into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        let lines = lessons.compactLines() + ["    Glossary: what every figure on screen means"]
        let width = min(area.width - 4, max(40, lines.map { CellBuffer.columns(of: $0) }.max() ?? 40) + 2)
        let arrows = context.glyphs.isUnicode ? "↑↓ choose  Enter start  Esc close" : "^v choose  Enter start  Esc close"
        let here = info.modelName
        let dialog = Dialog(
            title: "Lessons", keys: arrows,
            footer: "One concept each, in the live explorer; lessons on another model than \(here) open with prunescope learn N.")
        let inner = dialog.render(
            into: &buffer, content: Size(width: width, height: min(lines.count, area.height - 6)), area: area, context: context)
        let first = max(0, min(row - inner.height + 1, lines.count - inner.height))
        for (i, line) in lines.enumerated().dropFirst(first) where i - first < inner.height {
            let selected = i == row
            let marker = selected ? "\(context.glyphs.selectionMarker) " : "  "
            let style = selected ? context.selection : context.overlay
            let y = inner.y + i - first
            buffer.fill(Rect(x: inner.x, y: y, width: inner.width, height: 1), " ", style)
            buffer.write(Text.truncate(marker + line, to: inner.width, ellipsis: context.glyphs.ellipsis), x: inner.x, y: y, style: style)
        }
    }

    func renderPanel(title: String, lines: [LessonLine], scroll: Int, into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        let keys = context.glyphs.isUnicode ? "↑↓ scroll  Esc back  l list" : "^v scroll  Esc back  l list"
        let dialog = Dialog(title: title, keys: keys)
        let inner = dialog.render(
            into: &buffer, content: Size(width: lessonPanelWidth, height: area.height - 4), area: area, context: context)
        // The last row says how much is below when the text does not fit.
        let more = lines.count > inner.height
        let rows = more ? max(0, inner.height - 1) : inner.height
        let top = min(scroll, max(0, lines.count - rows))
        for (i, line) in lines.enumerated().dropFirst(top) where i - top < rows {
            let style: Style =
                switch line.kind {
                case .heading: Style(fg: context.color(.title), bg: context.theme[.overlayBackground], attributes: [.bold])
                case .done, .todo: Style(fg: context.color(.muted), bg: context.theme[.overlayBackground])
                case .current: Style(fg: context.color(.foreground), bg: context.theme[.overlayBackground], attributes: [.bold])
                case .text, .figure: context.overlay
                }
            buffer.write(
                Text.truncate(Self.glyphs(line.text, context), to: inner.width, ellipsis: context.glyphs.ellipsis), x: inner.x,
                y: inner.y + i - top, style: style)
        }
        if more, inner.height > 0 {
            let below = lines.count - top - rows
            let text = below > 0 ? "more below: \(below) lines (↓ PgDn)" : "end (↑ PgUp)"
            let shown =
                context.glyphs.isUnicode ? text : text.replacingOccurrences(of: "↓", with: "v").replacingOccurrences(of: "↑", with: "^")
            buffer.write(
                Text.truncate(shown, to: inner.width, ellipsis: context.glyphs.ellipsis), x: inner.x, y: inner.maxY - 1,
                style: Style(fg: context.color(.muted), bg: context.theme[.overlayBackground]))
        }
    }

    /// Lesson text as the terminal can show it: arrows and dots in ASCII without UTF-8.
    static func glyphs(_ text: String, _ context: DrawContext) -> String {
        guard !context.glyphs.isUnicode else { return text }
        let ascii: [(String, String)] = [("→", "->"), ("←", "<-"), ("↑", "^"), ("↓", "v"), ("·", "-"), ("…", "..."), ("≈", "~")]
        return ascii.reduce(text) { $0.replacingOccurrences(of: $1.0, with: $1.1) }
    }

    /// The current task on the row over the bottom line, while no overlay is open.
    func renderLessonStrip(into buffer: inout CellBuffer, areas: ExplorerLayout, context: DrawContext) {
        guard let text = lessonStrip, areas.bottomLine.y > 0 else { return }
        let row = Rect(x: 0, y: areas.bottomLine.y - 1, width: areas.full.width, height: 1)
        let line = " " + Self.glyphs(text, context) + "  (i: lesson)"
        buffer.fill(row, " ", context.selection)
        buffer.write(Text.truncate(line, to: row.width, ellipsis: context.glyphs.ellipsis), x: 0, y: row.y, style: context.selection)
    }
}
