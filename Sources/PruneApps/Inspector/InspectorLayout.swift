import PruneTUI

/// Where everything goes on the inspector's screen of `size`: the view
/// draws into these areas and the mouse and page keys hit them, so neither
/// depends on the other having run (drawing records nothing).
public struct InspectorLayout: Equatable {
    /// Lines of text above a tensor's histogram: dtype and shape, statistics, the prunability verdict.
    public static let detailLines = 3

    public var full: Rect
    public var header: Rect
    public var body: Rect
    public var bottomLine: Rect
    /// The tensor list, with its border; `table` is inside it.
    public var listBlock: Rect
    public var table: Rect
    /// The selected tensor or group, with its border.
    public var detailsBlock: Rect
    /// Inside the details block: the text lines, then histogram, caption and slider.
    public var detailsText: Rect
    public var histogram: Rect
    public var caption: Rect
    public var sliderRow: Rect
    public var heatmapBlock: Rect

    public init(size: Size) {
        let rows = ScreenRows(size: size)
        full = rows.full
        header = rows.header
        body = rows.body
        bottomLine = rows.bottomLine
        let cols = Layout.split(body, .horizontal, [.percentage(size.width < 120 ? 58 : 50), .fill(1)])
        listBlock = cols[0]
        table = Block.inner(listBlock)
        let right = Layout.split(cols[1], .vertical, [.percentage(55), .fill(1)])
        detailsBlock = right[0]
        heatmapBlock = right[1]
        let inner = Block.inner(detailsBlock)
        let lines = InspectorLayout.detailLines
        detailsText = Rect(x: inner.x, y: inner.y, width: inner.width, height: min(lines, inner.height))
        let rest = Rect(x: inner.x, y: inner.y + lines, width: inner.width, height: max(0, inner.height - lines))
        // Below four lines there is no room for a useful plot: no histogram, caption or slider.
        if rest.height >= 4 {
            let parts = Layout.split(rest, .vertical, [.fill(1), .fixed(1), .fixed(1)])
            histogram = parts[0]
            caption = parts[1]
            sliderRow = parts[2]
        } else {
            histogram = Rect(x: rest.x, y: rest.y, width: 0, height: 0)
            caption = histogram
            sliderRow = histogram
        }
    }

    /// Rows of the list that show at once (its header takes one).
    public var visibleRows: Int { max(1, table.height - 1) }
    /// How far PgUp / PgDn move: a page less one row, so a row of context stays.
    public var pageSize: Int { max(1, table.height - 2) }
}
