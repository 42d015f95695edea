import ArgumentParser
import Foundation
import PruneTUI

/// `prunescope demo`: every PruneTUI widget on one live screen, and a frame benchmark.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Show the terminal toolkit's widgets on one live screen (synthetic data).",
        discussion: """
        Keys: arrows move the threshold and the selected layer, Tab cycles focus, \
        t types a value, s log counts, o shading side, m heatmap aggregation, \
        r simulated background retraining, c next theme, ? help, q quit.

        With --bench, draws and diffs many frames of the demo screen off-screen \
        and reports the median and worst time per frame.
        """
    )

    @Option(help: "Theme name (a file NAME.theme in a theme directory) or a path to a theme file.")
    var theme: String = "default"

    @Flag(help: "Use ASCII glyphs only (also used when the locale is not UTF-8).")
    var ascii = false

    @Flag(help: "Measure frame draw + diff time instead of opening the screen.")
    var bench = false

    @Option(help: "Frames to time with --bench.")
    var frames: Int = 500

    @Option(help: "Screen size for --bench, WIDTHxHEIGHT.")
    var size: String = "200x60"

    @Flag(help: .hidden)
    var crashKey = false

    @Flag(help: "List the themes found and where they are looked for.")
    var listThemes = false

    func run() throws {
        if listThemes {
            print(Theme.available().joined(separator: "\n"))
            print("searched: " + Theme.searchDirectories().joined(separator: ", "))
            return
        }
        if bench {
            let parts = size.lowercased().split(separator: "x").compactMap { Int($0) }
            guard parts.count == 2, parts[0] > 0, parts[1] > 0 else {
                throw ValidationError("--size must look like 200x60, got \(size)")
            }
            let r = FrameBenchmark.run(size: Size(width: parts[0], height: parts[1]), frames: max(2, frames))
            print(r)
            return
        }
        let first: Theme
        do { first = try Theme.named(theme) } catch { throw ValidationError(error.description) }
        var themes = [first]
        for name in Theme.available() where name != first.name {
            if let t = try? Theme.named(name) { themes.append(t) }
        }
        let terminal = try NcursesTerminal(ascii: ascii)
        let mailbox = Mailbox<DemoMessage>()
        var app = DemoApp(themes: themes, post: { mailbox.post($0) })
        app.crashOnBang = crashKey
        let runner = AppRunner(app: app, driver: terminal, mailbox: mailbox)
        runner.run()
        if let log = terminal.stop() {
            FileHandle.standardError.write(Data("prunescope: messages written while the screen was open are in \(log)\n".utf8))
        }
        if runner.wasInterrupted { throw ExitCode(130) }
    }
}
