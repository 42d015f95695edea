import Foundation

/// Vertical bars with eighth-block resolution over equal-width bins, with
/// one or two threshold markers and the pruned region drawn differently
/// (pruned colour, dim, and a hatched strip on the axis, so it shows
/// without colour too).
public struct Histogram: Sendable {
    public enum Scale: Sendable { case linear, log }

    /// Which side of the thresholds is pruned.
    public enum Shading: Sendable {
        case none
        /// Between two thresholds (e.g. |w| < t as -t...+t), or below a single one.
        case inside
        /// Beyond two thresholds, or above a single one.
        case outside
    }

    /// Counts per bin, bins of equal width covering `range`.
    public var counts: [Double]
    public var range: ClosedRange<Double>
    public var scale: Scale
    /// Zero, one or two threshold values (in the same units as `range`).
    public var thresholds: [Double]
    public var shading: Shading
    /// Axis and labels; dropped automatically when the area is under 4 rows.
    public var showAxes: Bool

    public init(
        counts: [Double], range: ClosedRange<Double>, scale: Scale = .linear,
        thresholds: [Double] = [], shading: Shading = .inside, showAxes: Bool = true
    ) {
        self.counts = counts; self.range = range; self.scale = scale
        self.thresholds = thresholds.sorted(); self.shading = shading; self.showAxes = showAxes
    }

    /// Counts `values` into `bins` equal bins over `range` (default: min...max).
    public static func bin(
        _ values: [Float], bins: Int, range: ClosedRange<Double>? = nil
    ) -> (counts: [Double], range: ClosedRange<Double>) {
        let n = max(1, bins)
        var lo = range?.lowerBound ?? Double.infinity, hi = range?.upperBound ?? -Double.infinity
        if range == nil {
            for v in values where v.isFinite { lo = min(lo, Double(v)); hi = max(hi, Double(v)) }
        }
        if !lo.isFinite || !hi.isFinite { lo = 0; hi = 1 }
        if hi <= lo { hi = lo + 1 }
        var counts = [Double](repeating: 0, count: n)
        let scale = Double(n) / (hi - lo)
        values.withUnsafeBufferPointer { p in
            for v in p where v.isFinite {
                let i = Int((Double(v) - lo) * scale)
                if i >= 0 && i < n { counts[i] += 1 } else if i == n { counts[n - 1] += 1 }
            }
        }
        return (counts, lo...hi)
    }

    /// Whether value `v` lies in the pruned region.
    public func isPruned(_ v: Double) -> Bool {
        guard let first = thresholds.first else { return false }
        switch shading {
        case .none: return false
        case .inside: return thresholds.count >= 2 ? (v > first && v < thresholds[1]) : v < first
        case .outside: return thresholds.count >= 2 ? (v < first || v > thresholds[1]) : v > first
        }
    }

    /// Counts per column: bins resampled by overlap.
    func columnCounts(_ columns: Int) -> [Double] {
        guard columns > 0, !counts.isEmpty else { return [Double](repeating: 0, count: max(0, columns)) }
        var out = [Double](repeating: 0, count: columns)
        let b = Double(counts.count), c = Double(columns)
        for col in 0..<columns {
            let a0 = Double(col) * b / c, a1 = Double(col + 1) * b / c
            var i = Int(a0)
            var sum = 0.0
            while Double(i) < a1 && i < counts.count {
                let overlap = min(a1, Double(i + 1)) - max(a0, Double(i))
                if overlap > 0 { sum += counts[i] * overlap }
                i += 1
            }
            out[col] = sum
        }
        return out
    }

    /// The count at the top of the count axis: the tallest column rounded up to
    /// a whole number. Resampled columns hold fractional counts ("3.82");
    /// the axis says how many weights, so it is labelled with an integer and
    /// the bars are scaled to that.
    static func axisTop(_ columns: [Double]) -> Double {
        (columns.max() ?? 0).rounded(.up)
    }

    public func render(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        guard area.width >= 1, area.height >= 1 else { return }
        let axes = showAxes && area.height >= 4 && area.width >= 12
        let plotRows = axes ? area.height - 2 : area.height
        var labelWidth = 0
        var topLabel = "", bottomLabel = ""
        // The label width depends on the largest column count, which depends on
        // the plot width: widen the label until the count it shows fits
        // (a narrower plot gathers more weights per column).
        var plotX = area.x
        var plotW = area.width
        var cols = [Double]()
        if axes {
            bottomLabel = "0"
            labelWidth = 2
            for _ in 0..<4 {
                plotW = area.width - labelWidth
                guard plotW > 0 else { break }
                cols = columnCounts(plotW)
                topLabel = Text.compact(Histogram.axisTop(cols))
                let needed = max(CellBuffer.columns(of: topLabel), 1) + 1
                if needed <= labelWidth { break }
                labelWidth = needed
            }
            plotX = area.x + labelWidth
            plotW = area.width - labelWidth
        }
        guard plotW > 0, plotRows > 0 else { return }
        if cols.count != plotW { cols = columnCounts(plotW) }
        let maxCount = Histogram.axisTop(cols)
        if axes { topLabel = Text.compact(maxCount) }
        let lo = range.lowerBound, hi = range.upperBound
        let dx = (hi - lo) / Double(plotW)
        func columnOf(_ v: Double) -> Int? {
            guard v >= lo, v <= hi else { return nil }
            return min(plotW - 1, Int((v - lo) / dx))
        }
        let markerCols = Set(thresholds.compactMap(columnOf))
        let bar = context.style(.histogramBar)
        let pruned = context.pruned
        let marker = context.style(.threshold, [.bold])
        let eighths = context.glyphs.verticalEighths
        let bottom = area.y + plotRows - 1
        for c in 0..<plotW {
            let count = cols[c]
            var h: Double
            if maxCount <= 0 { h = 0 } else if scale == .log { h = log1p(count) / log1p(maxCount) } else { h = count / maxCount }
            var units = Int((h * Double(plotRows * 8)).rounded())
            if count > 0 && units == 0 { units = 1 }
            let center = lo + (Double(c) + 0.5) * dx
            let style = isPruned(center) ? pruned : bar
            let x = plotX + c
            for r in 0..<plotRows {
                let fill = min(8, max(0, units - r * 8))
                let y = bottom - r
                if fill > 0 {
                    buffer.set(x, y, eighths[fill], style)
                } else if markerCols.contains(c) {
                    buffer.set(x, y, context.glyphs.thresholdMarker, marker)
                }
            }
        }
        guard axes else { return }
        buffer.write(Text.fit(topLabel, labelWidth - 1, alignRight: true), x: area.x, y: area.y, style: context.muted)
        buffer.write(Text.fit(bottomLabel, labelWidth - 1, alignRight: true), x: area.x, y: bottom, style: context.muted)
        // Axis row: plain line under kept columns, hatched strip under pruned ones.
        let axisY = bottom + 1
        for c in 0..<plotW {
            let center = lo + (Double(c) + 0.5) * dx
            if markerCols.contains(c) {
                buffer.set(plotX + c, axisY, context.glyphs.thresholdMarker, marker)
            } else if isPruned(center) {
                buffer.set(plotX + c, axisY, context.glyphs.prunedStrip, pruned)
            } else {
                buffer.set(plotX + c, axisY, context.glyphs.box.horizontal, context.muted)
            }
        }
        // Labels row: thresholds first, then the ends and zero where they fit.
        var taken = [Bool](repeating: false, count: plotW)
        func place(_ text: String, at col: Int, style: Style, anchor: Int) {
            let w = CellBuffer.columns(of: text)
            guard w <= plotW else { return }
            var start = col - anchor
            start = max(0, min(plotW - w, start))
            for i in start..<start + w where taken[i] { return }
            for i in max(0, start - 1)..<min(plotW, start + w + 1) { taken[i] = true }
            buffer.write(text, x: plotX + start, y: axisY + 1, style: style)
        }
        for t in thresholds {
            if let c = columnOf(t) { let s = Text.compact(t); place(s, at: c, style: marker, anchor: CellBuffer.columns(of: s) / 2) }
        }
        place(Text.compact(lo), at: 0, style: context.muted, anchor: 0)
        let hiText = Text.compact(hi)
        place(hiText, at: plotW - 1, style: context.muted, anchor: CellBuffer.columns(of: hiText) - 1)
        if lo < 0 && hi > 0, let z = columnOf(0) { place("0", at: z, style: context.muted, anchor: 0) }
    }
}
