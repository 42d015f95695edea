import Foundation
import PruneKit
import Testing

@testable import PruneApps
@testable import PruneTUI

/// Steps, schedules, retraining, export and save from the explorer, with
/// jobs run inline: what each key does to the session.
@Suite struct ExplorerJobTests {
    typealias H = ExplorerHarness

    @Test func previewFiguresMatchTheAppliedStep() throws {
        let h = try H()
        let (_, r1) = h.run(H.sizes[0], H.keys(.right, 40) + H.idle + [.interrupt])
        let previewed = try #require(r1.app.model.previewMetrics)
        let previewAcc = try #require(r1.app.model.previewAccuracy.value)
        // Applying the same preview gives exactly the figures the preview showed.
        let (_, _) = H(bundle: h.bundle, session: h.session).run(H.sizes[0], H.keys(.right, 40) + [.key(.enter), .interrupt])
        let step = h.session.current
        #expect(step.kind == .prune)
        #expect(step.metrics.prunableZeros == previewed.prunableZeros)
        #expect(step.metrics.remainingMACs == previewed.remainingMACs)
        #expect(step.metrics.accuracy == previewAcc.accuracy)
    }

    @Test func applyUndoRedoAndJump() throws {
        let h = try H()
        let script: [TerminalEvent?] =
            H.keys(.right, 50) + [.key(.enter), .key(.down)] + H.keys(.right, 30)
            + [.key(.enter), .key(.char("u"))]
        let (_, runner) = h.run(H.sizes[0], script + [.interrupt])
        #expect(h.session.steps.count == 3)
        #expect(h.session.cursor == 1)
        #expect(runner.app.model.session.cursor == 1)
        #expect(runner.app.model.unsavedChanges == 3)
        let (_, r2) = h.run(H.sizes[0], [.key(.ctrl("r")), .key(.char("2")), .key(.home), .key(.enter), .interrupt])
        #expect(h.session.cursor == 0)
        #expect(r2.app.model.session.history.count == 3)
        #expect(h.session.model.parameters.allSatisfy { $0.mask == nil || Mask.prunedCount($0.mask) == 0 })
    }

    @Test func typedValuesSetThresholdOrSparsity() throws {
        let h = try H()
        let (_, runner) = h.run(H.sizes[0], H.typed("90%") + [.key(.enter), .interrupt])
        let fc1 = try #require(h.session.current.metrics.tensors.first { $0.name == "fc1.weight" })
        #expect(abs(fc1.sparsity - 0.9) < 1e-5)
        #expect(runner.app.model.controls.sliderMode == .threshold)
        // A typed threshold: exactly the weights with |w| below it.
        let h2 = try H()
        let original = try #require(h2.session.model.parameter(named: "fc1.weight")).value
        _ = h2.run(H.sizes[0], H.typed("0.02") + [.key(.enter), .interrupt])
        let below = original.data.filter { abs($0) < 0.02 }.count
        #expect(Mask.prunedCount(h2.session.model.parameter(named: "fc1.weight")?.mask) == below)
        let (term, r3) = try H().run(H.sizes[0], H.typed("abc") + [.interrupt])
        guard case .prompt(let p)? = r3.app.model.modal else { Issue.record("no prompt"); return }
        #expect(p.state.error != nil)
        #expect(term.text.contains("not a non-negative number"))
    }

    @Test func retrainDrawsTheLossCurveAndKeepsPrunedWeightsAtZero() throws {
        let h = try H("digits-mlp")
        let script: [TerminalEvent?] = H.keys(.right, 60) + [.key(.enter), .key(.char("r"))] + H.idle + [.interrupt]
        let (term, runner) = h.run(H.sizes[1], script)
        #expect(h.session.steps.map(\.kind) == [.start, .prune, .retrain])
        let c = runner.app.model.curve()
        #expect(c.loss.count == runner.app.model.info.stepsPerEpoch)
        #expect(c.markers.count == 1)
        let p = try #require(h.session.model.parameter(named: "0.weight"))
        let mask = try #require(p.mask)
        #expect(zip(p.value.data, mask.data).allSatisfy { $1 != 0 || $0 == 0 })
        #expect(term.text.contains("retrain 1 epoch"))
        #expect(!term.text.contains("1 epochs"))
    }

    @Test(arguments: ExplorerControls.ScheduleChoice.allCases)
    func everyScheduleRunsToItsTarget(schedule: ExplorerControls.ScheduleChoice) throws {
        let h = try H("digits-mlp")
        var controls = ExplorerControls(learningRate: 0.005)
        controls.schedule = schedule
        controls.fitGradual(stepsPerEpoch: 12)
        controls.maxDrop = 0.05  // adaptive: a budget 80 % of one layer keeps
        let (term, runner) = h.run(H.sizes[0], H.typed("80%") + [.key(.char("p")), .interrupt], controls: controls)
        let kinds = h.session.steps.map(\.kind)
        switch schedule {
        case .oneShot: #expect(kinds == [.start, .prune])
        case .iterative: #expect(kinds == [.start, .prune, .retrain, .prune, .retrain, .prune, .retrain])
        case .gradual: #expect(kinds.contains(.gradual))
        case .lottery: #expect(kinds.filter { $0 == .prune }.count == 3)
        case .randomReinit: #expect(kinds == [.start] + Array(repeating: [.prune, .rewind, .retrain], count: 3).joined())
        case .adaptive:
            #expect(kinds.first == .start && kinds.contains(.prune) && !kinds.contains(.backoff))
            #expect(h.session.steps[1].summary.contains("adaptive 1: first step"))
        }
        let fc1 = try #require(h.session.current.metrics.tensors.first { $0.name == "0.weight" })
        #expect(abs(fc1.sparsity - 0.8) < 1e-2)
        // The screen's history is the session's, step for step.
        #expect(runner.app.model.session.history == h.session.steps)
        #expect(runner.app.model.job == nil)
        #expect(!term.text.contains("failed"))
    }

    @Test func globalScopeRanksAllLayersTogether() throws {
        let h = try H()
        _ = h.run(H.sizes[0], [.key(.char("g"))] + H.typed("90%") + [.key(.enter), .interrupt])
        let m = h.session.current.metrics
        #expect(abs(m.prunableSparsity - 0.9) < 1e-5)
        // One threshold: every pruned |w| is below every kept |w|, across layers.
        var maxPruned: Float = 0, minKept = Float.infinity
        for name in ["fc1.weight", "fc2.weight", "fc3.weight"] {
            let p = try #require(h.session.model.parameter(named: name))
            let orig = try #require(h.session.snapshots[0].values[name])
            for (i, m) in (p.mask?.data ?? []).enumerated() {
                if m == 0 { maxPruned = max(maxPruned, abs(orig.data[i])) } else { minKept = min(minKept, abs(orig.data[i])) }
            }
        }
        #expect(maxPruned <= minKept)
    }

    @Test func exportWritesFilesAndAsksBeforeOverwriting() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ps-explorer-export-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let h = try H("digits-mlp")
        let script: [TerminalEvent?] = H.keys(.right, 30) + [.key(.enter), .key(.char("e")), .key(.enter)] + H.idle
        let (_, runner) = h.run(H.sizes[0], script + [.interrupt], exportDirectory: dir.path)
        for f in ["model.safetensors", "masks.safetensors", "report.json", "report.md", "session/session.json"] {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(f).path), "\(f)")
        }
        #expect(runner.app.model.unsavedChanges == 0)
        let written = try SafetensorsFile(contentsOf: dir.appendingPathComponent("model.safetensors").path)
        #expect(written.tensors.count == 6)
        // A second export to the same directory asks; n keeps the files untouched.
        let before = try Data(contentsOf: dir.appendingPathComponent("report.json"))
        let (term, r2) = try H("digits-mlp").run(H.sizes[0], [.key(.char("e")), .key(.enter), .interrupt], exportDirectory: dir.path)
        #expect(r2.app.model.modal == .confirm(.overwrite(path: dir.path)))
        #expect(term.text.contains("Overwrite?"))
        #expect(try Data(contentsOf: dir.appendingPathComponent("report.json")) == before)
    }

    @Test func savedSessionReopensWhereItWas() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ps-explorer-session-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let h = try H("digits-mlp")
        let script: [TerminalEvent?] =
            H.keys(.right, 40) + [.key(.enter), .key(.down)] + H.keys(.right, 30)
            + [.key(.enter), .key(.char("u")), .key(.char("w")), .key(.enter), .key(.char("q"))]
        let (_, runner) = h.run(H.sizes[0], script, sessionDirectory: dir.path)
        #expect(runner.app.model.unsavedChanges == 0)
        let bundle = try ModelBundle.load(path: H.sampleModels.appendingPathComponent("digits-mlp").path)
        let resumed = try PruningSession.load(from: dir.path, model: bundle.model, train: bundle.train, validation: bundle.validation)
        #expect(resumed.cursor == 1)
        #expect(resumed.steps.count == 3)
        let (term, _) = H(bundle: bundle, session: resumed).run(H.sizes[0], [.key(.char("q"))])
        #expect(term.text.contains("step 1/2"))
        for p in h.session.model.parameters {
            #expect(bundle.model.parameter(named: p.name)?.value == p.value)
        }
    }

    /// The Model box times the step it shows: nothing for the dense start,
    /// then the pruned step's forward pass and each layer's format, in
    /// total and per layer with the spread (figures are shown, not asserted).
    @Test func measuredSpeedUpFollowsTheStep() throws {
        let h = try H()
        let (start, r1) = h.run(H.sizes[1], [nil, nil, .interrupt], measureInference: true)
        #expect(r1.app.model.inference.value?.isEmpty == true)
        #expect(!start.text.contains("measured") && !start.text.contains("vs dense"))
        let (term, r2) = h.run(H.sizes[1], H.keys(.right, 95) + [.key(.enter)] + H.idle + [.interrupt], measureInference: true)
        let pruned = try #require(r2.app.model.inference.value)
        #expect(pruned.map(\.batch) == [1, 256])
        for timing in pruned {
            #expect(timing.layers.map(\.layer) == ["fc1", "fc2", "fc3"])
            #expect(timing.total.runs == 20 && timing.maxAbsDifference < 1e-3)
            #expect(timing.denseSeconds > 0 && timing.sparseSeconds > 0)
        }
        #expect(r2.app.model.inference.generation > 1)
        #expect(term.text.contains("measured batch 1: ") && term.text.contains(", 20 runs"), "\(term.text)")
        #expect(term.text.contains(" fc1 ") && term.text.contains("@256"))
    }

    @Test func quitQuestionSavesThenQuits() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ps-explorer-quit-save-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let h = try H("digits-mlp")
        // An unsaved step, q asks, w saves to the session directory and quits (no interrupt needed).
        let script: [TerminalEvent?] = H.keys(.right, 10) + [.key(.enter), .key(.char("q")), .key(.char("w"))]
        let (_, runner) = h.run(H.sizes[0], script, sessionDirectory: dir.path)
        #expect(!runner.wasInterrupted)
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("session.json").path))
        #expect(runner.app.model.unsavedChanges == 0)
    }

    /// A lottery run that rewinds to init retrains almost from scratch in
    /// one epoch: when it ends far below the start, the explorer says why
    /// instead of leaving the learner to suspect a bug.
    @Test func lotteryFarBelowTheStartSaysWhy() throws {
        let h = try H("digits-cnn")
        var controls = ExplorerControls(learningRate: 0.005)
        controls.schedule = .lottery
        let (term, runner) = h.run(
            H.sizes[1], [.key(.char("g"))] + H.typed("80%") + [.key(.char("p")), .key(.char("x")), .interrupt],
            controls: controls)
        let model = runner.app.model
        let start = try #require(model.session.history.first?.metrics.accuracy)
        let end = try #require(model.session.metrics.accuracy)
        #expect(start - end > 0.1)
        let message = try #require(model.toasts.items.last?.text)
        #expect(message.hasPrefix("lottery: 11 steps, 80.0% pruned"))
        #expect(message.contains("pt below the start: it retrains from init; x explains"))
        #expect(term.text.contains("That is the schedule, not a bug"))
    }
}
