import Foundation
import PruneKit
import Testing
@testable import PruneApps
@testable import PruneTUI
import ScreenSnapshots

/// The explorer on the real sample models through the run loop and the
/// in-memory driver. Background work runs inline (`InlineWorker`), so a key
/// script gives the same screens every run.
@Suite struct ExplorerScreenTests {
    static let sampleModels = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../SampleModels").standardizedFileURL

    static func workspace(_ model: String = "lenet-300-100") throws -> ExplorerWorkspace {
        let bundle = try ModelBundle.load(path: sampleModels.appendingPathComponent(model).path)
        let session = PruningSession(model: bundle.model, train: bundle.train, validation: bundle.validation, seed: 0)
        return ExplorerWorkspace(session: session, bundle: bundle)
    }

    /// Runs the explorer on `workspace` with `script`; `nil` entries are idle ticks.
    static func run(_ workspace: ExplorerWorkspace, _ size: Size, _ script: [TerminalEvent?],
                    exportDirectory: String? = nil, sessionDirectory: String? = nil,
                    measureInference: Bool = false) -> (InMemoryTerminal, AppRunner<ExplorerApp>) {
        let term = InMemoryTerminal(size: size, script: script)
        let mailbox = Mailbox<ExplorerMessage>()
        // Measured inference timings differ run to run: off here, checked on their own below.
        let app = ExplorerApp(workspace: workspace, post: { mailbox.post($0) }, worker: InlineWorker(),
                              exportDirectory: exportDirectory, sessionDirectory: sessionDirectory, measureInference: measureInference)
        let runner = AppRunner(app: app, driver: term, mailbox: mailbox)
        runner.run()
        return (term, runner)
    }

    static let sizes = [Size(width: 80, height: 24), Size(width: 160, height: 48)]
    static func keys(_ k: Key, _ n: Int) -> [TerminalEvent?] { Array(repeating: .key(k), count: n) }
    static let idle: [TerminalEvent?] = Array(repeating: nil, count: 3)

    @Test(arguments: sizes)
    func mainScreenOnOpen(size: Size) throws {
        let (term, _) = Self.run(try Self.workspace(), size, [.key(.char("q"))])
        let text = term.text
        #expect(text.contains("lenet-300-100 (mnist5k)"))
        #expect(text.contains("fc1.weight 300x784"))
        #expect(text.contains("val acc 94.00%"))
        assertSnapshot(text, named: "main-\(size.width)x\(size.height)")
    }

    @Test(arguments: sizes)
    func sliderPreviewsSparsityShadingAndAccuracy(size: Size) throws {
        let ws = try Self.workspace()
        let (term, runner) = Self.run(ws, size, Self.keys(.right, 12) + Self.idle + [.interrupt])
        let app = runner.app
        // The preview masks fc1 but the session is untouched until Enter.
        #expect(ws.session.steps.count == 1)
        let preview = try #require(app.previewMetrics)
        let fc1 = try #require(preview.tensors.first { $0.name == "fc1.weight" })
        #expect(fc1.sparsity > 0.5)
        #expect(app.previewAccuracy != nil)
        #expect(term.text.contains("*"))
        #expect(term.text.contains("preview "))
        assertSnapshot(term.text, named: "preview-\(size.width)x\(size.height)")
    }

    @Test func previewFiguresMatchThePrunedModel() throws {
        let ws = try Self.workspace()
        let (_, runner) = Self.run(ws, Self.sizes[0], Self.keys(.right, 8) + Self.idle + [.interrupt])
        let previewed = try #require(runner.app.previewMetrics)
        let previewAcc = try #require(runner.app.previewAccuracy)
        // Applying the same preview gives exactly the figures the preview showed.
        let step = try #require(try ws.applyPending())
        #expect(step.metrics.prunableZeros == previewed.prunableZeros)
        #expect(step.metrics.remainingMACs == previewed.remainingMACs)
        #expect(step.metrics.accuracy == previewAcc.accuracy)
    }

    @Test func applyUndoRedoAndJump() throws {
        let ws = try Self.workspace()
        let script: [TerminalEvent?] = Self.keys(.right, 10) + [.key(.enter), .key(.down)] + Self.keys(.right, 5)
            + [.key(.enter), .key(.char("u")), .interrupt]
        let (_, runner) = Self.run(ws, Self.sizes[0], script)
        #expect(ws.session.steps.count == 3)
        #expect(ws.session.cursor == 1)
        let afterFirst = ws.session.snapshots[1]
        #expect(SessionSnapshot(model: ws.session.model, optimizerState: [:], optimizerStepCount: 0).masks == afterFirst.masks)
        #expect(runner.app.unsavedChanges == 3)
        try ws.redo()
        #expect(ws.session.cursor == 2)
        try ws.jump(to: 0)
        #expect(ws.session.model.parameters.allSatisfy { $0.mask == nil || Mask.prunedCount($0.mask) == 0 })
    }

    @Test(arguments: sizes)
    func historyScreen(size: Size) throws {
        let ws = try Self.workspace()
        let script: [TerminalEvent?] = Self.keys(.right, 10) + [.key(.enter), .key(.char("g"))] + Self.keys(.right, 30)
            + [.key(.enter), .key(.char("2")), .key(.up), .interrupt]
        let (term, runner) = Self.run(ws, size, script)
        #expect(runner.app.screen == .history)
        #expect(term.text.contains("History (3 steps"))
        #expect(term.text.contains("prune magnitude unstructured gl"))
        assertSnapshot(term.text, named: "history-\(size.width)x\(size.height)")
    }

    @Test func historyEnterJumpsToTheSelectedStep() throws {
        let ws = try Self.workspace()
        let script: [TerminalEvent?] = Self.keys(.right, 10) + [.key(.enter), .key(.char("2")), .key(.up), .key(.enter), .interrupt]
        _ = Self.run(ws, Self.sizes[0], script)
        #expect(ws.session.cursor == 0)
        #expect(ws.session.steps.count == 2)
    }

    @Test(arguments: sizes)
    func sensitivityScreen(size: Size) throws {
        let (term, runner) = Self.run(try Self.workspace(), size, [.key(.char("s"))] + Self.idle + [.interrupt])
        #expect(runner.app.sensitivity.count == 3 * ExplorerApp.sensitivitySparsities.count)
        #expect(runner.app.job == nil)
        assertSnapshot(term.text, named: "sensitivity-\(size.width)x\(size.height)")
    }

    @Test(arguments: sizes)
    func frontierScreen(size: Size) throws {
        let script: [TerminalEvent?] = Self.keys(.right, 10) + [.key(.enter)] + Self.keys(.right, 10) + [.key(.enter), .key(.char("4")), .interrupt]
        let (term, _) = Self.run(try Self.workspace(), size, script)
        #expect(term.text.contains("Frontier"))
        assertSnapshot(term.text, named: "frontier-\(size.width)x\(size.height)")
    }

    @Test(arguments: sizes)
    func explanationNamesTheFormulaWithTheNumbers(size: Size) throws {
        let (term, _) = Self.run(try Self.workspace(), size, Self.keys(.right, 10) + [.key(.char("x")), .interrupt])
        #expect(term.text.contains("sigma(fc1)"))
        assertSnapshot(term.text, named: "explain-\(size.width)x\(size.height)")
    }

    @Test func helpOptionsAndQuitConfirmation() throws {
        let (help, _) = Self.run(try Self.workspace(), Self.sizes[1], [.key(.char("?")), .interrupt])
        assertSnapshot(help.text, named: "help-160x48")
        let (options, r1) = Self.run(try Self.workspace(), Self.sizes[0], [.key(.char("o")), .key(.down), .key(.right), .interrupt])
        #expect(r1.app.controls.granularity == .twoOfFour)
        assertSnapshot(options.text, named: "options-80x24")
        // q with an unsaved step asks first; n stays, q again and y quits.
        let (quit, r2) = Self.run(try Self.workspace(), Self.sizes[0], Self.keys(.right, 5) + [.key(.enter), .key(.char("q")), .interrupt])
        #expect(r2.app.confirmation == .quit)
        assertSnapshot(quit.text, named: "quit-confirm-80x24")
        let (_, r3) = Self.run(try Self.workspace(), Self.sizes[0],
                               Self.keys(.right, 5) + [.key(.enter), .key(.char("q")), .key(.char("n")), .key(.char("q")), .key(.char("y")), .key(.char("z"))])
        #expect(!r3.wasInterrupted)
        #expect(r3.app.confirmation == .quit)
    }

    @Test func typedValuesSetThresholdOrSparsity() throws {
        let ws = try Self.workspace()
        let typed: [TerminalEvent?] = [.key(.char("t")), .key(.ctrl("u"))] + "90%".map { .key(.char($0)) } + [.key(.enter)]
        let (_, runner) = Self.run(ws, Self.sizes[0], typed + [.key(.enter), .interrupt])
        #expect(runner.app.controls.sliderMode == .sparsity)
        let fc1 = try #require(ws.session.current.metrics.tensors.first { $0.name == "fc1.weight" })
        #expect(abs(fc1.sparsity - 0.9) < 1e-5)
        let bad: [TerminalEvent?] = [.key(.char("t")), .key(.ctrl("u"))] + "abc".map { .key(.char($0)) } + [.key(.enter)]
        let (term, r2) = Self.run(try Self.workspace(), Self.sizes[0], bad + [.interrupt])
        #expect(r2.app.prompt?.state.error != nil)
        #expect(term.text.contains("not a non-negative number"))
    }

    @Test func retrainDrawsTheLossCurveAndKeepsPrunedWeightsAtZero() throws {
        let ws = try Self.workspace("digits-mlp")
        let script: [TerminalEvent?] = Self.keys(.right, 20) + [.key(.enter), .key(.char("r"))] + Self.idle + [.interrupt]
        let (term, runner) = Self.run(ws, Self.sizes[1], script)
        #expect(ws.session.steps.map(\.kind) == [.start, .prune, .retrain])
        let c = runner.app.curve()
        let stepsPerEpoch = (ws.session.train!.count + ws.batchSize - 1) / ws.batchSize
        #expect(c.loss.count == stepsPerEpoch)
        #expect(c.markers.count == 1)
        let p = try #require(ws.session.model.parameter(named: "0.weight"))
        let mask = try #require(p.mask)
        #expect(zip(p.value.data, mask.data).allSatisfy { $1 != 0 || $0 == 0 })
        #expect(term.text.contains("retrain 1 epoch,"))
    }

    @Test func scheduleRunsEveryRoundAsAStep() throws {
        let ws = try Self.workspace("digits-mlp")
        // Options: schedule is iterative with 3 rounds by default; target fc1 at the slider's preview.
        let script: [TerminalEvent?] = [.key(.char("t")), .key(.ctrl("u"))] + "80%".map { .key(.char($0)) } + [.key(.enter), .key(.char("p")), .interrupt]
        _ = Self.run(ws, Self.sizes[0], script)
        #expect(ws.session.steps.map(\.kind) == [.start, .prune, .retrain, .prune, .retrain, .prune, .retrain])
        let fc1 = try #require(ws.session.current.metrics.tensors.first { $0.name == "0.weight" })
        #expect(abs(fc1.sparsity - 0.8) < 1e-3)
    }

    @Test func globalScopeRanksAllLayersTogether() throws {
        let ws = try Self.workspace()
        let typed: [TerminalEvent?] = [.key(.char("g")), .key(.char("t")), .key(.ctrl("u"))] + "90%".map { .key(.char($0)) } + [.key(.enter), .key(.enter), .interrupt]
        _ = Self.run(ws, Self.sizes[0], typed)
        let m = ws.session.current.metrics
        #expect(abs(m.prunableSparsity - 0.9) < 1e-5)
        // One threshold: every pruned |w| is below every kept |w|, across layers.
        var maxPruned: Float = 0, minKept = Float.infinity
        for name in ws.layers.map(\.tensor) {
            let p = try #require(ws.session.model.parameter(named: name))
            let orig = try #require(ws.session.snapshots[0].values[name])
            for (i, m) in (p.mask?.data ?? []).enumerated() {
                if m == 0 { maxPruned = max(maxPruned, abs(orig.data[i])) } else { minKept = min(minKept, abs(orig.data[i])) }
            }
        }
        #expect(maxPruned <= minKept)
    }

    @Test func exportWritesFilesAndAsksBeforeOverwriting() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ps-explorer-export-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let ws = try Self.workspace("digits-mlp")
        let script: [TerminalEvent?] = Self.keys(.right, 30) + [.key(.enter), .key(.char("e")), .key(.enter)] + Self.idle
        let (_, runner) = Self.run(ws, Self.sizes[0], script + [.interrupt], exportDirectory: dir.path)
        for f in ["model.safetensors", "masks.safetensors", "report.json", "report.md", "session/session.json"] {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(f).path), "\(f)")
        }
        #expect(runner.app.unsavedChanges == 0)
        let written = try SafetensorsFile(contentsOf: dir.appendingPathComponent("model.safetensors").path)
        #expect(written.tensors.count == 6)
        // A second export to the same directory asks; n keeps the files untouched.
        let before = try Data(contentsOf: dir.appendingPathComponent("report.json"))
        let (term, r2) = Self.run(try Self.workspace("digits-mlp"), Self.sizes[0], [.key(.char("e")), .key(.enter)] + [.interrupt], exportDirectory: dir.path)
        #expect(r2.app.confirmation == .overwrite(path: dir.path))
        #expect(term.text.contains("Overwrite?"))
        #expect(try Data(contentsOf: dir.appendingPathComponent("report.json")) == before)
    }

    @Test func convFiltersAreTiled() throws {
        let ws = try Self.workspace("digits-cnn")
        let (term, _) = Self.run(ws, Self.sizes[1], [.key(.down), .interrupt])
        #expect(term.text.contains("conv2.weight 16x8x3x3"))
        #expect(term.text.contains("filters across, input channels down"))
        let t = ExplorerApp.tiles(values: Tensor(shape: [2, 1, 2, 2], data: [1, 2, 3, 4, 5, 6, 7, 8]), mask: nil, shape: [2, 1, 2, 2])
        #expect(t.rows == 2 && t.columns == 5)
        #expect(t.values[0] == 1 && t.values[1] == 2 && t.values[2].isNaN && t.values[3] == 5 && t.values[5] == 3)
    }

    @Test func smallTerminalSaysWhatItNeeds() throws {
        let (term, _) = Self.run(try Self.workspace("digits-mlp"), Size(width: 70, height: 20), [.key(.right), .key(.char("q"))])
        #expect(term.text.contains("need 80 x 24, have 70 x 20"))
    }

    @Test func mouseSelectsALayerAndDragsTheSlider() throws {
        let ws = try Self.workspace()
        // First frame lays out the screen; then a click on fc2's row (row 2 of the table body), then a drag on the slider.
        var (_, runner) = Self.run(ws, Self.sizes[1], [.interrupt])
        let table = runner.app.areas.layerTable, track = runner.app.areas.slider
        #expect(table.height > 3 && track.width > 10)
        let script: [TerminalEvent?] = [
            .mouse(MouseEvent(.press, x: table.x + 2, y: table.y + 2)),
            .mouse(MouseEvent(.press, x: track.x, y: track.y)),
            .mouse(MouseEvent(.drag, button: 0, x: track.x + track.width / 2, y: track.y)),
            .mouse(MouseEvent(.release, x: track.x + track.width / 2, y: track.y)),
            .mouse(MouseEvent(.wheelDown, button: 0, x: table.x + 2, y: table.y + 2)),
            .interrupt,
        ]
        (_, runner) = Self.run(ws, Self.sizes[1], script)
        // The wheel moved the selection on to fc3; fc2 kept the dragged preview.
        #expect(runner.app.layerTable.selected == 2)
        let fc2 = try #require(runner.app.previewMetrics?.tensors.first { $0.name == "fc2.weight" })
        #expect(fc2.sparsity > 0.3)
    }

    @Test func savedSessionReopensWhereItWas() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ps-explorer-session-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let ws = try Self.workspace("digits-mlp")
        let script: [TerminalEvent?] = Self.keys(.right, 20) + [.key(.enter), .key(.down)] + Self.keys(.right, 10)
            + [.key(.enter), .key(.char("u")), .key(.char("w")), .key(.enter), .key(.char("q"))]
        let (_, runner) = Self.run(ws, Self.sizes[0], script, sessionDirectory: dir.path)
        #expect(runner.app.unsavedChanges == 0)
        let bundle = try ModelBundle.load(path: Self.sampleModels.appendingPathComponent("digits-mlp").path)
        let resumed = try PruningSession.load(from: dir.path, model: bundle.model, train: bundle.train, validation: bundle.validation)
        #expect(resumed.cursor == 1)
        #expect(resumed.steps.count == 3)
        let (term, _) = Self.run(ExplorerWorkspace(session: resumed, bundle: bundle), Self.sizes[0], [.key(.char("q"))])
        #expect(term.text.contains("step 1/2"))
        for p in ws.session.model.parameters {
            #expect(bundle.model.parameter(named: p.name)?.value == p.value)
        }
    }

    @Test func measuredCSRSpeedUpFollowsTheStep() throws {
        let ws = try Self.workspace()
        let script: [TerminalEvent?] = [nil] + Self.keys(.right, 30) + [.key(.enter)] + Self.idle + [.interrupt]
        let (term, runner) = Self.run(ws, Self.sizes[1], script, measureInference: true)
        let timings = try #require(runner.app.inferenceTimings)
        #expect(timings.map(\.batch) == [1, 256])
        #expect(timings.allSatisfy { $0.denseSeconds > 0 && $0.sparseSeconds > 0 && $0.maxAbsDifference < 1e-3 })
        #expect(term.text.contains("CSR vs dense"))
        #expect(term.text.contains("@256 (measured)"))
    }

    @Test func quitQuestionSavesThenQuits() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ps-explorer-quit-save-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let ws = try Self.workspace("digits-mlp")
        // An unsaved step, q asks, w saves to the session directory and quits (no interrupt needed).
        let script: [TerminalEvent?] = Self.keys(.right, 10) + [.key(.enter), .key(.char("q")), .key(.char("w"))]
        let (_, runner) = Self.run(ws, Self.sizes[0], script, sessionDirectory: dir.path)
        #expect(!runner.wasInterrupted)
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("session.json").path))
        #expect(runner.app.unsavedChanges == 0)
    }
}
