import Foundation
import PruneKit
import ScreenSnapshots
import Testing

@testable import PruneApps
@testable import PruneTUI

/// The robustness & privacy screen (5): its launches, cancels and cache as
/// values, its screens with figures injected, and the work on a real thread.
@Suite(.serialized) struct ExplorerRobustnessTests {
    typealias H = ExplorerHarness

    /// Made-up figures that differ per step (the screen's test needs no attack run).
    static func figures(_ step: Int, accuracy: Double) -> RobustnessReport {
        let d = Double(step)
        let clean = RobustnessReport.Clean(accuracy: accuracy, loss: 0.28 + 0.01 * d)
        let fgsm: [RobustnessReport.FGSM] = [
            RobustnessReport.FGSM(epsilon: 0.05, accuracy: 0.75 - 0.02 * d),
            RobustnessReport.FGSM(epsilon: 0.1, accuracy: 0.32 + 0.05 * d),
        ]
        let pgd = [RobustnessReport.PGD(epsilon: 0.1, steps: 10, accuracy: 0.22 + 0.06 * d)]
        let noise = [RobustnessReport.Noise(sigma: 0.1, accuracy: accuracy - 0.01)]
        let auc: Double = 0.527 - 0.006 * d
        let advantage: Double = 0.12 - 0.02 * d
        let trainLoss: Double = 0.001 + 0.01 * d
        let trainAccuracy: Double = 1 - 0.01 * d
        let membership = MembershipInference(
            auc: auc, advantage: advantage, trainLoss: trainLoss, validationLoss: 0.28, trainAccuracy: trainAccuracy,
            validationAccuracy: accuracy)
        return RobustnessReport(split: .validation, count: 1000, clean: clean, fgsm: fgsm, pgd: pgd, noise: noise, membership: membership)
    }

    /// Answers every launch the ticks ask for with `figures`, as the runner would.
    static func answerLaunches(_ m: inout ExplorerModel) {
        var now = 1.0
        while let effect = m.tick(now: now).effects.first {
            now += 0.03
            guard case .measureRobustness(let step, let generation) = effect else { Issue.record("unexpected \(effect)"); return }
            let measured = m.session.history[step]
            _ = m.update(
                .message(
                    .robustnessMeasured(
                        generation: generation, step: step, measured: measured, figures(step, accuracy: measured.metrics.accuracy ?? 0))),
                now: now)
        }
    }

    /// lenet with a 50 % step and a global 90 % step, run inline.
    static func prunedModel(size: Size) throws -> ExplorerModel {
        let script: [TerminalEvent?] =
            H.keys(.right, 50) + [.key(.enter), .key(.char("g"))] + H.keys(.right, 40) + [.key(.enter), .interrupt]
        let (_, runner) = try H().run(size, script)
        return runner.app.model
    }

    @Test func launchesOnlyOnItsScreenCurrentStepFirstAndCancelsWhenLeft() throws {
        var m = try Self.prunedModel(size: Size(width: 120, height: 40))
        #expect(m.session.history.count == 3 && m.session.cursor == 2)
        // Not on another screen.
        #expect(m.tick(now: 0).effects.isEmpty)
        #expect(m.update(.key(.char("5")), now: 0).effects.isEmpty)
        let first = m.tick(now: 0.1).effects
        #expect(first == [.measureRobustness(step: 2, generation: 1)])
        #expect(m.tick(now: 0.2).effects.isEmpty, "one at a time")
        // Leaving the screen stops it; coming back asks again.
        #expect(m.update(.key(.char("1")), now: 0.3).effects == [.cancelRobustness])
        #expect(m.robustness.inFlight == nil)
        _ = m.update(.key(.char("5")), now: 0.4)
        #expect(m.tick(now: 0.5).effects == [.measureRobustness(step: 2, generation: 2)])
        // The stale answer is dropped; the fresh one kept; then step 0 and 1 follow.
        let step2 = m.session.history[2]
        _ = m.update(.message(.robustnessMeasured(generation: 1, step: 2, measured: step2, Self.figures(2, accuracy: 0.5))), now: 0.6)
        #expect(m.robustness.byStep.isEmpty && m.robustness.inFlight != nil)
        _ = m.update(.message(.robustnessMeasured(generation: 2, step: 2, measured: step2, Self.figures(2, accuracy: 0.9))), now: 0.7)
        #expect(m.currentRobustness?.clean.accuracy == 0.9)
        #expect(m.tick(now: 0.8).effects == [.measureRobustness(step: 0, generation: 3)])
        // A job started meanwhile is left alone: only the measurement stops, and none launches while it runs.
        let retrain = m.update(.key(.char("r")), now: 0.9).effects
        #expect(retrain.contains(.cancelRobustness) && !retrain.contains(.cancelJob))
        #expect(retrain.contains { if case .startJob(.retrain) = $0 { true } else { false } })
        #expect(m.job != nil && m.tick(now: 1).effects.isEmpty)
        // A failure is one line on screen.
        _ = m.update(.message(.jobFinished(message: "done", failed: false)), now: 1.1)
        guard case .measureRobustness(let step, let generation)? = m.tick(now: 1.2).effects.first else {
            Issue.record("no launch after the job"); return
        }
        #expect(step == 0)
        _ = m.update(.message(.robustnessStopped(generation: generation, error: "boom")), now: 1.3)
        #expect(m.toasts.items.last?.text == "robustness: boom")
    }

    @Test func aReplacedStepIsMeasuredAgain() throws {
        var m = try Self.prunedModel(size: Size(width: 120, height: 40))
        _ = m.update(.key(.char("5")), now: 0)
        Self.answerLaunches(&m)
        #expect(m.robustness.byStep.keys.sorted() == [0, 1, 2])
        // The same index with another step (as after undo and a new prune) is not the cached one.
        var other = m.session.history[2]
        other.summary = "another step"
        #expect(m.robustness.figures(for: other, at: 2) == nil)
        #expect(m.robustness.figures(for: m.session.history[2], at: 2) != nil)
    }

    @Test(arguments: H.sizes)
    func robustnessScreen(size: Size) throws {
        var m = try Self.prunedModel(size: size)
        _ = m.update(.key(.char("5")), now: 0)
        Self.answerLaunches(&m)
        var buffer = CellBuffer(size: m.size)
        m.render(into: &buffer, context: DrawContext())
        let text = buffer.text
        #expect(text.contains("Robustness & privacy") && text.contains("AUC"))
        #expect(text.contains("*2"))
        assertSnapshot(text, named: "robustness-\(size.width)x\(size.height)")
        _ = m.update(.key(.char("x")), now: 2)
        buffer = CellBuffer(size: m.size)
        m.render(into: &buffer, context: DrawContext())
        #expect(buffer.text.contains("FGSM (Goodfellow et al. 2015)"))
        assertSnapshot(buffer.text, named: "robustness-explain-\(size.width)x\(size.height)")
        // The Model box carries the current step's figures once measured.
        _ = m.update(.key(.char("1")), now: 3)
        buffer = CellBuffer(size: m.size)
        m.render(into: &buffer, context: DrawContext())
        #expect(buffer.text.contains("FGSM 0.1 42.0%"), "\(buffer.text)")
    }

    @Test func measuresEveryStepOnARealThreadWhileFramesAndKeysArrive() throws {
        let h = try H()
        let (_, inline) = h.run(
            Size(width: 120, height: 40),
            H.keys(.right, 50) + [.key(.enter), .key(.char("g"))] + H.keys(.right, 40) + [.key(.enter), .interrupt])
        _ = inline
        let driver = FrameDriver { post in
            ExplorerApp.make(
                session: h.session, bundle: h.bundle, size: Size(width: 80, height: 24), worker: ThreadWorker(), post: post,
                measureInference: false)
        }
        let keys: [AppEvent<ExplorerMessage>] = [
            .key(.char("5")), .resize(Size(width: 160, height: 48)), .key(.char("x")), .key(.char("x")), .key(.char("?")),
            .key(.escape), .key(.char("1")), .key(.char("5")), .resize(Size(width: 80, height: 24)), .key(.char("T")),
        ]
        var i = 0
        let deadline = Date().addingTimeInterval(300)
        while Date() < deadline, driver.app.model.robustness.byStep.count < 3 || driver.app.model.robustness.inFlight != nil {
            driver.step(i < 200 ? keys[i % keys.count] : nil)
            i += 1
            Thread.sleep(forTimeInterval: 0.002)
        }
        driver.shutDown()
        let model = driver.app.model
        #expect(model.robustness.byStep.keys.sorted() == [0, 1, 2])
        // Each figure is the one the engine gives for that step's model measured alone.
        let train = h.bundle.train, validation = h.bundle.validation
        for index in [0, 2] {
            let alone = try RobustnessReport.measure(
                h.session.model(atStep: index), train: train, validation: validation, settings: RobustnessCache.settings,
                range: h.bundle.inputRange)
            #expect(model.robustness.byStep[index]?.report == alone, "step \(index)")
        }
        #expect(h.session.steps == model.session.history, "the measurement changed no step")
    }
}
