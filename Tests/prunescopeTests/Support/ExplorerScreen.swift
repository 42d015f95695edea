import Foundation

/// Reads the explorer's screen as tmux captures it (plain text, one line a row).
///
/// The explorer draws its bottom line last, so a capture whose bottom line
/// is the hint line (" ? help  q quit ...") or a job's progress line
/// ("... Esc cancel  q quit") holds a whole frame; waits check for one of
/// those before reading anything else off the screen.
struct ExplorerScreen {
    let text: String
    let lines: [String]

    init(_ text: String) {
        self.text = text
        // capture-pane drops trailing blank lines; the bottom line is the last non-empty one.
        var lines = text.components(separatedBy: "\n")
        while let last = lines.last, last.trimmingCharacters(in: .whitespaces).isEmpty { lines.removeLast() }
        self.lines = lines
    }

    /// The header: "PruneScope · lenet-300-100 (mnist5k) · step 6/6 · 1:explore ...".
    var header: String { lines.first ?? "" }

    /// The bottom line: key hints and a message at the right, or a job's progress.
    var bottom: String { lines.last ?? "" }

    /// Whether the bottom line is the key-hint line (no job running).
    var showsHints: Bool { bottom.hasPrefix(" ? help  q quit") }

    /// Whether a job's progress line is showing.
    var showsJob: Bool { bottom.contains("Esc cancel") }

    /// Whether the capture holds a whole frame (the bottom line is drawn last).
    var isWholeFrame: Bool { header.contains("PruneScope ·") && (showsHints || showsJob) }

    /// The header's "step N/M" as "N/M".
    var step: String? {
        guard let r = header.range(of: "step ") else { return nil }
        return String(header[r.upperBound...].prefix { $0 != " " })
    }

    /// The layer-table row of `name` ("▶ fc1   300x784 ███░  51.9%*").
    func row(_ name: String) -> String? {
        lines.first { $0.contains(" \(name) ") && $0.contains("%") }
    }

    /// The histogram's axis line with the pruned range shaded ("───┃░░░░┃───").
    var shadedAxis: String? {
        lines.first { $0.contains("───") && $0.contains("┃░") }
    }

    /// The history screen's rows as (index, kind), in order.
    var historyRows: [(index: Int, kind: String)] {
        lines.compactMap { line in
            // "┃▶ *6   retrain    retrain 1 epoch, ..." or "┃   1   prune      prune ..."
            guard line.hasPrefix("┃") else { return nil }
            let fields = line.dropFirst().split(separator: " ", omittingEmptySubsequences: true)
            var rest = fields[...]
            if rest.first == "▶" { rest = rest.dropFirst() }
            guard let first = rest.first else { return nil }
            let number = first.hasPrefix("*") ? first.dropFirst() : first
            guard let index = Int(number), rest.count > 1 else { return nil }
            return (index, String(rest[rest.index(after: rest.startIndex)]))
        }
    }
}

extension Tmux {
    /// Waits for a whole frame of the explorer that satisfies `predicate`.
    @discardableResult
    func waitForFrame(timeout: Double = 10, _ what: String, _ predicate: (ExplorerScreen) -> Bool) throws -> ExplorerScreen {
        ExplorerScreen(
            try waitFor(timeout: timeout, what) { text in
                let screen = ExplorerScreen(text)
                return screen.isWholeFrame && predicate(screen)
            })
    }

    /// Waits for the restoring script's "PROGRAM-EXIT ..." line, then types a
    /// line at the shell's `read` and waits for it to come back: the
    /// terminal is usable again. Returns the screen after that.
    func waitForExitAndShell(timeout: Double = 30) throws -> String {
        try waitFor(timeout: timeout, "PROGRAM-EXIT") { $0.contains("PROGRAM-EXIT") }
        try send("typed after exit", literal: true)
        try send("Enter")
        return try waitFor(timeout: 10, "the shell reading a line") { $0.contains("SHELL-READ:typed after exit") }
    }
}

extension Tmux {
    /// `e` in the explorer: waits for the export box, types `path` over the
    /// selected prefilled one, checks it stands alone, Enter, and waits for
    /// the "exported to" message.
    func exportFromExplorer(to path: String, timeout: Double) throws {
        try send("e")
        try waitForFrame(timeout: 10, "the export prompt") { $0.text.contains("Export pruned model") }
        try send(path, literal: true)
        try waitForFrame(timeout: 10, "the typed path alone") { $0.text.contains("directory \(path) ") }
        try send("Enter")
        try waitForFrame(timeout: timeout, "the export message") { $0.showsHints && $0.bottom.contains("exported to ") }
    }
}
