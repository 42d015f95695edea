import Foundation
import Testing

@testable import PruneKit

/// The evaluator protocol against real child processes: the numpy
/// evaluator in `evaluators/` (where python3 with numpy is installed) and
/// small shell scripts that misbehave on purpose.
@Suite struct ExternalEvaluatorTests {
    /// Whether `python3` here can import `module`.
    static func pythonImports(_ module: String) -> Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "python3 -c 'import \(module)' 2>/dev/null"]
        do { try p.run() } catch { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }

    static let numpyAvailable = pythonImports("numpy")
    static let torchAvailable = pythonImports("torch")

    static func numpyCommand(_ model: String) -> String {
        "python3 '\(packageRoot.path)/evaluators/numpy_mlp.py' --model '\(packageRoot.path)/SampleModels/\(model)'"
    }

    static func evaluator(_ command: String, timeout: Double = 20) throws -> ExternalEvaluator {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("evaluator-test-\(UUID().uuidString).log").path
        return try ExternalEvaluator(settings: EvaluatorSettings(command: command, startupTimeout: 20, timeout: timeout, logPath: log))
    }

    /// A shell evaluator that says hello and then runs `then` for each request line.
    static func script(
        hello: String = #"{"type":"hello","protocol":1,"name":"sh","metrics":[{"name":"accuracy","better":"higher"}],"tensors":["w"]}"#,
        then: String
    ) -> String {
        "printf '%s\\n' '\(hello)'; while read -r line; do \(then); done"
    }

    @Test(.enabled(if: numpyAvailable)) func numpyEvaluatorMatchesTheBuiltInEvaluation() throws {
        let bundle = try ModelBundle.load(path: packageRoot.appendingPathComponent("SampleModels/digits-mlp").path)
        let session = try PruningSession(model: bundle.model)
        try session.prune(PruneRequest(scope: .global, amount: .sparsity(0.9)))
        let builtIn = evaluate(bundle.model, on: bundle.validation)
        let evaluator = try Self.evaluator(Self.numpyCommand("digits-mlp"))
        let hello = try evaluator.start()
        #expect(hello.primary == EvaluatorMetric(name: "accuracy", better: .higher))
        #expect(hello.tensors == ["0.weight", "2.weight", "4.weight"])
        #expect(hello.samples == bundle.validation.count)
        let result = try #require(try evaluator.evaluate(masks: PrunedWeightsExport.maskEntries(model: bundle.model)))
        #expect(result.samples == bundle.validation.count)
        #expect(abs((result.metrics["accuracy"] ?? -1) - builtIn.accuracy) <= 1.0 / Double(bundle.validation.count))
        #expect(abs((result.metrics["loss"] ?? -1) - Double(builtIn.loss)) < 1e-3)
        // A limit evaluates fewer samples; the same evaluator answers again.
        let limited = try #require(try evaluator.evaluate(masks: [], limit: 50))
        #expect(limited.samples == 50)
    }

    @Test(.enabled(if: numpyAvailable)) func weightsReplaceTheModelsOwn() throws {
        let bundle = try ModelBundle.load(path: packageRoot.appendingPathComponent("SampleModels/digits-mlp").path)
        let evaluator = try Self.evaluator(Self.numpyCommand("digits-mlp"))
        // Every weight zero: every logit is the last layer's bias, one class for all samples.
        let zeros = bundle.model.parameters.map { p in
            SafetensorsEntry(name: p.name, tensor: p.role == .weight ? Tensor(shape: p.value.shape) : p.value)
        }
        let result = try #require(try evaluator.evaluate(masks: [], weights: (key: "zeros", entries: { zeros })))
        let counts = Dictionary(grouping: bundle.validation.labels, by: { $0 }).mapValues(\.count)
        let bias = try #require(bundle.model.parameters.last?.value.data)
        let predicted = bias.indices.max { bias[$0] < bias[$1] } ?? 0
        #expect(result.metrics["accuracy"] == Double(counts[predicted] ?? 0) / Double(bundle.validation.count))
    }

    /// The generic PyTorch evaluator with the user-side example code in
    /// evaluators/examples: the same figures as PruneScope's own evaluation.
    @Test(.enabled(if: torchAvailable, "needs python3 with torch")) func torchEvaluatorMatchesTheBuiltInEvaluation() throws {
        let bundle = try ModelBundle.load(path: packageRoot.appendingPathComponent("SampleModels/digits-mlp").path)
        try PruningSession(model: bundle.model).prune(PruneRequest(scope: .global, amount: .sparsity(0.95)))
        let builtIn = evaluate(bundle.model, on: bundle.validation)
        let root = packageRoot.path
        let evaluator = try Self.evaluator(
            "PYTHONPATH='\(root)/evaluators/examples' python3 '\(root)/evaluators/torch_evaluator.py' --device cpu "
                + "--checkpoint '\(root)/SampleModels/digits-mlp/weights.safetensors' "
                + "--model digits_torch:make_model --data digits_torch:validation_loader")
        let result = try #require(try evaluator.evaluate(masks: PrunedWeightsExport.maskEntries(model: bundle.model)))
        #expect(result.samples == bundle.validation.count)
        #expect(abs((result.metrics["accuracy"] ?? -1) - builtIn.accuracy) <= 1.0 / Double(bundle.validation.count))
        #expect(abs((result.metrics["loss"] ?? -1) - Double(builtIn.loss)) < 1e-3)
        // Each request masks the original weights: no masks again is the unpruned model.
        let unpruned = try #require(try evaluator.evaluate(masks: []))
        #expect(abs((unpruned.metrics["accuracy"] ?? -1) - 351.0 / 359.0) < 1e-6)
    }

    /// A nested `.pt` (`{"state_dict": ..., "epoch": 3}`) reads in PruneScope
    /// as `state_dict.<name>`: the torch evaluator speaks those names.
    @Test(.enabled(if: torchAvailable, "needs python3 with torch")) func torchEvaluatorSpeaksTheNamesOfANestedCheckpoint() throws {
        let root = packageRoot.path
        let pt = FileManager.default.temporaryDirectory.appendingPathComponent("nested-\(UUID().uuidString.prefix(8)).pt").path
        defer { try? FileManager.default.removeItem(atPath: pt) }
        let save = Process()
        save.executableURL = URL(fileURLWithPath: "/bin/sh")
        save.arguments = [
            "-c",
            "python3 -c \"import sys, torch; from safetensors.torch import load_file; "
                + "torch.save({'state_dict': load_file(sys.argv[1]), 'epoch': 3}, sys.argv[2])\" "
                + "'\(root)/SampleModels/digits-mlp/weights.safetensors' '\(pt)'",
        ]
        try save.run()
        save.waitUntilExit()
        #expect(save.terminationStatus == 0)
        let evaluator = try Self.evaluator(
            "PYTHONPATH='\(root)/evaluators/examples' python3 '\(root)/evaluators/torch_evaluator.py' --device cpu "
                + "--checkpoint '\(pt)' --model digits_torch:make_model --data digits_torch:validation_loader")
        #expect(try evaluator.start().tensors == ["state_dict.0.weight", "state_dict.2.weight", "state_dict.4.weight"])
        let file = try openTensorArchive(path: pt)
        let masks = try CheckpointPruning.magnitudeMasks(
            file, names: ["state_dict.0.weight", "state_dict.2.weight", "state_dict.4.weight"], scope: .global, nOfM: nil,
            amount: 0.999
        ).masks
        let result = try #require(try evaluator.evaluate(masks: PrunedWeightsExport.maskEntries(masks)))
        #expect((result.metrics["accuracy"] ?? 1) < 0.5)
    }

    @Test func anEvaluatorThatCrashesMidRequestIsNamedAndRestartable() throws {
        let evaluator = try Self.evaluator(Self.script(then: "exit 3"))
        #expect(throws: ExternalEvaluatorError.self) { try evaluator.evaluate(masks: []) }
        do {
            _ = try evaluator.evaluate(masks: [])
            Issue.record("a crashing evaluator answered")
        } catch {
            #expect(error.description.contains("exited with status 3 during evaluate #"))
            #expect(error.description.contains("its stderr: "))
        }
    }

    @Test func aHangIsStoppedAtTheTimeout() throws {
        let evaluator = try Self.evaluator(Self.script(then: "sleep 30"), timeout: 0.5)
        do {
            _ = try evaluator.evaluate(masks: [])
            Issue.record("a hanging evaluator answered")
        } catch {
            #expect(error.failure == .timedOut(seconds: 0.5, during: "evaluate #1"))
        }
    }

    @Test func garbageOnStdoutIsQuotedNotTrusted() throws {
        let evaluator = try Self.evaluator(Self.script(then: "echo 'loading weights... 100%'"))
        do {
            _ = try evaluator.evaluate(masks: [])
            Issue.record("garbage was taken as an answer")
        } catch {
            #expect(error.description.contains("printed not a protocol message: 'loading weights... 100%'"))
        }
    }

    @Test func anotherProtocolVersionIsRefusedAtHello() throws {
        let hello = #"{"type":"hello","protocol":2,"metrics":[{"name":"accuracy","better":"higher"}],"tensors":[]}"#
        let evaluator = try Self.evaluator(Self.script(hello: hello, then: "true"))
        #expect(throws: ExternalEvaluatorError.self) { try evaluator.start() }
    }

    @Test func aReportedErrorFailsOneRequestOnly() throws {
        let answer = #"{"type":"error","id":1,"message":"CUDA out of memory"}"#
        let result = #"{"type":"result","id":2,"metrics":{"accuracy":0.5},"samples":10,"seconds":0.1}"#
        let evaluator = try Self.evaluator(
            Self.script(then: "case \"$line\" in *'\"id\":1'*) echo '\(answer)';; *) echo '\(result)';; esac"))
        do {
            _ = try evaluator.evaluate(masks: [])
            Issue.record("an error was taken as a result")
        } catch {
            #expect(error.failure == .reported("CUDA out of memory"))
        }
        #expect(try evaluator.evaluate(masks: [])?.metrics == ["accuracy": 0.5])
    }

    @Test func cancellingTellsTheEvaluatorAndReturnsNil() throws {
        // Answers a cancel with "cancelled" and ignores the evaluate itself.
        let evaluator = try Self.evaluator(
            Self.script(then: #"case "$line" in *cancel*) echo '{"type":"cancelled","id":1}';; esac"#))
        let started = Date()
        let result = try evaluator.evaluate(masks: []) { Date().timeIntervalSince(started) > 0.2 }
        #expect(result == nil)
    }

    @Test func anEvaluatorThatNeverStartsIsNamed() throws {
        let evaluator = try Self.evaluator("exit 127")
        do {
            try evaluator.start()
            Issue.record("a missing evaluator started")
        } catch {
            #expect(error.description.hasPrefix("evaluator 'exit 127': exited with status 127 before its hello"))
        }
    }
}
