import Foundation
import PruneKit
import Testing

@testable import PruneApps
@testable import PruneTUI

/// `open CHECKPOINT --evaluator CMD`: the inspector asks the user's
/// evaluator about the cut on screen, one request at a time, cancels the
/// stale one when the slider moves on, and shows the primary metric.
@Suite struct InspectorEvaluationTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let numpyAvailable: Bool = {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "python3 -c 'import numpy' 2>/dev/null"]
        do { try p.run() } catch { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }()
    static let hello = EvaluatorHello(
        name: "test", metrics: [EvaluatorMetric(name: "accuracy", better: .higher), EvaluatorMetric(name: "loss", better: .lower)],
        tensors: ["0.weight", "2.weight", "4.weight"], samples: 359)

    /// digits-mlp's weights as a bare checkpoint (no model.json beside it).
    final class Checkpoint {
        let directory: URL
        let archive: any TensorArchive
        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("ps-inspect-eval-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let path = directory.appendingPathComponent("digits.safetensors").path
            try FileManager.default.copyItem(
                atPath: InspectorEvaluationTests.root.appendingPathComponent("SampleModels/digits-mlp/weights.safetensors").path,
                toPath: path)
            archive = try openTensorArchive(path: path)
        }
        deinit { try? FileManager.default.removeItem(at: directory) }
    }

    @Test func aMoveCancelsTheStaleEvaluationAndTheNewestIsShown() throws {
        let checkpoint = try Checkpoint()
        var model = InspectorModel(archive: checkpoint.archive, size: Size(width: 120, height: 40), evaluator: Self.hello)
        _ = model.update(.message(.loaded(try CheckpointInspector.inspect(checkpoint.archive))), now: 0)
        #expect(model.evaluationSummary == "accuracy …")
        let first = model.tick(now: 0.03).effects
        guard case .evaluate(let g1, let cut)? = first.first else {
            Issue.record("no evaluation asked for: \(first)")
            return
        }
        #expect(cut.tensors == ["0.weight", "2.weight", "4.weight"] && cut.amount == 0.5 && cut.scope == .global)
        // The slider moves while it runs: the runner is told to cancel, and
        // nothing new starts until the old one answers.
        let moved = model.update(.key(.right), now: 0.05).effects
        #expect(moved == [.cancelEvaluation])
        #expect(model.tick(now: 0.06).effects.isEmpty)
        _ = model.update(.message(.evaluated(generation: g1, nil)), now: 0.07)
        let second = model.tick(now: 0.09).effects
        guard case .evaluate(let g2, let cut2)? = second.first else {
            Issue.record("the new cut was not evaluated: \(second)")
            return
        }
        #expect(g2 > g1 && abs(cut2.amount - 0.51) < 1e-9)
        _ = model.update(
            .message(.evaluated(generation: g2, EvaluatorResult(metrics: ["accuracy": 0.9321, "loss": 0.3], samples: 359, seconds: 0.1))),
            now: 0.1)
        #expect(model.evaluationSummary == "accuracy 93.21%")
        var buffer = CellBuffer(size: model.size)
        model.render(into: &buffer, context: DrawContext(theme: .builtinDefault, glyphs: .unicode, now: 0.1))
        #expect(buffer.text.contains("accuracy 93.21%"))
    }

    @Test func aFailureIsShownAndTheNextMoveTriesAgain() throws {
        let checkpoint = try Checkpoint()
        var model = InspectorModel(archive: checkpoint.archive, size: Size(width: 120, height: 40), evaluator: Self.hello)
        _ = model.update(.message(.loaded(try CheckpointInspector.inspect(checkpoint.archive))), now: 0)
        guard case .evaluate(let g, _)? = model.tick(now: 0.03).effects.first else {
            Issue.record("no evaluation asked for")
            return
        }
        _ = model.update(.message(.evaluationFailed(generation: g, "evaluator 'x': exited with status 1")), now: 0.1)
        #expect(model.evaluationSummary == "accuracy failed")
        #expect(model.tick(now: 0.2).effects.isEmpty)
        _ = model.update(.key(.right), now: 0.3)
        #expect(model.tick(now: 0.33).effects.count == 1)
    }

    @Test(.enabled(if: numpyAvailable, "needs python3 with numpy")) func theNumpyEvaluatorDrivesTheRealScreen() throws {
        let checkpoint = try Checkpoint()
        let evaluator = try ExternalEvaluator(
            settings: EvaluatorSettings(
                command: "python3 '\(Self.root.path)/evaluators/numpy_mlp.py' --model '\(Self.root.path)/SampleModels/digits-mlp'",
                startupTimeout: 30, timeout: 30,
                logPath: checkpoint.directory.appendingPathComponent("evaluator.log").path))
        let hello = try evaluator.start()
        let size = Size(width: 140, height: 40)
        // Each nil frame lets a tick launch work; the inline worker answers before the next event.
        let term = InMemoryTerminal(size: size, script: [nil, nil, nil, .key(.end), nil, nil, nil, .key(.char("q"))])
        let mailbox = Mailbox<InspectorMessage>()
        var app = InspectorApp.make(
            archive: checkpoint.archive, size: size, worker: InlineWorker(), post: { mailbox.post($0) },
            evaluator: (hello, evaluator))
        app.startLoading()
        let runner = AppRunner(app: app, driver: term, mailbox: mailbox)
        runner.run()
        let summary = try #require(runner.app.model.evaluationSummary)
        #expect(summary.hasPrefix("accuracy "))
        #expect(runner.app.model.slider.value > 0.99)
        // At 99.9 % global sparsity the digits MLP is near chance.
        let accuracy = try #require(runner.app.model.evaluation.value?.metrics["accuracy"])
        #expect(accuracy < 0.5)
    }
}
