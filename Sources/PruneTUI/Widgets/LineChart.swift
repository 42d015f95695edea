import Foundation

/// Lines drawn with braille dots (2x4 per cell), several series, axes with
/// tick labels, vertical event markers with labels, and a legend. Without
/// Unicode each series is drawn with its own point character, one per cell.
public struct LineChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        /// (x, y) points in x order; non-finite y breaks the line.
        public var points: [(x: Double, y: Double)]
        public init(name: String, points: [(x: Double, y: Double)]) { self.name = name; self.points = points }
    }

    /// A vertical line at `x` with a short label, e.g. a pruning step.
    public struct Marker: Sendable {
        public var x: Double
        public var label: String
        public init(x: Double, label: String) { self.x = x; self.label = label }
    }

    public var series: [Series]
    public var markers: [Marker]
    /// Axis ranges; nil = from the data.
    public var xRange: ClosedRange<Double>?
    public var yRange: ClosedRange<Double>?
    public var showLegend: Bool

    public init(
        series: [Series], markers: [Marker] = [], xRange: ClosedRange<Double>? = nil,
        yRange: ClosedRange<Double>? = nil, showLegend: Bool = true
    ) {
        self.series = series; self.markers = markers; self.xRange = xRange; self.yRange = yRange; self.showLegend = showLegend
    }

    /// About `count` round tick values covering `lo...hi`.
    public static func ticks(_ lo: Double, _ hi: Double, count: Int) -> [Double] {
        guard hi > lo, count >= 2 else { return [lo] }
        let raw = (hi - lo) / Double(count - 1)
        let mag = pow(10, floor(log10(raw)))
        let norm = raw / mag
        let step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag
        var t = ceil(lo / step - 1e-9) * step
        var out: [Double] = []
        while t <= hi + step * 1e-9 && out.count < 50 { out.append(abs(t) < step * 1e-9 ? 0 : t); t += step }
        return out
    }

    private func dataRanges() -> (ClosedRange<Double>, ClosedRange<Double>) {
        var xlo = Double.infinity, xhi = -Double.infinity, ylo = Double.infinity, yhi = -Double.infinity
        for s in series {
            for p in s.points where p.x.isFinite && p.y.isFinite {
                xlo = min(xlo, p.x); xhi = max(xhi, p.x); ylo = min(ylo, p.y); yhi = max(yhi, p.y)
            }
        }
        if !xlo.isFinite { xlo = 0; xhi = 1 }
        if !ylo.isFinite { ylo = 0; yhi = 1 }
        if xhi <= xlo { xhi = xlo + 1 }
        if yhi <= ylo { let pad = max(abs(ylo) * 0.1, 1e-6); ylo -= pad; yhi += pad }
        return (xRange ?? xlo...xhi, yRange ?? ylo...yhi)
    }

    public func render(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        guard area.width >= 2, area.height >= 1 else { return }
        let (xr, yr) = dataRanges()
        let axes = area.height >= 5 && area.width >= 16
        var plot = area
        var yTicks: [Double] = []
        var labelW = 0
        if axes {
            yTicks = LineChart.ticks(yr.lowerBound, yr.upperBound, count: max(2, min(5, (area.height - 2) / 2 + 1)))
                .filter { yr.contains($0) }
            labelW = (yTicks.map { CellBuffer.columns(of: Text.compact($0)) }.max() ?? 1) + 1
            plot = Rect(x: area.x + labelW + 1, y: area.y, width: area.width - labelW - 1, height: area.height - 2)
        }
        guard plot.width > 0, plot.height > 0 else { return }
        let unicode = context.glyphs.isUnicode
        let dotsX = unicode ? 2 : 1, dotsY = unicode ? 4 : 1
        let dw = plot.width * dotsX, dh = plot.height * dotsY
        let xspan = xr.upperBound - xr.lowerBound, yspan = yr.upperBound - yr.lowerBound
        func dot(_ x: Double, _ y: Double) -> (Int, Int) {
            let dx = Int(((x - xr.lowerBound) / xspan * Double(dw - 1)).rounded())
            let dy = Int(((1 - (y - yr.lowerBound) / yspan) * Double(dh - 1)).rounded())
            return (dx, dy)
        }
        var bits = [UInt8](repeating: 0, count: plot.width * plot.height)
        var owner = [Int](repeating: -1, count: plot.width * plot.height)
        let brailleBits: [[UInt8]] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]]
        func plotDot(_ x: Int, _ y: Int, _ s: Int) {
            guard x >= 0, y >= 0, x < dw, y < dh else { return }
            let cell = (y / dotsY) * plot.width + x / dotsX
            bits[cell] |= unicode ? brailleBits[x % 2][y % 4] : 1
            owner[cell] = s
        }
        for (si, s) in series.enumerated() {
            var last: (Int, Int)?
            for p in s.points {
                guard p.x.isFinite, p.y.isFinite else { last = nil; continue }
                let d = dot(p.x, p.y)
                if let l = last {
                    // Bresenham between consecutive points.
                    var x0 = l.0, y0 = l.1
                    let x1 = d.0, y1 = d.1
                    let dx = abs(x1 - x0), sx = x0 < x1 ? 1 : -1
                    let dy = -abs(y1 - y0), sy = y0 < y1 ? 1 : -1
                    var err = dx + dy
                    var steps = 0
                    while steps < 100_000 {
                        plotDot(x0, y0, si)
                        if x0 == x1 && y0 == y1 { break }
                        let e2 = 2 * err
                        if e2 >= dy { err += dy; x0 += sx }
                        if e2 <= dx { err += dx; y0 += sy }
                        steps += 1
                    }
                } else {
                    plotDot(d.0, d.1, si)
                }
                last = d
            }
        }
        // Event markers under the lines.
        let markerStyle = context.style(.eventMarker)
        for m in markers where xr.contains(m.x) {
            let cx = plot.x + dot(m.x, yr.lowerBound).0 / dotsX
            for y in plot.y..<plot.maxY { buffer.set(cx, y, context.glyphs.eventMarker, markerStyle) }
        }
        for cy in 0..<plot.height {
            for cx in 0..<plot.width {
                let i = cy * plot.width + cx
                guard bits[i] != 0 else { continue }
                let s = owner[i]
                let ch: Unicode.Scalar =
                    unicode
                    ? Unicode.Scalar(0x2800 + UInt32(bits[i])) ?? "*"
                    : context.glyphs.seriesPoints[s % context.glyphs.seriesPoints.count]
                buffer.set(plot.x + cx, plot.y + cy, ch, Style(fg: context.series(s), bg: context.color(.background)))
            }
        }
        let labelY = showLegend && !series.isEmpty && plot.height > 1 ? plot.y + 1 : plot.y
        for label in markerLabels(plot: plot, xRange: xr, column: { plot.x + dot($0, yr.lowerBound).0 / dotsX }, context: context) {
            buffer.write(label.text, x: label.x, y: labelY, style: markerStyle)
        }
        if showLegend && !series.isEmpty {
            drawLegend(into: &buffer, plot: plot, context: context)
        }
        guard axes else { return }
        // Y axis with ticks and labels.
        let axisX = plot.x - 1
        for y in plot.y..<plot.maxY { buffer.set(axisX, y, context.glyphs.box.vertical, context.muted) }
        for t in yTicks {
            let cy = plot.y + dot(xr.lowerBound, t).1 / dotsY
            buffer.write(Text.fit(Text.compact(t), labelW, alignRight: true), x: area.x, y: cy, style: context.muted)
        }
        // X axis and labels.
        let axisY = plot.maxY
        buffer.set(axisX, axisY, context.glyphs.box.bottomLeft, context.muted)
        for x in plot.x..<plot.maxX { buffer.set(x, axisY, context.glyphs.box.horizontal, context.muted) }
        let xTicks = LineChart.ticks(xr.lowerBound, xr.upperBound, count: max(3, min(8, plot.width / 8)))
        var nextFree = plot.x
        for t in xTicks where xr.contains(t) {
            let cx = plot.x + dot(t, yr.lowerBound).0 / dotsX
            let label = Text.compact(t)
            let w = CellBuffer.columns(of: label)
            let start = min(max(plot.x, cx - w / 2), plot.maxX - w)
            guard start >= nextFree else { continue }
            buffer.write(label, x: start, y: axisY + 1, style: context.muted)
            nextFree = start + w + 1
        }
    }

    /// Where marker labels go: right of their line, newest (rightmost) first.
    /// A label that would run into the next one to its right (with less than
    /// one blank column between) is dropped rather than overwritten, so two
    /// close markers never read as one ("79%" and "95%" as "7995%"). Only
    /// the rightmost label may be cut, with an ellipsis, at the plot's edge.
    func markerLabels(
        plot: Rect, xRange: ClosedRange<Double>, column: (Double) -> Int,
        context: DrawContext
    ) -> [(x: Int, text: String)] {
        var placed: [(x: Int, text: String)] = []
        var limit = plot.maxX
        // Right to left; of markers at the same x, the later one in the list first.
        let candidates = markers.enumerated().filter { !$0.element.label.isEmpty && xRange.contains($0.element.x) }
        for (_, marker) in candidates.sorted(by: { ($0.element.x, $0.offset) > ($1.element.x, $1.offset) }) {
            let start = column(marker.x) + 1
            let room = limit - start
            let width = CellBuffer.columns(of: marker.label)
            let text: String
            if width <= room {
                text = marker.label
            } else if placed.isEmpty && room >= 2 {
                text = Text.truncate(marker.label, to: room, ellipsis: context.glyphs.ellipsis)
            } else {
                continue
            }
            placed.append((start, text))
            // The next label to the left ends before this marker's line and a blank.
            limit = start - 2
        }
        return placed
    }

    private func drawLegend(into buffer: inout CellBuffer, plot: Rect, context: DrawContext) {
        var items: [(String, Int)] = []
        for (i, s) in series.enumerated() {
            let mark =
                context.glyphs.isUnicode ? "━" : String(Character(context.glyphs.seriesPoints[i % context.glyphs.seriesPoints.count]))
            items.append((mark + " " + s.name, i))
        }
        let total = items.reduce(0) { $0 + CellBuffer.columns(of: $1.0) + 2 }
        if total <= plot.width {
            var x = plot.maxX - total + 1
            for (text, i) in items {
                let w = CellBuffer.columns(of: text)
                buffer.fill(Rect(x: x - 1, y: plot.y, width: w + 2, height: 1), " ", context.base)
                let markEnd = buffer.write(
                    String(text.prefix(1)), x: x, y: plot.y,
                    style: Style(fg: context.series(i), bg: context.color(.background), attributes: [.bold]))
                buffer.write(String(text.dropFirst(1)), x: x + markEnd, y: plot.y, style: context.base)
                x += w + 2
            }
        }
    }
}
