/// The characters widgets draw with: Unicode block, box and braille glyphs,
/// or a plain ASCII set for `--ascii` and non-UTF-8 locales.
public struct Glyphs: Sendable, Equatable {
    /// Whether braille and block elements are available.
    public let isUnicode: Bool
    /// Vertical bar fills in eighths, index 0 (empty) ... 8 (full).
    public let verticalEighths: [Unicode.Scalar]
    /// Horizontal bar fills in eighths, index 0 (empty) ... 8 (full).
    public let horizontalEighths: [Unicode.Scalar]
    /// Box pieces: horizontal, vertical, top-left, top-right, bottom-left, bottom-right.
    public let box: BoxGlyphs
    /// Box pieces for the focused pane (heavier, so focus shows without colour).
    public let focusedBox: BoxGlyphs
    public let upperHalf: Unicode.Scalar
    /// Light to dense shading, used by monochrome heatmaps.
    public let shades: [Unicode.Scalar]
    /// Marks a pruned / masked entry where colour is not available.
    public let masked: Unicode.Scalar
    /// The "pruned region" strip under a histogram.
    public let prunedStrip: Unicode.Scalar
    public let thresholdMarker: Unicode.Scalar
    public let eventMarker: Unicode.Scalar
    public let sliderFill: Unicode.Scalar
    public let sliderEmpty: Unicode.Scalar
    public let sliderKnob: Unicode.Scalar
    public let ellipsis: Unicode.Scalar
    public let selectionMarker: Unicode.Scalar
    public let arrowUp: Unicode.Scalar
    public let arrowDown: Unicode.Scalar
    /// Per-series point characters for charts without braille.
    public let seriesPoints: [Unicode.Scalar]

    public struct BoxGlyphs: Sendable, Equatable {
        public let horizontal, vertical, topLeft, topRight, bottomLeft, bottomRight: Unicode.Scalar
    }

    public static let unicode = Glyphs(
        isUnicode: true,
        verticalEighths: [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"],
        horizontalEighths: [" ", "▏", "▎", "▍", "▌", "▋", "▊", "▉", "█"],
        box: BoxGlyphs(horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐", bottomLeft: "└", bottomRight: "┘"),
        focusedBox: BoxGlyphs(horizontal: "━", vertical: "┃", topLeft: "┏", topRight: "┓", bottomLeft: "┗", bottomRight: "┛"),
        upperHalf: "▀",
        shades: [" ", "░", "▒", "▓", "█"],
        masked: "·",
        prunedStrip: "░",
        thresholdMarker: "┃",
        eventMarker: "┊",
        sliderFill: "━",
        sliderEmpty: "─",
        sliderKnob: "●",
        ellipsis: "…",
        selectionMarker: "▶",
        arrowUp: "▲",
        arrowDown: "▼",
        seriesPoints: ["•", "+", "x", "o"]
    )

    public static let ascii = Glyphs(
        isUnicode: false,
        verticalEighths: [" ", " ", " ", ".", ".", "o", "o", "#", "#"],
        horizontalEighths: [" ", " ", " ", " ", "-", "-", "=", "=", "#"],
        box: BoxGlyphs(horizontal: "-", vertical: "|", topLeft: "+", topRight: "+", bottomLeft: "+", bottomRight: "+"),
        focusedBox: BoxGlyphs(horizontal: "=", vertical: "H", topLeft: "#", topRight: "#", bottomLeft: "#", bottomRight: "#"),
        upperHalf: "#",
        shades: [" ", ".", ":", "*", "#"],
        masked: " ",
        prunedStrip: "x",
        thresholdMarker: "|",
        eventMarker: ":",
        sliderFill: "=",
        sliderEmpty: "-",
        sliderKnob: "O",
        ellipsis: "~",
        selectionMarker: ">",
        arrowUp: "^",
        arrowDown: "v",
        seriesPoints: ["*", "+", "x", "o"]
    )
}
