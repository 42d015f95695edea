import ArgumentParser
import Foundation
import PruneApps
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

    @OptionGroup var screen: ScreenOptions

    @Flag(help: "Measure frame draw + diff time instead of opening the screen.")
    var bench = false

    @Option(help: "Frames to time with --bench.")
    var frames: Int = 500

    @Option(help: "Screen size for --bench, WIDTHxHEIGHT.")
    var size: String = "200x60"

    @Flag(help: .hidden)
    var crashKey = false

    @Flag(help: .hidden)
    var stallKey = false

    @Flag(help: "List the themes found and where they are looked for.")
    var listThemes = false

    func run() throws {
        try CommandSupport.reportingErrors(runUnguarded)
    }

    private func runUnguarded() throws {
        if listThemes {
            print(Theme.available().joined(separator: "\n"))
            print("searched: " + Theme.searchDirectories().joined(separator: ", "))
            return
        }
        if bench {
            guard frames <= 1_000_000 else { throw ValidationError("--frames must be at most 1000000") }
            let r = FrameBenchmark.run(size: try screenSize(size), frames: max(2, frames))
            print(r)
            return
        }
        let themes = try screen.themes()
        let terminal = try screen.terminal()
        let mailbox = Mailbox<DemoMessage>()
        var app = DemoApp(themes: themes, post: { mailbox.post($0) })
        app.crashOnBang = crashKey
        app.stallOnZ = stallKey
        let runner = AppRunner(app: app, driver: terminal, mailbox: mailbox)
        runner.run()
        if let log = terminal.stop() {
            CommandSupport.writeStderr("prunescope: messages written while the screen was open are in \(log)\n")
        }
        if runner.wasInterrupted { throw ExitCode(terminal.interruptExitStatus) }
    }
}

/// Largest `--size` a benchmark draws: a cell buffer of 1000 x 500 cells
/// is far beyond any real terminal and still a few megabytes.
let largestScreen = Size(width: 1_000, height: 500)

/// Parses a `--size` value `WIDTHxHEIGHT` (e.g. 200x60), at most `largestScreen`.
func screenSize(_ text: String) throws -> Size {
    let parts = text.lowercased().split(separator: "x").compactMap { Int($0) }
    guard parts.count == 2, parts[0] > 0, parts[1] > 0 else {
        throw ValidationError("--size must look like WIDTHxHEIGHT (e.g. 200x60), got \(text)")
    }
    guard parts[0] <= largestScreen.width, parts[1] <= largestScreen.height else {
        throw ValidationError("--size \(text) is larger than \(largestScreen.width)x\(largestScreen.height)")
    }
    return Size(width: parts[0], height: parts[1])
}
