import Foundation

/// A problem reading a theme file, naming the file and the line.
public enum ThemeError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String)
    case notText(path: String)
    case notRegular(path: String)
    case badLine(path: String, line: Int, text: String)
    case unknownKey(path: String, line: Int, key: String)
    case badColor(path: String, line: Int, value: String)
    case notFound(name: String, searched: [String])

    public var description: String {
        switch self {
        case .unreadable(let p): "\(p): cannot read the theme file"
        case .badLine(let p, let l, let t): "\(p):\(l): expected theme[key]=\"#RRGGBB\", found \(Theme.quoted(t))"
        case .notRegular(let p): "\(p): not a regular file (a theme is a text file)"
        case .notText(let p): "\(p): not a theme file (binary data; a theme is text lines theme[key]=\"#RRGGBB\")"
        case .unknownKey(let p, let l, let k): "\(p):\(l): unknown theme key \(Theme.quoted(k))"
        case .badColor(let p, let l, let v):
            "\(p):\(l): \(Theme.quoted(v)) is not a colour; use \"#RRGGBB\" or \"\" for the terminal default"
        case .notFound(let n, let s): "theme \"\(n)\" not found (looked in \(s.joined(separator: ", ")))"
        }
    }
}

/// A set of named colours (see `ThemeKey`), read from btop-style theme
/// files: `theme[hist_bar]="#5FAFFF"`, `#` comments, `""` for the
/// terminal's default colour. Keys a file leaves out keep the built-in
/// default theme's value.
public struct Theme: Sendable, Equatable {
    public var name: String
    var colors: [Color]

    /// The colour for a key.
    @inline(__always)
    public subscript(key: ThemeKey) -> Color {
        get { colors[key.rawValue] }
        set { colors[key.rawValue] = newValue }
    }

    /// Whether every colour is the terminal default (a monochrome theme).
    public var isMonochrome: Bool { colors.allSatisfy(\.isDefault) }

    /// The same theme with colours reduced to what `capability` can show.
    public func reduced(to capability: ColorCapability) -> Theme {
        var t = self
        t.colors = colors.map { capability.reduce($0) }
        return t
    }

    /// Parses theme text; `path` only names the source in errors.
    public static func parse(_ text: String, name: String, path: String, base: Theme = .builtinDefault) throws(ThemeError) -> Theme {
        var theme = base
        theme.name = name
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(raw).trimmed(" \t\r")
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard line.hasPrefix("theme["), let close = line.firstIndex(of: "]") else {
                throw .badLine(path: path, line: i + 1, text: line)
            }
            let key = String(line[line.index(line.startIndex, offsetBy: 6)..<close] as Substring)
            var rest = String(line[line.index(after: close)...]).trimmed(" \t")
            guard rest.hasPrefix("=") else { throw .badLine(path: path, line: i + 1, text: line) }
            rest = String(rest.dropFirst()).trimmed(" \t")
            if rest.count >= 2, rest.hasPrefix("\""), rest.hasSuffix("\"") { rest = String(rest.dropFirst().dropLast()) }
            guard let k = ThemeKey.byName[key] else { throw .unknownKey(path: path, line: i + 1, key: key) }
            guard let c = Color(hex: rest) else { throw .badColor(path: path, line: i + 1, value: rest) }
            theme[k] = c
        }
        return theme
    }

    /// Reads a theme file: a regular text file of at most 1 MB (anything
    /// else, a FIFO included, is refused before it is opened).
    public static func load(path: String) throws(ThemeError) -> Theme {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        if let type = attributes?[.type] as? FileAttributeType, type != .typeRegular { throw .notRegular(path: path) }
        guard ((attributes?[.size] as? NSNumber)?.intValue ?? 0) <= 1 << 20,
            let data = FileManager.default.contents(atPath: path)
        else { throw .unreadable(path: path) }
        guard let text = String(data: data, encoding: .utf8), !text.unicodeScalars.contains(where: { $0.value == 0 }) else {
            throw .notText(path: path)
        }
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return try parse(text, name: name, path: path)
    }

    /// Text from a theme file quoted for an error line: at most 40
    /// characters, control characters shown as `\u{..}`.
    static func quoted(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars.prefix(40) {
            let v = scalar.value
            if v < 0x20 || (0x7F...0x9F).contains(v) { out += "\\u{\(String(v, radix: 16))}" } else { out.unicodeScalars.append(scalar) }
        }
        return "\"" + out + (text.unicodeScalars.count > 40 ? "..." : "") + "\""
    }

    /// Where themes are looked for, in order: `$PRUNESCOPE_THEMES`, the user
    /// directory (`$XDG_CONFIG_HOME` or `~/.config`)`/prunescope/themes`,
    /// `./Themes`, and `Themes/` next to or above the executable.
    public static func searchDirectories(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        executable: String = CommandLine.arguments.first ?? ""
    ) -> [String] {
        var dirs: [String] = []
        if let d = environment["PRUNESCOPE_THEMES"], !d.isEmpty { dirs.append(d) }
        if let x = environment["XDG_CONFIG_HOME"], !x.isEmpty {
            dirs.append(x + "/prunescope/themes")
        } else if let h = environment["HOME"], !h.isEmpty {
            dirs.append(h + "/.config/prunescope/themes")
        }
        dirs.append(FileManager.default.currentDirectoryPath + "/Themes")
        var url = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            dirs.append(url.appendingPathComponent("Themes").path)
            url = url.deletingLastPathComponent()
        }
        var seen = Set<String>()
        return dirs.filter { seen.insert($0).inserted }
    }

    /// Finds a theme by name (file `<name>.theme`) or path. "default" and
    /// "monochrome" always resolve, from the built-in copies if no file is found.
    public static func named(_ name: String, searching dirs: [String] = searchDirectories()) throws(ThemeError) -> Theme {
        if name.contains("/") { return try load(path: name) }
        for d in dirs {
            let p = d + "/" + name + ".theme"
            if FileManager.default.fileExists(atPath: p) { return try load(path: p) }
        }
        if name == "default" { return .builtinDefault }
        if name == "monochrome" { return .builtinMonochrome }
        throw .notFound(name: name, searched: dirs)
    }

    /// The theme `name` first, then every other theme found (unreadable ones
    /// skipped): the order an app's "next theme" key cycles through.
    public static func cycle(startingWith name: String, searching dirs: [String] = searchDirectories()) throws(ThemeError) -> [Theme] {
        let first = try named(name, searching: dirs)
        var themes = [first]
        for other in available(searching: dirs) where other != first.name {
            if let t = try? named(other, searching: dirs) { themes.append(t) }
        }
        return themes
    }

    /// Names of the themes found in `dirs`, sorted, without duplicates.
    public static func available(searching dirs: [String] = searchDirectories()) -> [String] {
        var names = Set(["default", "monochrome"])
        for d in dirs {
            for f in (try? FileManager.default.contentsOfDirectory(atPath: d)) ?? [] where f.hasSuffix(".theme") {
                names.insert(String(f.dropLast(6)))
            }
        }
        return names.sorted()
    }

    /// The default dark theme, compiled in (identical to Themes/default.theme).
    public static let builtinDefault: Theme = {
        var t = Theme(name: "default", colors: Array(repeating: .default, count: ThemeKey.allCases.count))
        let values: [(ThemeKey, UInt32?)] = [
            (.background, nil), (.foreground, 0xD0D0D0), (.muted, 0x8A8A8A), (.title, 0xFFFFFF),
            (.border, 0x5F6B7A), (.borderFocused, 0x5FD7FF), (.selectionBackground, 0x264F78),
            (.selectionForeground, 0xFFFFFF), (.hintKey, 0xFFD75F), (.hintText, 0xA0A0A0),
            (.histogramBar, 0x5FAFFF), (.histogramPruned, 0x5F5F5F), (.threshold, 0xFF5F5F),
            (.sliderFill, 0x5FD7FF), (.sliderEmpty, 0x4E4E4E), (.sliderKnob, 0xFFFFFF),
            (.heatNegative, 0x4393C3), (.heatZero, 0x3A3A3A), (.heatPositive, 0xD6604D), (.heatMasked, 0x000000),
            (.sequential0, 0x440154), (.sequential1, 0x3B528B), (.sequential2, 0x21908C),
            (.sequential3, 0x5DC863), (.sequential4, 0xFDE725),
            (.series1, 0x5FAFFF), (.series2, 0xFFAF5F), (.series3, 0x87D787), (.series4, 0xD787D7),
            (.eventMarker, 0xFFD75F), (.gaugeFill, 0x5FAFFF), (.gaugeEmpty, 0x3A3A3A),
            (.info, 0x5FD7FF), (.warning, 0xFFD75F), (.error, 0xFF5F5F), (.overlayBackground, 0x1C1C1C),
        ]
        for (k, v) in values { t[k] = v.map { Color(raw: $0) } ?? .default }
        return t
    }()

    /// Every colour the terminal default: meaning carried by glyphs and attributes.
    public static let builtinMonochrome = Theme(name: "monochrome", colors: Array(repeating: .default, count: ThemeKey.allCases.count))

    /// The theme as file text (the format `parse` reads).
    public var fileText: String {
        ThemeKey.allCases.map { k in
            let c = self[k]
            return "theme[\(k.name)]=\"\(c.isDefault ? "" : c.description)\""
        }.joined(separator: "\n") + "\n"
    }
}
