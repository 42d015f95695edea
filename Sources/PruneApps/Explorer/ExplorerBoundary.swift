import PruneKit
import PruneTUI

/// What a decision grid is computed for: the grid's size and window in
/// the model's input units, and whether the preview's masks are laid over
/// the published step (else the step itself is evaluated).
public struct BoundaryRequest: Equatable, Sendable {
    public var columns: Int
    public var rows: Int
    public var x: ClosedRange<Double>
    public var y: ClosedRange<Double>
    /// Evaluate the published step with the preview's masks applied.
    public var preview: Bool
    /// What the picture shows, as its title says it: "step 3" or "preview 85.0%".
    public var label: String
}

/// A finished decision grid and what it was computed for.
public struct BoundaryPicture: Sendable, Equatable {
    public var request: BoundaryRequest
    public var grid: DecisionGrid
    /// The argmax of each validation sample under the same weights, in the
    /// validation set's order (the points drawn, and the accuracy shown).
    public var predictions: [Int]
    /// Of those, how many equal the label.
    public var correct: Int
    /// The `ExplorerModel.boundary` generation it was computed for.
    public var generation: Int

    /// Validation accuracy of the weights the picture shows.
    public var accuracy: Double? { predictions.isEmpty ? nil : Double(correct) / Double(predictions.count) }
}

/// Where the decision-boundary screen draws, for a body area: the plot
/// block (picture, axes, slider) and the legend beside it. The picture has
/// two pixels per cell row (upper-half blocks).
struct BoundaryLayout: Equatable {
    var plotBlock: Rect
    var legendBlock: Rect
    /// The picture's cells.
    var picture: Rect
    /// Left of the picture: input 1's values.
    var yLabels: Rect
    /// Below the picture: input 0's values.
    var xLabels: Rect
    var sliderRow: Rect

    /// Columns left of the picture for input 1's values ("-10.5 ").
    static let labelWidth = 7

    init(body: Rect) {
        let legendWidth = min(40, max(28, body.width / 4))
        let cols = Layout.split(body, .horizontal, [.fill(1), .fixed(legendWidth)])
        plotBlock = cols[0]
        legendBlock = cols[1]
        let rows = Layout.split(Block.inner(plotBlock), .vertical, [.fill(1), .fixed(1), .fixed(1)])
        let top = Layout.split(rows[0], .horizontal, [.fixed(BoundaryLayout.labelWidth), .fill(1)])
        yLabels = top[0]
        picture = top[1]
        xLabels = Rect(x: picture.x, y: rows[1].y, width: picture.width, height: rows[1].height)
        sliderRow = rows[2]
    }
}

extension ExplorerModel {
    /// Why this model has no decision-boundary picture, or nil when it has one.
    var boundaryUnsupported: String? { DecisionGrid.unsupportedReason(session.model) }

    /// The screen-6 areas for the current size.
    var boundaryLayout: BoundaryLayout { BoundaryLayout(body: layout.body) }

    /// Whether a grid should be computed now: the screen shows and the model has two inputs.
    var wantsBoundary: Bool { screen == .boundary && boundaryUnsupported == nil }

    /// What the step or the preview changed, or the screen's size: the grid
    /// is stale. The one in flight finishes and is shown until the new one
    /// arrives (superseded, not queued: one at a time, like the accuracy preview).
    mutating func boundaryChanged() {
        boundary.invalidate(wanted: wantsBoundary)
    }

    /// The screen was switched: on screen 6 a grid is computed unless the
    /// current one is there or on its way; away from it a grid still being
    /// computed is stopped.
    mutating func boundaryScreenSwitched() {
        if wantsBoundary {
            if !boundary.isPending && boundary.value == nil { boundary.invalidate(wanted: true) }
        } else if boundary.inFlight != nil {
            emit(.cancelBoundary)
            boundary.invalidate(wanted: false)
        }
    }

    /// A finished grid: the current one is kept, and any that is newer than
    /// the one on screen replaces it (a superseded grid still shows a state
    /// the user passed through, under its own label).
    mutating func receiveBoundary(_ picture: BoundaryPicture?, generation: Int) {
        boundary.receive(picture, generation: generation)
        guard let picture, picture.generation > (boundaryShown?.generation ?? -1) else { return }
        boundaryShown = picture
    }

    /// The grid the screen needs now: one point per pixel of the picture
    /// (two per cell row), over the data's box made square, for the preview
    /// when one is pending, else for the step.
    func boundaryRequest() -> BoundaryRequest {
        let area = boundaryLayout.picture
        let columns = max(1, area.width), rows = max(1, area.height * 2)
        var points = [(Double, Double)]()
        for data in [info.train, info.validation].compactMap({ $0 }) where data.sampleSize == 2 {
            data.inputs.data.withUnsafeBufferPointer { p in
                for i in 0..<data.count { points.append((Double(p[2 * i]), Double(p[2 * i + 1]))) }
            }
        }
        let window = DecisionGrid.window(containing: points, columns: columns, rows: rows)
        let label: String
        if let p = previewMetrics {
            label = "preview \(Format.percent(p.prunableSparsity))"
        } else {
            label = "step \(session.cursor)"
        }
        return BoundaryRequest(columns: columns, rows: rows, x: window.x, y: window.y, preview: previewMetrics != nil, label: label)
    }
}

/// The class colours of the decision-boundary screen: Okabe & Ito's
/// palette for colour-blind readers ("Color Universal Design", 2008),
/// in an order whose first pairs stay apart under protanopia, deuteranopia
/// and tritanopia. Points use these; regions mix them into the theme's
/// background, so they sit behind the points on any theme.
enum ClassPalette {
    static let colors: [Color] = [
        Color(r: 0xE6, g: 0x9F, b: 0x00),  // orange
        Color(r: 0x56, g: 0xB4, b: 0xE9),  // sky blue
        Color(r: 0x00, g: 0x9E, b: 0x73),  // bluish green
        Color(r: 0xCC, g: 0x79, b: 0xA7),  // reddish purple
        Color(r: 0xF0, g: 0xE4, b: 0x42),  // yellow
        Color(r: 0x00, g: 0x72, b: 0xB2),  // blue
        Color(r: 0xD5, g: 0x5E, b: 0x00),  // vermillion
    ]
    /// How much of the class colour a region keeps over the background.
    static let regionStrength = 0.42

    /// The point colour of class `k`, as the terminal can show it.
    static func point(_ k: Int, _ context: DrawContext) -> Color {
        context.capability.reduce(colors[k % colors.count])
    }

    /// The region colour of class `k`: the class colour dimmed into the theme background.
    static func region(_ k: Int, _ context: DrawContext) -> Color {
        let background = context.color(.background)
        let base = background.isDefault ? Color(r: 0, g: 0, b: 0) : background
        return context.capability.reduce(base.mixed(with: colors[k % colors.count], regionStrength))
    }

    /// The glyph of a point of class `k`, filled when the model gets it
    /// right and hollow when not (ASCII: the class's letter, upper case when wrong).
    static func glyph(_ k: Int, correct: Bool, unicode: Bool) -> Unicode.Scalar {
        let filled: [Unicode.Scalar] = ["●", "▲", "■", "◆", "▼", "★", "♦"]
        let hollow: [Unicode.Scalar] = ["○", "△", "□", "◇", "▽", "☆", "◊"]
        let right: [Unicode.Scalar] = ["o", "x", "s", "d", "v", "a", "z"]
        let wrong: [Unicode.Scalar] = ["O", "X", "S", "D", "V", "A", "Z"]
        let i = k % filled.count
        return unicode ? (correct ? filled[i] : hollow[i]) : (correct ? right[i] : wrong[i])
    }

    /// The shade of a region of class `k` without colour: blank, then denser shades.
    static func shade(_ k: Int, _ glyphs: Glyphs) -> Unicode.Scalar {
        let order = [0, 2, 1, 3]
        return glyphs.shades[order[k % order.count]]
    }
}
