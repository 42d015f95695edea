import ArgumentParser
import Foundation
import PruneApps
import PruneKit
import PruneTUI

/// `prunescope open [MODEL]` (also plain `prunescope`): the live pruning explorer.
struct OpenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "open",
        abstract: "Open the pruning explorer on a model (default: the lenet-300-100 sample).",
        discussion: """
            The explorer lists the model's layers with their sparsity, shows the selected \
            layer's weight histogram with the threshold, its weights and mask as a heatmap, \
            and the loss / accuracy of every step. Move the slider with the arrow keys and \
            watch the figures change; the validation accuracy of the preview arrives from \
            the background. Enter applies, r retrains, u undoes, g switches to one global \
            threshold, p runs a schedule (iterative, gradual, lottery), e exports, ? lists \
            every key.

            MODEL is a directory with a model.json, a spec .json, or a weights file with a \
            model.json beside it. With --session, a session saved from the explorer (w) or \
            by `prunescope prune` (its session/ directory) resumes where it was.

            A .safetensors, .pt/.bin (torch.save), .npz or .npy file with no model.json beside it opens in \
            inspection mode: every tensor in foldable name-prefix groups with a filter (/), \
            its statistics, histogram and heatmap, the rules that make it prunable \
            (--include, --exclude, or i / x in the app), and magnitude pruning per tensor, \
            global or 2:4, exported with every untouched tensor byte-identical (e).

            With --bench, nothing is opened: the latency from a slider key to a finished \
            frame and the time of one accuracy preview are measured and printed.
            """
    )

    @Argument(
        help: ArgumentHelp(
            "Model directory, spec .json, or weights file beside a model.json (default: the lenet-300-100 sample).", valueName: "model"))
    var model: String?

    @Option(help: "Resume a saved session directory (session.json + tensors.safetensors).")
    var session: String?

    @OptionGroup var screen: ScreenOptions

    @Option(help: "Seed for every random choice of the session (random criterion, retraining shuffles).")
    var seed: UInt64 = 0

    @Option(help: "Where `e` exports to by default (a directory; in inspection mode a .safetensors file).")
    var exportDir: String?

    @Option(help: "Inspection mode: also prune tensors matching this glob (or re:REGEX); repeatable.")
    var include: [String] = []

    @Option(help: "Inspection mode: never prune tensors matching this glob (or re:REGEX); repeatable.")
    var exclude: [String] = []

    @Flag(
        help:
            "Measure slider key to finished frame (p50, p99, max; the selected layer's slider, then the global one) and the accuracy preview instead of opening the screen."
    )
    var bench = false

    @OptionGroup(title: "Your own evaluation (the accuracy figures, with a spec or without)")
    var evaluation: EvaluatorOptions
    @Option(help: "Slider moves to time with --bench, per slider.")
    var moves: Int = 300

    @Option(help: "Screen size for --bench, WIDTHxHEIGHT.")
    var size: String = "160x48"

    func run() throws {
        try CommandSupport.reportingErrors(runUnguarded)
    }

    /// Whether `path` is a tensor file with no model.json beside it (inspection mode).
    /// A PyTorch `.pt` / `.bin` counts too, by its bytes: the zip format opens
    /// like a safetensors, the legacy pickle says how to convert it (see `openTensorArchive`).
    static func isBareCheckpoint(_ path: String) -> Bool {
        let url = URL(fileURLWithPath: path)
        guard
            ["safetensors", "npz", "npy"].contains(url.pathExtension.lowercased())
                || PyTorchCheckpoint.detect(path: path) != nil
        else { return false }
        return !FileManager.default.fileExists(atPath: url.deletingLastPathComponent().appendingPathComponent("model.json").path)
    }

    private func loadThemes() throws -> [Theme] {
        try screen.themes()
    }

    /// Runs `app` on the real terminal until it quits; restores the terminal,
    /// then lets `worker`'s cancelled jobs finish before the process exits.
    static func runOnTerminal<App: TerminalApp>(
        _ app: App, mailbox: Mailbox<App.Message>, terminal: NcursesTerminal,
        worker: ThreadWorker
    ) throws {
        let runner = AppRunner(app: app, driver: terminal, mailbox: mailbox)
        runner.run()
        let restoredLog = terminal.stop()
        if !worker.waitUntilIdle(timeout: 10) {
            CommandSupport.writeStderr("prunescope: background work did not stop within 10 s; exiting anyway\n")
        }
        if let log = restoredLog {
            CommandSupport.writeStderr("prunescope: messages written while the screen was open are in \(log)\n")
        }
        if runner.wasInterrupted { throw ExitCode(terminal.interruptExitStatus) }
    }

    private func inspect(_ path: String) throws {
        guard !bench else { throw ValidationError("--bench needs a model with a spec; \(path) has no model.json beside it") }
        for p in include + exclude {
            if let problem = PrunableRules.validate(p) { throw ValidationError("\(p): \(problem)") }
        }
        let archive = try openTensorArchive(path: path)
        let themes = try loadThemes()
        // Started before the screen opens: a broken evaluator is a one-line error here.
        let external = try evaluation.start()
        let hello = try external?.start()
        let terminal = try screen.terminal()
        let mailbox = Mailbox<InspectorMessage>()
        let worker = ThreadWorker()
        var app = InspectorApp.make(
            archive: archive, rules: PrunableRules(include: include, exclude: exclude), size: terminal.size,
            themes: themes, worker: worker, post: { mailbox.post($0) }, exportPath: exportDir,
            evaluator: hello.flatMap { h in external.map { (h, $0) } })
        app.startLoading()
        try OpenCommand.runOnTerminal(app, mailbox: mailbox, terminal: terminal, worker: worker)
    }

    private func runUnguarded() throws {
        let benchSize = bench ? try screenSize(size) : nil
        if bench, moves > 1_000_000 { throw ValidationError("--moves must be at most 1000000") }
        let path = try ModelLocation.resolve(model)
        if OpenCommand.isBareCheckpoint(path) { return try inspect(path) }
        if evaluation.evaluator != nil, session != nil {
            throw ValidationError("--evaluator starts a new session; a saved --session keeps the figures it was measured with")
        }
        let bundle = try ModelBundle.load(path: path)
        // Started before the screen opens: a broken evaluator is a one-line error here.
        let external = try evaluation.start()
        let measure = try external?.sessionMeasure()
        let pruning: PruningSession
        if let session {
            pruning = try PruningSession.load(from: session, model: bundle.model, train: bundle.train, validation: bundle.validation)
        } else {
            pruning = PruningSession(
                model: bundle.model, train: bundle.train, validation: bundle.validation, seed: seed, measure: measure)
            if let failure = pruning.measureFailure { throw PruningError("--evaluator", failure) }
        }
        if let benchSize {
            print(ExplorerBenchmark.run(session: pruning, bundle: bundle, size: benchSize, moves: max(2, moves)))
            return
        }

        let themes = try loadThemes()
        // Before the app publishes the session: the recovered steps are part of it.
        let journal = ExplorerJournal.attach(pruning, sessionDirectory: session)
        let terminal = try screen.terminal()
        let mailbox = Mailbox<ExplorerMessage>()
        let worker = ThreadWorker()
        var app = ExplorerApp.make(
            session: pruning, bundle: bundle, size: terminal.size, themes: themes, worker: worker,
            post: { mailbox.post($0) }, exportDirectory: exportDir, sessionDirectory: session, evaluator: external)
        app.noteRecovered(journal.changes)
        // `i` opens the lessons; progress that cannot be read only hides itself.
        if let lessons = try? LessonCatalog.builtIn() {
            let path = LessonProgressFile.path()
            app.attachLessons(
                LessonState(lessons: lessons, progress: (try? LessonProgressFile.load(path: path)) ?? LessonProgress(), progressPath: path))
        }
        if let session {
            let note = pruning.loadedWithoutContentHashes ? " (saved without content hashes; w saves them)" : ""
            app.announce(
                "resumed session \(session) at step \(pruning.cursor)" + note + (journal.status.map { "; \($0)" } ?? ""), now: 0)
        } else if let status = journal.status {
            app.announce(status, now: 0)
        }
        try OpenCommand.runOnTerminal(app, mailbox: mailbox, terminal: terminal, worker: worker)
        // A clean quit: the steps were saved, or the user chose to leave them
        // (an interrupted run threw above and keeps its journal for the next open).
        pruning.journal?.discard()
    }
}
