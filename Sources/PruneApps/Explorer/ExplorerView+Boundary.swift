import PruneKit
import PruneTUI

/// Screen 6: the class regions of a two-input model over its validation
/// points, for the step or the preview, with axes, a legend and the slider.
extension ExplorerModel {
    func renderBoundary(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        if let why = boundaryUnsupported {
            let inner = Block(title: "Decision boundary", focused: true).render(into: &buffer, area: area, context: context)
            buffer.write(
                Text.truncate(why, to: inner.width, ellipsis: context.glyphs.ellipsis), x: inner.x, y: inner.y, style: context.base)
            return
        }
        let areas = BoundaryLayout(body: area)
        let picture = boundaryShown
        let title = "Decision boundary · " + (picture?.request.label ?? "computing…")
        // Grids wait while a job has the CPU (as the other background values do).
        let updating = picture != nil && boundary.isPending ? (job != nil ? "new grid after the job" : "updating…") : ""
        _ = Block(title: title, rightTitle: updating, focused: true).render(into: &buffer, area: areas.plotBlock, context: context)
        if let picture {
            paintRegions(picture.grid, into: &buffer, area: areas.picture, context: context)
            paintPoints(picture, into: &buffer, area: areas.picture, context: context)
            renderAxes(picture.grid, into: &buffer, areas: areas, context: context)
        }
        if let layer = selected {
            let label = (controls.scope == .global ? "" : layer.name + " ") + sliderLabel
            Slider(label: label, state: preview.slider(for: layer.tensor), readout: sliderReadout(for: layer), focused: true)
                .render(into: &buffer, area: areas.sliderRow, context: context)
        }
        renderBoundaryLegend(picture, into: &buffer, area: areas.legendBlock, context: context)
    }

    /// Pixels per cell row: two (upper-half blocks, fg over bg) where 256
    /// colours or more and Unicode are there, else one shade glyph per cell.
    static func boundaryPixelsPerRow(_ context: DrawContext) -> Int {
        context.capability >= .palette256 && context.glyphs.isUnicode ? 2 : 1
    }

    /// The class of the grid point under pixel (px, py) of an image of
    /// `width` x `height` pixels (the grid's own point when the sizes agree;
    /// the nearest one of a grid made for another size, until its successor comes).
    static func boundaryClass(_ grid: DecisionGrid, px: Int, py: Int, width: Int, height: Int) -> Int {
        let c = grid.columns == width ? px : min(grid.columns - 1, px * grid.columns / max(1, width))
        let r = grid.rows == height ? py : min(grid.rows - 1, py * grid.rows / max(1, height))
        return grid[column: c, row: r]
    }

    func paintRegions(_ grid: DecisionGrid, into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        guard grid.columns > 0, grid.rows > 0, area.width > 0, area.height > 0 else { return }
        let perRow = ExplorerModel.boundaryPixelsPerRow(context)
        let height = area.height * 2
        for row in 0..<area.height {
            for col in 0..<area.width {
                let upper = ExplorerModel.boundaryClass(grid, px: col, py: 2 * row, width: area.width, height: height)
                if perRow == 2 {
                    let lower = ExplorerModel.boundaryClass(grid, px: col, py: 2 * row + 1, width: area.width, height: height)
                    let style = Style(fg: ClassPalette.region(upper, context), bg: ClassPalette.region(lower, context))
                    buffer.set(area.x + col, area.y + row, context.glyphs.upperHalf, style)
                } else {
                    let fg = context.usesColor ? ClassPalette.point(upper, context) : context.color(.foreground)
                    buffer.set(
                        area.x + col, area.y + row, ClassPalette.shade(upper, context.glyphs),
                        Style(fg: fg, bg: context.color(.background), attributes: context.usesColor ? [.dim] : []))
                }
            }
        }
    }

    /// The validation points, each in the cell it falls in: its true class
    /// as a glyph and a bright colour, hollow where the model is wrong.
    /// Wrong ones are drawn last, so a crowded cell shows the mistake.
    func paintPoints(_ picture: BoundaryPicture, into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        guard let validation = info.validation, validation.sampleSize == 2, picture.predictions.count == validation.count else { return }
        let grid = picture.grid
        let perRow = ExplorerModel.boundaryPixelsPerRow(context)
        let height = area.height * 2
        let isRight = validation.labels.indices.map { picture.predictions[$0] == validation.labels[$0] }
        let order = isRight.indices.filter { isRight[$0] } + isRight.indices.filter { !isRight[$0] }
        validation.inputs.data.withUnsafeBufferPointer { p in
            for i in order {
                let x0 = Double(p[2 * i]), x1 = Double(p[2 * i + 1])
                let w = grid.x.upperBound - grid.x.lowerBound, h = grid.y.upperBound - grid.y.lowerBound
                guard w > 0, h > 0, grid.x.contains(x0), grid.y.contains(x1) else { continue }
                let col = min(area.width - 1, Int((x0 - grid.x.lowerBound) / w * Double(area.width)))
                let py = min(height - 1, Int((grid.y.upperBound - x1) / h * Double(height)))
                let label = validation.labels[i]
                let correct = picture.predictions[i] == label
                let glyph = ClassPalette.glyph(label, correct: correct, unicode: context.glyphs.isUnicode)
                var style = Style(fg: ClassPalette.point(label, context), attributes: [.bold])
                if perRow == 2 {
                    style.bg = ClassPalette.region(
                        ExplorerModel.boundaryClass(grid, px: col, py: py, width: area.width, height: height), context)
                } else {
                    style.bg = context.color(.background)
                    if !context.usesColor { style.fg = context.color(.foreground) }
                }
                buffer.set(area.x + col, area.y + py / 2, glyph, style)
            }
        }
    }

    /// Input 1's range left of the picture (top, middle, bottom), input 0's below it.
    func renderAxes(_ grid: DecisionGrid, into buffer: inout CellBuffer, areas: BoundaryLayout, context: DrawContext) {
        let raw = info.bundle?.normalisation
        // The widest of 2, 1, 0 decimals that fits the label column.
        func shown(_ v: Double, feature: Int) -> String {
            let value = raw.map { $0.rawValue(of: v, feature: feature) } ?? v
            let forms = [2, 1, 0].map { Text.fixed(value, $0) }
            return forms.first { CellBuffer.columns(of: $0) < BoundaryLayout.labelWidth } ?? Text.compact(value)
        }
        let pic = areas.picture, labels = areas.yLabels
        guard pic.height > 0, labels.width > 1 else { return }
        let ys: [(Int, Double)] = [
            (pic.y, grid.y.upperBound), (pic.y + pic.height / 2, (grid.y.lowerBound + grid.y.upperBound) / 2),
            (pic.maxY - 1, grid.y.lowerBound),
        ]
        for (row, value) in ys {
            let text = Text.truncate(shown(value, feature: 1), to: labels.width - 1, ellipsis: context.glyphs.ellipsis)
            buffer.write(text, x: labels.maxX - 1 - CellBuffer.columns(of: text), y: row, style: context.muted)
            buffer.set(labels.maxX - 1, row, context.glyphs.isUnicode ? "┤" : "+", context.muted)
        }
        buffer.write("x1", x: labels.x, y: pic.y + max(1, pic.height / 4), style: context.muted)
        let axis = areas.xLabels
        guard axis.width > 8 else { return }
        let left = shown(grid.x.lowerBound, feature: 0), right = shown(grid.x.upperBound, feature: 0)
        let middle = shown((grid.x.lowerBound + grid.x.upperBound) / 2, feature: 0)
        buffer.write(left, x: axis.x, y: axis.y, style: context.muted)
        buffer.write(middle, x: axis.x + (axis.width - CellBuffer.columns(of: middle)) / 2, y: axis.y, style: context.muted)
        buffer.write(right, x: axis.maxX - CellBuffer.columns(of: right), y: axis.y, style: context.muted)
        buffer.write("x0", x: axis.x + axis.width * 3 / 4 - 1, y: axis.y, style: context.muted)
    }

    /// What is shown and how to read it: the step or the preview, its
    /// accuracy, the classes' region and point marks, the points, the units.
    func renderBoundaryLegend(_ picture: BoundaryPicture?, into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        let inner = Block(title: "Legend").render(into: &buffer, area: area, context: context)
        var y = inner.y
        func line(_ text: String, _ style: Style, x: Int? = nil) {
            guard y < inner.maxY else { return }
            let x0 = x ?? inner.x
            buffer.write(Text.truncate(text, to: inner.maxX - x0, ellipsis: context.glyphs.ellipsis), x: x0, y: y, style: style)
            y += 1
        }
        guard let picture else {
            line("computing the grid…", context.muted)
            return
        }
        let r = picture.request
        line("shows " + r.label, context.base.adding(.bold))
        if r.preview {
            line(" of prunable weights zero", context.muted)
            line(" not applied (Enter)", context.muted)
        } else {
            line(
                " \(Format.percent(session.history[min(session.cursor, session.history.count - 1)].metrics.prunableSparsity)) of prunable zero",
                context.muted)
        }
        line(
            "val acc \(ExplorerModel.acc(picture.accuracy)) (\(picture.correct)/\(picture.predictions.count))",
            context.base.adding(.bold))
        if boundary.isPending { line("newer grid computing…", context.muted) }
        y += 1
        let classes = max(2, info.validation?.classCount ?? 2)
        let unicode = context.glyphs.isUnicode
        let twoPixels = ExplorerModel.boundaryPixelsPerRow(context) == 2
        for k in 0..<min(classes, ClassPalette.colors.count) where y < inner.maxY {
            let swatch: Unicode.Scalar = twoPixels ? "█" : ClassPalette.shade(k, context.glyphs)
            let swatchStyle =
                twoPixels
                ? Style(fg: ClassPalette.region(k, context), bg: context.color(.background))
                : Style(fg: context.usesColor ? ClassPalette.point(k, context) : context.color(.foreground), bg: context.color(.background))
            buffer.set(inner.x, y, swatch, swatchStyle)
            buffer.set(inner.x + 1, y, swatch, swatchStyle)
            buffer.write(" region ", x: inner.x + 2, y: y, style: context.base)
            buffer.set(
                inner.x + 10, y, ClassPalette.glyph(k, correct: true, unicode: unicode),
                Style(fg: ClassPalette.point(k, context), bg: context.color(.background), attributes: [.bold]))
            line(" point  class \(k)", context.base, x: inner.x + 11)
        }
        let wrong = picture.predictions.count - picture.correct
        let hollow = (0..<min(classes, 3)).map { String(ClassPalette.glyph($0, correct: false, unicode: unicode)) }.joined(separator: " ")
        line("\(hollow) misclassified: \(wrong)", context.base)
        y += 1
        line("points: \(picture.predictions.count) validation", context.muted)
        line("region: argmax of logits", context.muted)
        line(twoPixels ? " at half-cell centres" : " at each cell's upper half", context.muted)
        line(" (\(r.columns)x\(r.rows) grid)", context.muted)
        if let n = info.bundle?.normalisation {
            line("axes: raw input units", context.muted)
            let standardised = n.mean != nil || n.std != nil
            line(standardised ? " (model: standardised)" : " (model: x / \(Text.compact(Double(n.divideBy))))", context.muted)
        } else {
            line("axes: input units, raw", context.muted)
            line(" (no normalisation)", context.muted)
        }
        line("x0 across, x1 up,", context.muted)
        line(" one scale for both", context.muted)
    }
}
