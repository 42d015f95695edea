import Foundation

/// A matrix as coloured pixels: two per cell (upper-half block with
/// foreground = top pixel and background = bottom pixel). Signed values use
/// the diverging map; exact zeros and masked entries get their own colour.
/// Matrices larger than the area are downsampled by an aggregation the
/// caption names. Without colour or Unicode, one shade glyph per cell.
public struct Heatmap: Sendable {
    /// How a block of entries becomes one pixel when downsampling.
    public enum Aggregation: Sendable, CaseIterable {
        /// The entry with the largest |w| (kept entries only), signed.
        case maxAbs
        /// The fraction of pruned (masked or zero) entries, on the sequential map.
        case fractionPruned

        /// Words for the caption.
        public var description: String {
            switch self {
            case .maxAbs: "max |w| per pixel"
            case .fractionPruned: "fraction pruned per pixel"
            }
        }
    }

    /// Row-major entries; NaN marks a blank pixel (e.g. the gap between conv filter tiles).
    public var values: [Float]
    public var rows: Int
    public var columns: Int
    /// 1 = kept, 0 = pruned; same count as `values`, or nil (then zeros count as pruned).
    public var mask: [Float]?
    public var aggregation: Aggregation
    /// |w| that maps to full colour; nil = the largest |w| kept.
    public var scale: Double?
    /// Pixels computed elsewhere (e.g. kept up to date incrementally), as
    /// `pixels(width:height:)` would give them for the image size of the
    /// area drawn into; ignored when their count does not match.
    public var precomputedPixels: [Double?]?

    public init(
        values: [Float], rows: Int, columns: Int, mask: [Float]? = nil,
        aggregation: Aggregation = .maxAbs, scale: Double? = nil
    ) {
        self.values = values; self.rows = rows; self.columns = columns
        self.mask = mask; self.aggregation = aggregation; self.scale = scale
    }

    /// Pixels per cell row for the given context: 2 with colour and Unicode, else 1.
    static func pixelsPerRow(_ context: DrawContext) -> Int {
        context.usesColor && context.glyphs.isUnicode ? 2 : 1
    }

    /// The image size in pixels for an area, and whether it is downsampled.
    public func imageSize(for area: Size, context: DrawContext) -> (width: Int, height: Int, downsampled: Bool) {
        let pw = area.width, ph = area.height * Heatmap.pixelsPerRow(context)
        guard rows > 0, columns > 0, pw > 0, ph > 0 else { return (0, 0, false) }
        if columns <= pw && rows <= ph {
            let s = max(1, min(pw / columns, ph / rows))
            return (columns * s, rows * s, false)
        }
        return (min(pw, columns), min(ph, rows), true)
    }

    /// A one-line description, e.g. "300x784 → 80x40 px, max |w| per pixel".
    public func caption(for area: Size, context: DrawContext) -> String {
        let img = imageSize(for: area, context: context)
        let arrow = context.glyphs.isUnicode ? "→" : "->"
        if img.downsampled { return "\(rows)x\(columns) \(arrow) \(img.height)x\(img.width) px, \(aggregation.description)" }
        return "\(rows)x\(columns), 1 entry per pixel"
    }

    /// The image row (column) each matrix row (column) falls in when
    /// `entries` are downsampled to `pixels`, as `pixels(width:height:)`
    /// groups them; needs `pixels <= entries` (a downsampled axis).
    public static func pixelOfEntry(entries: Int, pixels: Int) -> [Int32] {
        var out = [Int32](repeating: 0, count: max(0, entries))
        guard pixels > 0, entries >= pixels else { return out }
        for p in 0..<pixels {
            let e0 = p * entries / pixels, e1 = max(e0 + 1, (p + 1) * entries / pixels)
            for e in e0..<min(e1, entries) { out[e] = Int32(p) }
        }
        return out
    }

    /// Computes pixels: value (signed, scaled to -1...1, or a fraction 0...1) or nil for pruned.
    public func pixels(width: Int, height: Int) -> [Double?] {
        var out = [Double?](repeating: nil, count: width * height)
        guard width > 0, height > 0, values.count >= rows * columns else { return out }
        var s = scale ?? 0
        if s <= 0 {
            for (i, v) in values.enumerated() where (mask?[i] ?? 1) != 0 && !v.isNaN { s = max(s, Double(abs(v))) }
        }
        if s <= 0 { s = 1 }
        values.withUnsafeBufferPointer { vp in
            let mp = mask
            for py in 0..<height {
                let r0 = py * rows / height, r1 = max(r0 + 1, (py + 1) * rows / height)
                for px in 0..<width {
                    let c0 = px * columns / width, c1 = max(c0 + 1, (px + 1) * columns / width)
                    var best: Float = 0, bestAbs: Float = -1, prunedCount = 0, total = 0
                    for r in r0..<min(r1, rows) {
                        let row = r * columns
                        for c in c0..<min(c1, columns) {
                            let i = row + c
                            let v = vp[i]
                            if v.isNaN { continue }
                            total += 1
                            let kept = (mp?[i] ?? 1) != 0 && v != 0
                            if !kept { prunedCount += 1; continue }
                            let a = abs(v)
                            if a > bestAbs { bestAbs = a; best = v }
                        }
                    }
                    if total == 0 { out[py * width + px] = .nan; continue }
                    switch aggregation {
                    case .maxAbs:
                        if bestAbs >= 0 {
                            let x = Double(best) / s
                            out[py * width + px] = (x < 0 ? -1 : 1) * min(1, abs(x)).squareRoot()
                        }
                    case .fractionPruned:
                        out[py * width + px] = total > 0 ? Double(prunedCount) / Double(total) : 0
                    }
                }
            }
        }
        return out
    }

    public func render(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        let img = imageSize(for: area.size, context: context)
        guard img.width > 0, img.height > 0 else { return }
        let px =
            precomputedPixels.flatMap { $0.count == img.width * img.height ? $0 : nil } ?? pixels(width: img.width, height: img.height)
        let perRow = Heatmap.pixelsPerRow(context)
        let masked = context.color(.heatMasked)
        let blank = context.color(.background)
        func color(_ p: Double?) -> Color {
            guard let p else { return masked }
            if p.isNaN { return blank }
            return aggregation == .maxAbs ? context.diverging(p) : context.sequential(p)
        }
        if perRow == 2 {
            let cellRows = (img.height + 1) / 2
            for cy in 0..<cellRows {
                for cx in 0..<img.width {
                    let top = px[(2 * cy) * img.width + cx]
                    let bottomIndex = 2 * cy + 1
                    let bg: Color = bottomIndex < img.height ? color(px[bottomIndex * img.width + cx]) : context.color(.background)
                    buffer.set(area.x + cx, area.y + cy, context.glyphs.upperHalf, Style(fg: color(top), bg: bg))
                }
            }
        } else {
            let shades = context.glyphs.shades
            for cy in 0..<img.height {
                for cx in 0..<img.width {
                    let p = px[cy * img.width + cx]
                    let style = context.usesColor ? Style(fg: color(p), bg: context.color(.background)) : context.base
                    let ch: Unicode.Scalar
                    if let v = p, v.isNaN { buffer.set(area.x + cx, area.y + cy, " ", context.base); continue }
                    switch (aggregation, p) {
                    case (.maxAbs, nil): ch = context.glyphs.masked
                    case (.maxAbs, let v?): ch = shades[max(1, min(shades.count - 1, Int((abs(v) * Double(shades.count - 1)).rounded())))]
                    case (.fractionPruned, let v):
                        ch = shades[max(0, min(shades.count - 1, Int(((v ?? 1) * Double(shades.count - 1)).rounded())))]
                    }
                    buffer.set(area.x + cx, area.y + cy, ch, style)
                }
            }
        }
    }
}
