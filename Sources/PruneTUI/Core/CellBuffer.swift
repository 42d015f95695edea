/// The grid every widget draws into. A frame is drawn into a fresh buffer
/// and compared with the previous one, so only changed cells reach the
/// terminal (see `TerminalDriver.present`).
public struct CellBuffer: Sendable, Equatable {
    public private(set) var size: Size
    /// Row-major cells, `size.width * size.height` of them.
    public private(set) var cells: [Cell]

    public init(size: Size, fill: Cell = Cell()) {
        self.size = Size(width: max(0, size.width), height: max(0, size.height))
        cells = Array(repeating: fill, count: self.size.width * self.size.height)
    }

    public var width: Int { size.width }
    public var height: Int { size.height }
    public var bounds: Rect { Rect(size: size) }

    /// Resets every cell to `fill`, keeping the size (no reallocation).
    public mutating func clear(_ fill: Cell = Cell()) {
        cells.withUnsafeMutableBufferPointer { p in
            for i in p.indices { p[i] = fill }
        }
    }

    /// Changes the size and clears.
    public mutating func resize(to newSize: Size, fill: Cell = Cell()) {
        if newSize == size { clear(fill); return }
        self = CellBuffer(size: newSize, fill: fill)
    }

    /// The cell at (x, y); out of range reads give a blank cell.
    public subscript(x: Int, y: Int) -> Cell {
        get {
            guard x >= 0, y >= 0, x < size.width, y < size.height else { return Cell() }
            return cells[y * size.width + x]
        }
        set {
            guard x >= 0, y >= 0, x < size.width, y < size.height else { return }
            cells[y * size.width + x] = newValue
        }
    }

    /// Sets one cell if it lies inside the buffer (and inside `clip`, if given).
    @inline(__always)
    public mutating func set(_ x: Int, _ y: Int, _ char: Unicode.Scalar, _ style: Style) {
        guard x >= 0, y >= 0, x < size.width, y < size.height else { return }
        cells[y * size.width + x] = Cell(char, style: style)
    }

    /// Changes only the style of a cell, keeping its character.
    public mutating func setStyle(_ x: Int, _ y: Int, _ style: Style) {
        guard x >= 0, y >= 0, x < size.width, y < size.height else { return }
        cells[y * size.width + x].style = style
    }

    /// Fills a rectangle (clipped to the buffer).
    public mutating func fill(_ rect: Rect, _ char: Unicode.Scalar = " ", _ style: Style = .plain) {
        let r = rect.intersection(bounds)
        guard !r.isEmpty else { return }
        let cell = Cell(char, style: style)
        let w = size.width
        cells.withUnsafeMutableBufferPointer { p in
            for y in r.y..<r.maxY {
                let row = y * w
                for x in r.x..<r.maxX { p[row + x] = cell }
            }
        }
    }

    /// Writes `text` starting at (x, y), at most `maxWidth` columns (default:
    /// to the buffer's edge). Double-width characters take two columns,
    /// combining marks are dropped. Returns the columns used.
    @discardableResult
    public mutating func write(_ text: String, x: Int, y: Int, style: Style, maxWidth: Int? = nil) -> Int {
        guard y >= 0, y < size.height else { return 0 }
        let limit = min(size.width, x + (maxWidth ?? size.width))
        var cx = x
        for scalar in text.unicodeScalars {
            let w = CellBuffer.columns(of: scalar)
            if w == 0 { continue }
            if cx + w > limit { break }
            if cx >= 0 {
                cells[y * size.width + cx] = Cell(scalar, style: style)
                if w == 2, cx + 1 < size.width {
                    cells[y * size.width + cx + 1] = Cell(Cell.continuationScalar, style: style)
                }
            }
            cx += w
        }
        return cx - x
    }

    /// Display columns of a scalar: 0 (combining/control), 1 or 2 (East Asian
    /// wide and emoji), decided here rather than by the locale so tests agree.
    @inline(__always)
    public static func columns(of scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        if v >= 0x20 && v < 0x7F { return 1 }
        if v < 0x20 || v == 0x7F { return 0 }
        if v < 0x300 { return 1 }
        if (0x300...0x36F).contains(v) || (0x200B...0x200F).contains(v) || (0xFE00...0xFE0F).contains(v) { return 0 }
        if (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
            || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1F64F).contains(v) || (0x1F900...0x1F9FF).contains(v)
            || (0x20000...0x3FFFD).contains(v)
        {
            return 2
        }
        return 1
    }

    /// Display columns of a string.
    public static func columns(of text: String) -> Int {
        var n = 0
        for s in text.unicodeScalars { n += columns(of: s) }
        return n
    }

    /// Number of cells that differ from `previous` (all of them if sizes differ).
    public func changedCellCount(since previous: CellBuffer?) -> Int {
        guard let previous, previous.size == size else { return cells.count }
        var n = 0
        cells.withUnsafeBufferPointer { a in
            previous.cells.withUnsafeBufferPointer { b in
                for i in a.indices where a[i] != b[i] { n += 1 }
            }
        }
        return n
    }

    /// Copies into this buffer (same size) the cells of `frame` that differ
    /// from `previous`, or all of them when `previous` is nil. Returns the
    /// number of cells copied: what a driver would send to the terminal.
    @discardableResult
    public mutating func apply(_ frame: CellBuffer, diffingAgainst previous: CellBuffer?) -> Int {
        if size != frame.size { self = CellBuffer(size: frame.size) }
        var n = 0
        cells.withUnsafeMutableBufferPointer { dst in
            frame.cells.withUnsafeBufferPointer { src in
                if let previous, previous.size == frame.size {
                    previous.cells.withUnsafeBufferPointer { old in
                        for i in src.indices where src[i] != old[i] { dst[i] = src[i]; n += 1 }
                    }
                } else {
                    for i in src.indices { dst[i] = src[i] }
                    n = src.count
                }
            }
        }
        return n
    }

    /// The buffer as plain text: one line per row, trailing spaces removed.
    public var text: String {
        var lines: [String] = []
        lines.reserveCapacity(size.height)
        for y in 0..<size.height {
            var line = String.UnicodeScalarView()
            for x in 0..<size.width {
                let c = cells[y * size.width + x]
                if !c.isContinuation { line.append(c.char) }
            }
            var s = String(line)
            while s.last == " " { s.removeLast() }
            lines.append(s)
        }
        return lines.joined(separator: "\n")
    }

    /// The text followed by a style map: one letter per cell naming its style,
    /// and a legend of the letters. "." is the plain style.
    public var styledText: String {
        var legend: [Style: Character] = [.plain: "."]
        var order: [Style] = []
        let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        var map: [String] = []
        for y in 0..<size.height {
            var row = ""
            for x in 0..<size.width {
                let s = cells[y * size.width + x].style
                if let l = legend[s] { row.append(l); continue }
                let l: Character = order.count < letters.count ? letters[order.count] : "?"
                legend[s] = l
                order.append(s)
                row.append(l)
            }
            while row.last == "." { row.removeLast() }
            map.append(row)
        }
        var out = text + "\n--- styles\n" + map.joined(separator: "\n") + "\n--- legend\n"
        out += order.map { "\(legend[$0] ?? "?") \($0)" }.joined(separator: "\n")
        return out
    }
}
