/// A horizontal bar filled to a fraction with eighth-block resolution; the
/// empty part is shaded so the split shows without colour.
public struct Gauge: Sendable {
    /// 0...1 (clamped).
    public var fraction: Double
    /// Text after the bar, e.g. "90.0%"; empty for none.
    public var label: String

    public init(fraction: Double, label: String = "") { self.fraction = fraction; self.label = label }

    public func render(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        guard area.width > 0, area.height > 0 else { return }
        let lw = label.isEmpty ? 0 : CellBuffer.columns(of: label) + 1
        let barW = lw > 0 && area.width - lw >= 3 ? area.width - lw : area.width
        Gauge.drawBar(into: &buffer, x: area.x, y: area.y, width: barW, fraction: fraction, context: context)
        if barW < area.width {
            buffer.write(label, x: area.x + barW + 1, y: area.y, style: context.base)
        }
    }

    /// Draws just the bar: `width` cells, filled to `fraction`.
    public static func drawBar(into buffer: inout CellBuffer, x: Int, y: Int, width: Int, fraction: Double, context: DrawContext) {
        guard width > 0 else { return }
        let f = fraction.isFinite ? min(1, max(0, fraction)) : 0
        let units = Int((f * Double(width * 8)).rounded())
        let fill = context.style(.gaugeFill)
        let empty = context.style(.gaugeEmpty)
        let g = context.glyphs
        let emptyGlyph: Unicode.Scalar = g.isUnicode ? "░" : "."
        for i in 0..<width {
            let u = min(8, max(0, units - i * 8))
            if u == 8 {
                buffer.set(x + i, y, g.horizontalEighths[8], fill)
            } else if u > 0 {
                let ch = g.horizontalEighths[u]
                // A partial cell: fill colour in front, the empty colour behind.
                buffer.set(x + i, y, ch == " " ? emptyGlyph : ch, Style(fg: fill.fg, bg: context.usesColor ? empty.fg : fill.bg))
            } else {
                buffer.set(x + i, y, emptyGlyph, empty)
            }
        }
    }
}

/// Horizontal bars, one per row: label, bar, value text (e.g. per-layer sparsity).
public struct BarChart: Sendable {
    public struct Bar: Sendable {
        public var label: String
        public var fraction: Double
        public var valueText: String
        public init(label: String, fraction: Double, valueText: String) {
            self.label = label; self.fraction = fraction; self.valueText = valueText
        }
    }

    public var bars: [Bar]
    /// Highlighted bar, if any.
    public var selected: Int?

    public init(bars: [Bar], selected: Int? = nil) { self.bars = bars; self.selected = selected }

    public func render(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        guard area.width > 0, area.height > 0 else { return }
        let labelW = min((bars.map { CellBuffer.columns(of: $0.label) }.max() ?? 0), area.width / 3)
        let valueW = min((bars.map { CellBuffer.columns(of: $0.valueText) }.max() ?? 0), area.width / 3)
        let barW = area.width - labelW - valueW - 4
        for (i, b) in bars.prefix(area.height).enumerated() {
            let y = area.y + i
            let isSel = selected == i
            let style = isSel ? context.selection : context.base
            if isSel { buffer.fill(Rect(x: area.x, y: y, width: area.width, height: 1), " ", style) }
            buffer.set(area.x, y, isSel ? context.glyphs.selectionMarker : " ", style)
            buffer.write(Text.fit(b.label, labelW, ellipsis: context.glyphs.ellipsis), x: area.x + 2, y: y, style: style)
            if barW >= 2 {
                Gauge.drawBar(into: &buffer, x: area.x + labelW + 3, y: y, width: barW, fraction: b.fraction, context: context)
            }
            buffer.write(Text.fit(b.valueText, valueW, alignRight: true), x: area.maxX - valueW, y: y, style: style)
        }
    }
}
