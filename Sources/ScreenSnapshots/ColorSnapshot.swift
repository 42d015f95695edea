import PruneTUI

/// A buffer as text with its colours, for snapshots that must fail when a
/// colour changes (a heatmap is all `▀`; only its colours say anything).
///
/// Each row of the buffer becomes up to four lines:
///
///     t ▀▀▀▀        the text
///     f aabc        one symbol per cell for its foreground colour
///     b aadd        ... for its background colour
///     a ..bb        ... for its attributes (only when the row has any)
///
/// "." is the terminal's default colour (or no attribute). A legend follows,
/// giving each colour symbol's `#RRGGBB` and, when `theme` is given, the
/// theme keys with that colour (so "heat_masked" pixels can be spotted by
/// eye), and each attribute symbol's attributes. Symbols are handed out in
/// reading order, so the same picture always gives the same text.
public func colorSnapshot(_ buffer: CellBuffer, theme: Theme? = nil) -> String {
    var colors = SymbolTable<Color>(reserved: [.default: "."])
    var attributeSets = SymbolTable<Attributes>(reserved: [[]: "."])
    var lines: [String] = []
    let textLines = buffer.text.split(separator: "\n", omittingEmptySubsequences: false)
    for y in 0..<buffer.height {
        var fg = "", bg = "", attrs = ""
        for x in 0..<buffer.width {
            let style = buffer[x, y].style
            fg.unicodeScalars.append(colors.symbol(for: style.fg))
            bg.unicodeScalars.append(colors.symbol(for: style.bg))
            attrs.unicodeScalars.append(attributeSets.symbol(for: style.attributes))
        }
        lines.append("t " + (y < textLines.count ? String(textLines[y]) : ""))
        lines.append("f " + fg)
        lines.append("b " + bg)
        if attrs.unicodeScalars.contains(where: { $0 != "." }) { lines.append("a " + attrs) }
    }
    lines.append("--- colours")
    for (color, symbol) in colors.assigned {
        let names = theme.map { t in ThemeKey.allCases.filter { t[$0] == color }.map(\.name) } ?? []
        lines.append("\(symbol) \(color)" + (names.isEmpty ? "" : " " + names.joined(separator: ",")))
    }
    if !attributeSets.assigned.isEmpty {
        lines.append("--- attributes")
        for (attributes, symbol) in attributeSets.assigned {
            lines.append("\(symbol) " + Style(attributes: attributes).description.split(separator: " ").dropFirst(2).joined(separator: "+"))
        }
    }
    return lines.joined(separator: "\n")
}

/// One single-column symbol per distinct value, in order of first use:
/// a-z, A-Z, 0-9, then Latin, Greek and Cyrillic letters (over 600 in all).
struct SymbolTable<Value: Hashable> {
    private var symbols: [Value: Unicode.Scalar]
    private(set) var assigned: [(Value, Unicode.Scalar)] = []

    init(reserved: [Value: Unicode.Scalar]) { symbols = reserved }

    mutating func symbol(for value: Value) -> Unicode.Scalar {
        if let s = symbols[value] { return s }
        // Past the alphabet every further value shares "?"; the legend still lists each.
        let s: Unicode.Scalar = assigned.count < symbolAlphabet.count ? symbolAlphabet[assigned.count] : "?"
        symbols[value] = s
        assigned.append((value, s))
        return s
    }
}

private let symbolAlphabet: [Unicode.Scalar] = {
    let ranges: [ClosedRange<UInt32>] = [0x61...0x7A, 0x41...0x5A, 0x30...0x39, 0xC0...0x24F, 0x391...0x3A9, 0x3B1...0x3C9, 0x410...0x44F]
    return ranges.flatMap { $0.compactMap(Unicode.Scalar.init) }.filter { $0 != "×" && $0 != "÷" }
}()
