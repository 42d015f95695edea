/// What a widget needs besides its state: the theme (already reduced to the
/// terminal's colours), the glyph set and the colour capability. Semantic
/// styles here add attributes so meaning never rests on colour alone.
public struct DrawContext: Sendable {
    public let theme: Theme
    public let glyphs: Glyphs
    public let capability: ColorCapability
    /// Seconds on the app's clock, for transient messages.
    public var now: Double

    public init(theme: Theme = .builtinDefault, glyphs: Glyphs = .unicode, capability: ColorCapability = .truecolor, now: Double = 0) {
        let effective = theme.isMonochrome ? ColorCapability.monochrome : capability
        self.theme = theme.reduced(to: effective)
        self.glyphs = glyphs
        self.capability = effective
        self.now = now
    }

    /// Whether colours are shown at all.
    public var usesColor: Bool { capability != .monochrome }

    @inline(__always) public func color(_ key: ThemeKey) -> Color { theme[key] }

    /// Foreground `key` on the theme background.
    @inline(__always) public func style(_ key: ThemeKey, _ attributes: Attributes = []) -> Style {
        Style(fg: theme[key], bg: theme[.background], attributes: attributes)
    }

    public var base: Style { style(.foreground) }
    public var muted: Style { style(.muted, usesColor ? [] : [.dim]) }
    public var title: Style { style(.title, [.bold]) }
    public var border: Style { style(.border) }
    public var focusedBorder: Style { style(.borderFocused, [.bold]) }
    /// The selected row: colours plus bold, reverse video without colour.
    public var selection: Style {
        usesColor
            ? Style(fg: theme[.selectionForeground], bg: theme[.selectionBackground], attributes: [.bold])
            : Style(attributes: [.reverse, .bold])
    }
    /// Pruned things: their colour plus dim.
    public var pruned: Style { style(.histogramPruned, [.dim]) }
    public var overlay: Style { Style(fg: theme[.foreground], bg: theme[.overlayBackground]) }

    /// Colour `i` of the chart series palette (cycled).
    public func series(_ i: Int) -> Color { theme[ThemeKey.series[i % ThemeKey.series.count]] }

    /// Diverging map for signed values: `v` in -1...1 goes from
    /// heat_negative through heat_zero to heat_positive.
    @inline(__always) public func diverging(_ v: Double) -> Color {
        let t = min(1, max(-1, v))
        return t < 0 ? theme[.heatZero].mixed(with: theme[.heatNegative], -t) : theme[.heatZero].mixed(with: theme[.heatPositive], t)
    }

    /// Sequential (viridis-like) map: `v` in 0...1.
    @inline(__always) public func sequential(_ v: Double) -> Color {
        let stops = ThemeKey.sequential
        let t = min(1, max(0, v)) * Double(stops.count - 1)
        let i = min(stops.count - 2, Int(t))
        return theme[stops[i]].mixed(with: theme[stops[i + 1]], t - Double(i))
    }
}
