/// How much of a split one part takes.
public enum Constraint: Hashable, Sendable {
    /// Exactly `n` cells (less only if there is not enough room).
    case fixed(Int)
    /// At least `n` cells; grows like `.fill(1)` when there is room.
    case min(Int)
    /// `p` percent of the whole (rounded down).
    case percentage(Int)
    /// A share of what is left, by weight.
    case fill(Int)
}

/// Splitting a rectangle into rows or columns.
public enum Layout {
    public enum Axis: Sendable { case horizontal, vertical }

    /// Splits `rect` along `axis` (horizontal = side by side) by `constraints`,
    /// leaving `spacing` cells between parts. Fixed, percentage and minimum
    /// sizes are served first; what remains goes to `.fill` and `.min`
    /// parts by weight. When space runs short, the last parts shrink first.
    public static func split(_ rect: Rect, _ axis: Axis, _ constraints: [Constraint], spacing: Int = 0) -> [Rect] {
        guard !constraints.isEmpty else { return [] }
        let total = axis == .horizontal ? rect.width : rect.height
        let gaps = spacing * (constraints.count - 1)
        let avail = max(0, total - gaps)
        var sizes = constraints.map { c -> Int in
            switch c {
            case .fixed(let n): Swift.max(0, n)
            case .min(let n): Swift.max(0, n)
            case .percentage(let p): Swift.max(0, avail * p / 100)
            case .fill: 0
            }
        }
        var used = sizes.reduce(0, +)
        if used > avail {
            var excess = used - avail
            for i in sizes.indices.reversed() where excess > 0 {
                let cut = Swift.min(sizes[i], excess)
                sizes[i] -= cut; excess -= cut
            }
            used = avail
        }
        var left = avail - used
        let weights = constraints.map { c -> Int in
            switch c {
            case .fill(let w): Swift.max(0, w)
            case .min: 1
            default: 0
            }
        }
        let weightSum = weights.reduce(0, +)
        if weightSum > 0 && left > 0 {
            let share = left
            var given = 0
            for i in sizes.indices where weights[i] > 0 {
                let add = share * weights[i] / weightSum
                sizes[i] += add; given += add
            }
            left = share - given
            // Hand out the rounding remainder from the first weighted part on.
            for i in sizes.indices where weights[i] > 0 && left > 0 { sizes[i] += 1; left -= 1 }
        }
        var out: [Rect] = []
        var pos = axis == .horizontal ? rect.x : rect.y
        for s in sizes {
            if axis == .horizontal {
                out.append(Rect(x: pos, y: rect.y, width: s, height: rect.height))
            } else {
                out.append(Rect(x: rect.x, y: pos, width: rect.width, height: s))
            }
            pos += s + spacing
        }
        return out
    }
}

/// The usual app screen: a title row, the body, a bottom row for hints and messages.
public struct ScreenRows: Equatable, Sendable {
    public var full: Rect
    public var header: Rect
    public var body: Rect
    public var bottomLine: Rect

    public init(size: Size) {
        full = Rect(x: 0, y: 0, width: size.width, height: size.height)
        let rows = Layout.split(full, .vertical, [.fixed(1), .fill(1), .fixed(1)])
        header = rows[0]
        body = rows[1]
        bottomLine = rows[2]
    }
}
