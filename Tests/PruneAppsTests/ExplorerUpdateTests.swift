import Foundation
import PruneKit
import Testing

@testable import PruneApps
@testable import PruneTUI

/// `ExplorerModel.update` on its own: keys become changes of the model and
/// effects as values; nothing runs.
@Suite struct ExplorerUpdateTests {
    typealias H = ExplorerHarness

    static func model(_ name: String = "lenet-300-100", size: Size = Size(width: 120, height: 40)) throws -> ExplorerModel {
        let h = try H(name)
        return ExplorerApp.make(
            session: h.session, bundle: h.bundle, size: size, worker: InlineWorker(), post: { _ in },
            measureInference: false
        ).model
    }

    @discardableResult
    static func press(_ m: inout ExplorerModel, _ keys: Key...) -> [ExplorerEffect] {
        keys.flatMap { m.update(.key($0), now: 0).effects }
    }

    static func toast(_ m: ExplorerModel) -> String { m.toasts.items.last?.text ?? "" }

    @Test func keysAskForJobsAsValues() throws {
        var m = try Self.model()
        let retrain = Self.press(&m, .char("r"))
        guard case .startJob(.retrain(let settings))? = retrain.first else { Issue.record("no retrain: \(retrain)"); return }
        #expect(settings.epochs == 1 && settings.batchSize == 64)
        #expect(m.job?.job == .retrain(settings))
        // One job at a time: the one place that says so.
        #expect(Self.press(&m, .char("r")).isEmpty)
        #expect(Self.toast(m).hasPrefix("busy: retrain 1 epoch"))
        #expect(Self.press(&m, .escape) == [.cancelJob])
        // The slider previews at once; its accuracy is asked for on the next tick, one at a time.
        var idle = try Self.model()
        #expect(Self.press(&idle, .right, .right, .right).isEmpty)
        #expect(idle.tick(now: 0.1).effects == [.evaluatePreview(generation: idle.previewAccuracy.generation)])
        #expect(idle.tick(now: 0.2).effects.isEmpty)
        guard case .startJob(.apply(let request))? = Self.press(&idle, .enter).first else { Issue.record("no apply"); return }
        #expect(request.tensors == ["fc1.weight"])
    }

    /// With the user's evaluator (seconds per answer), a slider move while a
    /// preview is being evaluated tells it to stop; without one, a stale
    /// answer is only dropped (the built-in evaluation takes milliseconds).
    @Test func aMoveCancelsTheStalePreviewOnlyForAnEvaluator() throws {
        let h = try H("digits-mlp")
        let evaluator = try ExternalEvaluator(settings: EvaluatorSettings(command: "exit 0"))
        var m = ExplorerApp.make(
            session: h.session, bundle: h.bundle, size: Size(width: 120, height: 40), worker: InlineWorker(), post: { _ in },
            measureInference: false, evaluator: evaluator
        ).model
        Self.press(&m, .right)
        let first = m.tick(now: 0.1).effects
        #expect(first == [.evaluatePreview(generation: m.previewAccuracy.generation)])
        #expect(Self.press(&m, .right) == [.cancelPreview])
        // Nothing new starts before the stale one answers (cancelled), then the newest does.
        #expect(m.tick(now: 0.2).effects.isEmpty)
        _ = m.update(.message(.previewCancelled(generation: m.previewAccuracy.generation - 1)), now: 0.3)
        #expect(m.tick(now: 0.4).effects == [.evaluatePreview(generation: m.previewAccuracy.generation)])

        var plain = try Self.model("digits-mlp")
        Self.press(&plain, .right)
        _ = plain.tick(now: 0.1)
        #expect(Self.press(&plain, .right).isEmpty)
    }

    @Test func unknownKeysSaySoAndHelpListsTheMouse() throws {
        var m = try Self.model()
        Self.press(&m, .char("Z"))
        #expect(Self.toast(m) == "Z: no such key here (? lists the keys)")
        let help = ExplorerKeys.helpSections(unicode: true).map(\.title)
        #expect(help.contains("Mouse"))
    }

    /// At 80x24 help is longer than the screen: End reaches its last line.
    @Test func helpScrollsToEveryKeyAt80x24() throws {
        let (top, _) = try H().run(H.sizes[0], [.key(.char("?")), .interrupt])
        #expect(!top.text.contains("click a pane"))
        let (bottom, _) = try H().run(H.sizes[0], [.key(.char("?")), .key(.end), .interrupt])
        #expect(bottom.text.contains("click a pane"))
        let (paged, _) = try H().run(H.sizes[0], [.key(.char("?"))] + H.keys(.pageDown, 10) + [.interrupt])
        #expect(paged.text.contains("click a pane"))
    }

    @Test func typedValueReplacesThePrefilledOne() throws {
        var m = try Self.model()
        Self.press(&m, .right, .right, .right, .char("t"))
        guard case .prompt(let p)? = m.modal else { Issue.record("no prompt"); return }
        #expect(p.state.text.hasPrefix("0.0"))
        Self.press(&m, .char("9"), .char("0"), .char("%"), .enter)
        #expect(m.modal == nil)
        #expect(abs(m.preview.slider(for: "fc1.weight").value - 0.9) < 1e-9)
    }

    @Test func exportWithAPreviewAsksToApplyFirst() throws {
        var m = try Self.model()
        Self.press(&m, .right, .right, .char("e"))
        #expect(m.modal == .confirm(.exportWithPreview))
        guard case .startJob(.apply)? = Self.press(&m, .char("a")).first else { Issue.record("a should apply"); return }
        // When the apply has finished, the export box opens.
        _ = m.update(.message(.jobFinished(message: "step 1", failed: false)), now: 1)
        guard case .prompt(let p)? = m.modal else { Issue.record("no export prompt"); return }
        #expect(p.purpose == .exportPath)
        var plain = try Self.model()
        Self.press(&plain, .right, .char("e"), .char("e"))
        guard case .prompt(let q)? = plain.modal else { Issue.record("e should export the current step"); return }
        #expect(q.purpose == .exportPath)
    }

    @Test func ctrlCWithUnsavedStepsAsksLikeQ() throws {
        var m = try Self.model()
        #expect(m.update(.key(.ctrl("c")), now: 0).action == .quit)
        var busy = try Self.model()
        Self.press(&busy, .right, .enter)
        #expect(busy.update(.key(.ctrl("c")), now: 0).action == .continue)
        #expect(busy.modal == .confirm(.quit))
        #expect(busy.update(.key(.ctrl("c")), now: 0).action == .quit)
    }

    /// Every coarse step moves fc1's preview by one point of sparsity, over
    /// the whole travel (a slider linear in |w| jumped 7 points a step and
    /// spent 60 % of its travel at 100 %).
    @Test(arguments: [ExplorerControls.SliderMode.threshold, .sparsity])
    func everyCoarseStepIsAtMostTwoPoints(mode: ExplorerControls.SliderMode) throws {
        var m = try Self.model()
        if mode == .sparsity { Self.press(&m, .char("m")) }
        var last = 0.0
        for step in 1...99 {
            Self.press(&m, .right)
            let s = try #require(m.previewMetrics?.tensors.first { $0.name == "fc1.weight" }?.sparsity)
            #expect(s - last <= 0.02 && s > last, "step \(step): \(last) -> \(s)")
            last = s
        }
        #expect(last < 1)
    }

    /// `m` reads the same cut as a threshold or a sparsity: the preview of
    /// every layer stays where it was, in layer and in global scope.
    @Test func switchingTheSliderModeKeepsThePreview() throws {
        var m = try Self.model()
        func shown(_ tensor: String) -> Double? { m.previewMetrics?.tensors.first { $0.name == tensor }?.sparsity }
        Self.press(&m, .right, .right, .right, .right, .right)
        Self.press(&m, .down, .right, .right, .up)
        let fc1 = try #require(shown("fc1.weight")), fc2 = try #require(shown("fc2.weight"))
        #expect(fc1 > 0.04 && fc2 > 0.01)
        Self.press(&m, .char("m"))
        #expect(m.controls.sliderMode == .sparsity)
        #expect(shown("fc1.weight") == fc1 && shown("fc2.weight") == fc2)
        Self.press(&m, .char("m"))
        #expect(shown("fc1.weight") == fc1 && shown("fc2.weight") == fc2)
        Self.press(&m, .char("g"), .right, .right)
        let total = try #require(m.previewMetrics?.prunableSparsity)
        Self.press(&m, .char("m"))
        #expect(m.previewMetrics?.prunableSparsity == total)
    }

    @Test func heatmapViewReachesThePerInputPixelMap() throws {
        var m = try Self.model()
        #expect(m.selected?.inputImage?.height == 28)
        Self.press(&m, .char("a"), .char("a"), .char("a"))
        #expect(m.heatmapMode == .inputPixels)
        var buffer = CellBuffer(size: m.size)
        m.render(into: &buffer, context: DrawContext())
        #expect(buffer.text.contains("fc1 kept per input pixel"))
        Self.press(&m, .char("a"))
        #expect(m.heatmapMode == .changes)
        buffer = CellBuffer(size: m.size)
        m.render(into: &buffer, context: DrawContext())
        #expect(buffer.text.contains("fc1 changes in step 0"))
        #expect(buffer.text.contains("no weight of fc1 was"))
        Self.press(&m, .char("a"))
        #expect(m.heatmapMode == .auto)
    }

    @Test func twoOfFourPreviewsAtOnce() throws {
        var m = try Self.model()
        Self.press(&m, .char("n"))
        #expect(m.controls.granularity == .twoOfFour)
        let fc1 = try #require(m.previewMetrics?.tensors.first { $0.name == "fc1.weight" })
        #expect(fc1.sparsity == 0.5)
        guard case .startJob(.apply(let r))? = Self.press(&m, .enter).first else { Issue.record("no apply"); return }
        #expect(r.granularity == .nOfM(n: 2, m: 4))
    }

    @Test func neuronGranularityRanksAndShadesUnitNorms() throws {
        var m = try Self.model()
        Self.press(&m, .char("n"), .char("n"))
        #expect(m.controls.granularity == .units)
        for _ in 0..<30 { Self.press(&m, .right) }
        let fc1 = try #require(m.previewMetrics?.layers.first { $0.name == "fc1" })
        #expect(fc1.unitsAlive == 210)
        var buffer = CellBuffer(size: m.size)
        m.render(into: &buffer, context: DrawContext())
        #expect(buffer.text.contains("L1 norm of each kept neuron"))
        #expect(buffer.text.contains("prune 90 of 300 neurons of fc1"))
        guard case .units(let norms, let threshold) = m.histogramSubject(for: try #require(m.selected)) else {
            Issue.record("the histogram should show unit norms"); return
        }
        let t = try #require(threshold)
        // The pruned units are exactly the 90 smallest norms.
        #expect(norms.count == 300 && norms.filter { Double($0) < t }.count == 90)
    }

    @Test func applyingAPreviewThatEmptiesALayerAsksFirst() throws {
        let h = try H()
        // fc3's weights made tiny: one global threshold at 50 % takes all of them.
        let fc3 = try #require(h.session.model.parameter(named: "fc3.weight"))
        fc3.value.data = fc3.value.data.map { $0 * 1e-6 }
        var m = ExplorerApp.make(
            session: PruningSession(model: h.session.model, train: h.bundle.train, validation: h.bundle.validation),
            bundle: h.bundle, size: Size(width: 120, height: 40), worker: InlineWorker(), post: { _ in },
            measureInference: false
        ).model
        Self.press(&m, .char("g"))
        for _ in 0..<50 { Self.press(&m, .right) }
        #expect(Self.press(&m, .enter).isEmpty)
        #expect(m.modal == .confirm(.applyEmptying(layers: ["fc3"])))
        guard case .startJob(.apply)? = Self.press(&m, .char("y")).first else { Issue.record("y should apply"); return }
    }

    @Test func gradualDefaultsFitTheRecipe() throws {
        let m = try Self.model()
        let c = m.controls
        #expect(c.rounds == ScheduleDefaults.rounds && c.retrainEpochs == ScheduleDefaults.retrainEpochs)
        let fitted = ScheduleDefaults.gradual(stepsPerEpoch: m.info.stepsPerEpoch, epochs: c.retrainEpochs)
        #expect(c.gradualFrequency == fitted.frequency && c.gradualUpdates == fitted.updates)
        #expect(c.gradualEpochs(stepsPerEpoch: m.info.stepsPerEpoch) == c.retrainEpochs)
    }

    @Test func sensitivityByFiltersSkipsWhatCannotApply() throws {
        let (term, runner) = try H("digits-cnn").run(
            H.sizes[1], [.key(.char("n")), .key(.char("n")), .key(.char("s"))] + H.idle + [.interrupt])
        let model = runner.app.model
        #expect(model.sensitivityGranularity == .units)
        #expect(!model.sensitivity.isEmpty, "\(model.toasts.items.map(\.text))")
        #expect(!model.sensitivitySkips.isEmpty)
        #expect(term.text.contains("skip"))
        #expect(term.text.contains("neurons/filters"))
    }

    /// Taylor scores need gradients: a background effect computes them and
    /// the screen says so meanwhile; a frame never computes them.
    @Test func gradientScoresAreComputedInTheBackground() throws {
        var m = try Self.model()
        Self.press(&m, .char("c"), .char("c"))
        #expect(m.controls.criterion == .taylor)
        #expect(m.preview.needsScores)
        var buffer = CellBuffer(size: m.size)
        m.render(into: &buffer, context: DrawContext())
        #expect(buffer.text.contains("computing taylor scores"))
        #expect(m.preview.needsScores, "drawing must not compute the scores")
        let effects = m.tick(now: 1).effects
        #expect(effects == [.computeScores(generation: m.scores.generation)])
    }
}
