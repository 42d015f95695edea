import Foundation
import PruneKit
import PruneTUI

/// The inspector's screen, drawn from the model alone: nothing here changes
/// state or starts work (the heat cache only remembers what a frame computed).
extension InspectorModel {
    public func render(into buffer: inout CellBuffer, context: DrawContext) {
        let areas = layout
        renderHeader(into: &buffer, area: areas.header, context: context)
        renderList(into: &buffer, area: areas.listBlock, context: context)
        renderDetails(into: &buffer, areas: areas, context: context)
        renderHeatmap(into: &buffer, area: areas.heatmapBlock, context: context)
        renderBottomLine(into: &buffer, area: areas.bottomLine, context: context)
        switch modal {
        case .help(let scroll)?:
            InspectorKeys.help(unicode: context.glyphs.isUnicode)
                .render(into: &buffer, area: areas.full, context: context, state: HelpState(scroll: scroll))
        case .prompt(let prompt)?:
            PruneTUI.Prompt(state: prompt.state).render(into: &buffer, area: areas.full, context: context)
        case .confirmOverwrite(let path)?:
            ConfirmDialog(title: "Overwrite?", lines: ["\(path) exists.", "y: overwrite it   n / Esc: keep it"])
                .render(into: &buffer, area: areas.full, context: context)
        case .confirmCreateParent(_, let parent)?:
            ConfirmDialog(title: "Create directory?", lines: ["\(parent) does not exist.", "y: create it and export   n / Esc: cancel"])
                .render(into: &buffer, area: areas.full, context: context)
        case nil:
            break
        }
    }

    /// Tensors, parameters and bytes of the whole checkpoint; bytes in MiB, as
    /// `prunescope inspect` prints them (summed once: the archive never changes).
    static func headerFigures(_ archive: any TensorArchive) -> String {
        let tensors = archive.tensors
        let params = tensors.reduce(0) { $0 + $1.elementCount }
        let bytes = tensors.reduce(0) { $0 + $1.byteCount }
        return "\(tensors.count) tensors · \(Text.compact(Double(params))) params · \(Format.mebibytes(bytes))"
    }

    func renderHeader(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        let name = URL(fileURLWithPath: archive.path).lastPathComponent
        let left = " PruneScope · inspect \(name) (\(archive.format.rawValue), no model spec) · \(headerFigures)"
        let how = twoOfFour ? "2:4" : "\(scope == .global ? "global" : "per tensor") \(Format.percent(slider.value))"
        let figure = evaluationSummary.map { " · " + $0 } ?? ""
        let right = "magnitude · \(how) · \(prunableNames.count) prunable\(figure) "
        TitleBar(left: left, right: right).render(into: &buffer, area: area, context: context)
    }

    /// The newest message, then the work in progress or the key hints in the rest of the line.
    func renderBottomLine(into buffer: inout CellBuffer, area full: Rect, context: DrawContext) {
        let area = toasts.renderBeside(into: &buffer, row: full, context: context)
        guard area.width > 0 else { return }
        if let progress = loading {
            let status =
                "\(progress.tensorsDone)/\(progress.tensorsTotal) tensors, "
                + "\(Format.mebibytes(progress.bytesDone)) of \(Format.mebibytes(progress.bytesTotal))"
            JobStatusBar(title: "reading statistics", fraction: progress.fraction, status: status, keys: "q quit")
                .render(into: &buffer, area: area, context: context)
        } else if let path = exporting {
            JobStatusBar(title: "exporting \(path)", fraction: 0.5, status: "computing masks and writing", keys: "")
                .render(into: &buffer, area: area, context: context)
        } else {
            KeyHintBar(InspectorKeys.hints(unicode: context.glyphs.isUnicode)).render(into: &buffer, area: area, context: context)
        }
    }
}
