/// How many colours the terminal can show. Colours degrade along
/// truecolor -> 256 -> 16 -> monochrome.
public enum ColorCapability: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    case monochrome = 0, ansi16, palette256, truecolor

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    public var description: String {
        switch self {
        case .monochrome: "mono"
        case .ansi16: "16"
        case .palette256: "256"
        case .truecolor: "truecolor"
        }
    }

    /// Decides from what the terminal reports and the environment.
    ///
    /// - Parameters:
    ///   - colors: ncurses' `COLORS` (0 when the terminal has no colour).
    ///   - environment: `NO_COLOR` (any non-empty value) forces monochrome;
    ///     `COLORTERM=truecolor|24bit` lifts a 256-colour terminal to
    ///     truecolor only when `directColor` says the driver can send RGB.
    ///   - directColor: whether the terminal description takes RGB colour numbers.
    public static func detect(colors: Int, environment: [String: String], directColor: Bool) -> ColorCapability {
        if let nc = environment["NO_COLOR"], !nc.isEmpty { return .monochrome }
        if directColor || colors >= 0x100_0000 { return .truecolor }
        if colors >= 256 { return .palette256 }
        if colors >= 8 { return .ansi16 }
        return .monochrome
    }

    /// The same colour, reduced to what this capability can show. Mono maps
    /// everything to the default colour; 256 and 16 snap to palette entries
    /// (returned as their RGB so buffers stay comparable).
    public func reduce(_ c: Color) -> Color {
        if c.isDefault { return c }
        switch self {
        case .truecolor: return c
        case .palette256: return ColorCapability.xterm256RGB(ColorCapability.xterm256Index(c))
        case .ansi16: return ColorCapability.ansi16RGB[ColorCapability.ansi16Index(c)]
        case .monochrome: return .default
        }
    }

    private static let cubeLevels: [Int] = [0, 95, 135, 175, 215, 255]

    /// Nearest xterm-256 palette index (the 6x6x6 cube or the grey ramp).
    public static func xterm256Index(_ c: Color) -> Int {
        func nearestLevel(_ v: UInt8) -> Int {
            var best = 0, bestD = Int.max
            for (i, l) in cubeLevels.enumerated() { let d = abs(Int(v) - l); if d < bestD { bestD = d; best = i } }
            return best
        }
        let ri = nearestLevel(c.r), gi = nearestLevel(c.g), bi = nearestLevel(c.b)
        let cube = Color(r: UInt8(cubeLevels[ri]), g: UInt8(cubeLevels[gi]), b: UInt8(cubeLevels[bi]))
        let avg = (Int(c.r) + Int(c.g) + Int(c.b)) / 3
        let greyIndex = max(0, min(23, (avg - 8 + 5) / 10))
        let greyV = UInt8(8 + greyIndex * 10)
        let grey = Color(r: greyV, g: greyV, b: greyV)
        return distance(c, grey) < distance(c, cube) ? 232 + greyIndex : 16 + 36 * ri + 6 * gi + bi
    }

    /// The RGB value of an xterm-256 index (16...255; 0...15 use the ANSI table).
    public static func xterm256RGB(_ i: Int) -> Color {
        if i < 16 { return ansi16RGB[max(0, i)] }
        if i >= 232 { let v = UInt8(8 + (i - 232) * 10); return Color(r: v, g: v, b: v) }
        let n = i - 16
        return Color(r: UInt8(cubeLevels[n / 36]), g: UInt8(cubeLevels[(n / 6) % 6]), b: UInt8(cubeLevels[n % 6]))
    }

    /// The usual xterm values of the 16 ANSI colours.
    public static let ansi16RGB: [Color] = [
        0x000000, 0xCD0000, 0x00CD00, 0xCDCD00, 0x0000EE, 0xCD00CD, 0x00CDCD, 0xE5E5E5,
        0x7F7F7F, 0xFF0000, 0x00FF00, 0xFFFF00, 0x5C5CFF, 0xFF00FF, 0x00FFFF, 0xFFFFFF,
    ].map { Color(raw: $0) }

    /// Nearest of the 16 ANSI colours.
    public static func ansi16Index(_ c: Color) -> Int {
        var best = 0, bestD = Int.max
        for (i, a) in ansi16RGB.enumerated() { let d = distance(c, a); if d < bestD { bestD = d; best = i } }
        return best
    }

    /// Squared distance with rough perceptual weights (2, 4, 3).
    static func distance(_ a: Color, _ b: Color) -> Int {
        let dr = Int(a.r) - Int(b.r), dg = Int(a.g) - Int(b.g), db = Int(a.b) - Int(b.b)
        return 2 * dr * dr + 4 * dg * dg + 3 * db * db
    }
}
