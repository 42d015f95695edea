import PruneTUI

/// Where everything goes on a screen of `size`: the view draws into these
/// areas and the mouse handling hits them, so neither depends on the other
/// having run (drawing records nothing).
public struct ExplorerLayout: Equatable {
    public var full: Rect
    public var header: Rect
    public var body: Rect
    public var bottomLine: Rect

    // Main screen (blocks include their borders).
    public var layersBlock: Rect
    public var totalsBlock: Rect
    public var histogramBlock: Rect
    public var heatmapBlock: Rect
    public var chartBlock: Rect
    /// Inside the histogram block: the controls line, the plot, the caption and the slider.
    public var controlsLine: Rect
    public var histogram: Rect
    public var caption: Rect
    public var sliderRow: Rect

    // History screen.
    public var historyBlock: Rect

    /// - Parameters:
    ///   - measuredLayers: Dense layers whose measured speed-up the Model box
    ///     lists (with `measuresInference`), below its two totals.
    ///   - extraTotalsLines: lines the Model box adds below its six figures
    ///     (the current step's robustness, once measured).
    public init(size: Size, measuresInference: Bool, measuredLayers: Int = 0, extraTotalsLines: Int = 0) {
        let rows = ScreenRows(size: size)
        full = rows.full
        header = rows.header
        body = rows.body
        bottomLine = rows.bottomLine
        let leftWidth = max(28, min(44, body.width * 30 / 100))
        let cols = Layout.split(body, .horizontal, [.fixed(leftWidth), .fill(1)])
        // Six figures, then (when measured) batch 1 and 256 and one line per
        // Dense layer, taking at most half the column.
        let totalsHeight =
            (measuresInference ? min(8 + 2 + measuredLayers, max(9, body.height / 2)) : 8) + min(extraTotalsLines, 2)
        let left = Layout.split(cols[0], .vertical, [.fill(1), .fixed(totalsHeight)])
        let right = Layout.split(cols[1], .vertical, [.percentage(50), .fill(1)])
        let bottom = Layout.split(right[1], .horizontal, [.fill(1), .fill(1)])
        layersBlock = left[0]
        totalsBlock = left[1]
        histogramBlock = right[0]
        heatmapBlock = bottom[0]
        chartBlock = bottom[1]
        let parts = Layout.split(Block.inner(histogramBlock), .vertical, [.fixed(1), .fill(1), .fixed(1), .fixed(1)])
        controlsLine = parts[0]
        histogram = parts[1]
        caption = parts[2]
        sliderRow = parts[3]
        historyBlock = body
    }

    /// Rows of the layer table that show at once (its header and total row take two).
    public var visibleLayerRows: Int { max(1, Block.inner(layersBlock).height - 2) }
    /// Rows of the history table that show at once.
    public var visibleHistoryRows: Int { max(1, Block.inner(historyBlock).height - 1) }
    /// Panes Tab and a click focus, in order: layers, histogram, heatmap, chart.
    public var focusPanes: [Rect] { [layersBlock, histogramBlock, heatmapBlock, chartBlock] }
}
