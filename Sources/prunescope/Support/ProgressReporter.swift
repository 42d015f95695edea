import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Progress of long work on stderr, the same for every command.
///
/// On a terminal: one line redrawn in place (`\r`, at most 10 times a
/// second), cleared by `finish()`, so nothing of it is left behind. When
/// stderr is a pipe or a file: a plain line only when the work crosses a
/// 10 % boundary of its phase (at most 11 lines a phase) or a new phase
/// begins, with no control characters. `note` writes a line that stays in
/// both cases (an epoch's figures, a recorded step).
///
/// Safe to call from several threads (inspection reports from workers):
/// the line's state lives in one mutex, and writes happen under it.
final class ProgressReporter: Sendable {
    private struct Line {
        var phase = ""
        var lastDecile = -1
        var lastDraw = ContinuousClock.now - .seconds(1)
        var lineShown = false
    }

    private let enabled: Bool
    private let isTerminal: Bool
    private let write: @Sendable (String) -> Void
    private let line = Mutex(Line())

    /// - Parameters:
    ///   - enabled: false draws nothing (--no-progress, --quiet).
    ///   - isTerminal: whether stderr redraws in place (default: isatty(2)).
    ///   - write: where text goes (default: stderr, unbuffered).
    init(
        enabled: Bool = true, isTerminal: Bool = CommandSupport.stderrIsTerminal,
        write: @escaping @Sendable (String) -> Void = { CommandSupport.writeStderr($0) }
    ) {
        self.enabled = enabled
        self.isTerminal = isTerminal
        self.write = write
    }

    /// Starts a phase ("loading", "round 2/3: retrain") at `fraction` done.
    func begin(_ phase: String, at fraction: Double = 0) {
        line.withLock { l in
            l.phase = phase
            l.lastDecile = -1
            draw(&l, fraction, detail: "", force: true)
        }
    }

    /// Reports `fraction` (0...1) of the current phase done, with an
    /// optional detail ("epoch 1 step 30 loss 0.1234").
    func update(_ fraction: Double, _ detail: String = "") {
        line.withLock { l in draw(&l, fraction, detail: detail, force: false) }
    }

    /// Writes a line that stays (on a terminal, the progress line is
    /// cleared first and redrawn by the next update).
    func note(_ line: String) {
        guard enabled else { return }
        self.line.withLock { l in
            write((isTerminal && l.lineShown ? "\r\u{1B}[2K" : "") + CommandSupport.safe(line) + "\n")
            l.lineShown = false
        }
    }

    /// Clears the progress line on a terminal; the work is over.
    func finish() {
        guard enabled else { return }
        line.withLock { l in
            if isTerminal && l.lineShown { write("\r\u{1B}[2K") }
            l.lineShown = false
        }
    }

    private func draw(_ l: inout Line, _ fraction: Double, detail: String, force: Bool) {
        guard enabled else { return }
        let done = fraction.isFinite ? min(max(fraction, 0), 1) : 0
        let text = CommandSupport.safe(l.phase + (detail.isEmpty ? "" : "  " + detail))
        if isTerminal {
            let now = ContinuousClock.now
            guard force || done >= 1 || now - l.lastDraw >= .milliseconds(100) else { return }
            l.lastDraw = now
            let width = 20
            let filled = Int((done * Double(width)).rounded(.down))
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            let line = "[\(bar)] \(String(format: "%3.0f", done * 100))% \(text)"
            write("\r\u{1B}[2K" + String(line.prefix(max(20, Self.terminalColumns() - 1))))
            l.lineShown = true
        } else {
            let decile = Int((done * 10).rounded(.down))
            guard force || decile > l.lastDecile else { return }
            l.lastDecile = max(decile, l.lastDecile)
            write("[\(String(format: "%3.0f", done * 100))%] \(text)\n")
        }
    }

    /// Width of the terminal on stderr, 80 when it cannot be asked.
    private static func terminalColumns() -> Int {
        var size = winsize()
        guard ioctl(2, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }
}
