import ArgumentParser
import PruneTUI

/// The options of every command that opens a screen (`open`, `learn`,
/// `demo`): the theme and the glyph set.
struct ScreenOptions: ParsableArguments {
    @Option(help: "Theme name (a file NAME.theme in a theme directory) or a path to a theme file.")
    var theme: String = "default"

    @Flag(help: "Use ASCII glyphs only (also used when the locale is not UTF-8).")
    var ascii = false

    /// The themes `T` cycles through, starting with `--theme`.
    func themes() throws -> [Theme] {
        do { return try Theme.cycle(startingWith: theme) } catch { throw ValidationError(error.description) }
    }

    /// The real terminal, in the chosen glyph set.
    func terminal() throws -> NcursesTerminal {
        try NcursesTerminal(ascii: ascii)
    }
}
