/// The top line of an app: what is open on the left (cut with … when the
/// line is short) and the figures that matter most on the right, in bold.
public struct TitleBar: Sendable {
    public var left: String
    public var right: String

    public init(left: String, right: String) {
        self.left = left
        self.right = right
    }

    public func render(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        buffer.fill(area, " ", context.base)
        let rightWidth = CellBuffer.columns(of: right)
        let written = buffer.write(
            Text.truncate(left, to: max(0, area.width - rightWidth - 1), ellipsis: context.glyphs.ellipsis),
            x: area.x, y: area.y, style: context.title)
        if written + rightWidth < area.width {
            buffer.write(right, x: area.maxX - rightWidth, y: area.y, style: context.base.adding(.bold))
        }
    }
}
