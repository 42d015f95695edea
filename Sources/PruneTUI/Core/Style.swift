/// A terminal colour: the terminal's default, or an sRGB value that the
/// driver maps to what the terminal can show (truecolor, 256, 16, none).
public struct Color: Hashable, Sendable, CustomStringConvertible {
    /// 0x00RRGGBB, or `Color.defaultRaw` for the terminal's own colour.
    public let raw: UInt32
    static let defaultRaw: UInt32 = 0xFF00_0000

    /// The terminal's default foreground or background.
    public static let `default` = Color(raw: defaultRaw)

    public init(raw: UInt32) { self.raw = raw }
    public init(r: UInt8, g: UInt8, b: UInt8) { raw = UInt32(r) << 16 | UInt32(g) << 8 | UInt32(b) }

    /// Parses "#RRGGBB" (or "RRGGBB"); an empty string is the default colour.
    public init?(hex: String) {
        var s = Substring(hex.trimmed(" \t"))
        if s.isEmpty { self.init(raw: Color.defaultRaw); return }
        if s.hasPrefix("#") { s = s.dropFirst() }
        guard s.count == 6, let v = UInt32(s, radix: 16) else { return nil }
        self.init(raw: v)
    }

    public var isDefault: Bool { raw == Color.defaultRaw }
    public var r: UInt8 { UInt8(truncatingIfNeeded: raw >> 16) }
    public var g: UInt8 { UInt8(truncatingIfNeeded: raw >> 8) }
    public var b: UInt8 { UInt8(truncatingIfNeeded: raw) }

    public var description: String {
        isDefault ? "default" : "#" + String(format6: raw)
    }

    /// Linear interpolation in sRGB; `t` in 0...1. Default colours do not blend.
    public func mixed(with other: Color, _ t: Double) -> Color {
        if isDefault || other.isDefault { return t < 0.5 ? self : other }
        let t = min(1, max(0, t))
        func m(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8((Double(a) + (Double(b) - Double(a)) * t).rounded()) }
        return Color(r: m(r, other.r), g: m(g, other.g), b: m(b, other.b))
    }
}

extension String {
    init(format6 v: UInt32) {
        let hex = String(v & 0xFFFFFF, radix: 16, uppercase: true)
        self = String(repeating: "0", count: Swift.max(0, 6 - hex.count)) + hex
    }
    func trimmed(_ set: String) -> String {
        var sub = Substring(self)
        while let f = sub.first, set.contains(f) { sub = sub.dropFirst() }
        while let l = sub.last, set.contains(l) { sub = sub.dropLast() }
        return String(sub)
    }
}

/// Text attributes. Every meaning the UI conveys has an attribute or glyph
/// as well as a colour, so it survives a monochrome terminal.
public struct Attributes: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let bold = Attributes(rawValue: 1)
    public static let dim = Attributes(rawValue: 2)
    public static let underline = Attributes(rawValue: 4)
    public static let reverse = Attributes(rawValue: 8)
    public static let italic = Attributes(rawValue: 16)
}

/// Foreground, background and attributes of a cell.
public struct Style: Hashable, Sendable, CustomStringConvertible {
    public var fg: Color
    public var bg: Color
    public var attributes: Attributes

    public init(fg: Color = .default, bg: Color = .default, attributes: Attributes = []) {
        self.fg = fg; self.bg = bg; self.attributes = attributes
    }

    public static let plain = Style()

    /// The same style with extra attributes.
    public func adding(_ a: Attributes) -> Style { var s = self; s.attributes.formUnion(a); return s }
    /// The same style with another foreground.
    public func fg(_ c: Color) -> Style { var s = self; s.fg = c; return s }
    /// The same style with another background.
    public func bg(_ c: Color) -> Style { var s = self; s.bg = c; return s }

    public var description: String {
        var parts = ["fg=\(fg)", "bg=\(bg)"]
        if attributes.contains(.bold) { parts.append("bold") }
        if attributes.contains(.dim) { parts.append("dim") }
        if attributes.contains(.underline) { parts.append("underline") }
        if attributes.contains(.reverse) { parts.append("reverse") }
        if attributes.contains(.italic) { parts.append("italic") }
        return parts.joined(separator: " ")
    }
}
