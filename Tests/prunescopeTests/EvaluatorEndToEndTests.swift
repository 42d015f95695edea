import Foundation
import Testing

/// `--evaluator` through the real binary: the numpy evaluator as a child
/// process measures what PruneScope's own evaluation measures; a broken
/// evaluator is one line and exit status 1; the inspector under tmux shows
/// the evaluator's accuracy and follows the slider.
@Suite(.serialized) struct EvaluatorEndToEndTests {
    static let numpyAvailable = (try? PyTorchExportCheckTests.python(["-c", "import numpy"]).status) == 0

    static let evaluator = "python3 evaluators/numpy_mlp.py --model SampleModels/digits-mlp"

    struct Sweep: Decodable, Equatable {
        struct Point: Decodable, Equatable { var tensor: String; var sparsity: Double; var accuracy: Double }
        var baselineAccuracy: Double
        var points: [Point]
    }

    static func sweep(_ args: [String]) throws -> Sweep {
        let result = try Binary.run(["sensitivity"] + args + ["--sparsities", "0.5,0.9", "--json", "--no-progress"])
        #expect(result.status == 0, "\(result.stderr)")
        return try JSONDecoder().decode(Sweep.self, from: Data(result.stdout.utf8))
    }

    /// A copy of digits-mlp's weights with no model.json beside it.
    static func bareCheckpoint() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ps-eval-e2e-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("digits.safetensors")
        try FileManager.default.copyItem(
            at: Binary.packageRoot.appendingPathComponent("SampleModels/digits-mlp/weights.safetensors"), to: path)
        return path
    }

    @Test(.enabled(if: numpyAvailable, "needs python3 with numpy"))
    func sensitivityThroughTheEvaluatorMatchesTheBuiltInSweep() throws {
        let builtIn = try Self.sweep(["SampleModels/digits-mlp"])
        let external = try Self.sweep(["SampleModels/digits-mlp", "--evaluator", Self.evaluator])
        let checkpoint = try Self.bareCheckpoint()
        defer { try? FileManager.default.removeItem(at: checkpoint.deletingLastPathComponent()) }
        let bare = try Self.sweep([checkpoint.path, "--evaluator", Self.evaluator])
        #expect(builtIn.points.count == 6)
        // Accuracy is a count over 359 samples: the same masks give the same count.
        for other in [external, bare] {
            #expect(other.points.map(\.tensor) == builtIn.points.map(\.tensor))
            for (a, b) in zip(other.points, builtIn.points) { #expect(abs(a.accuracy - b.accuracy) < 1e-9) }
            #expect(abs(other.baselineAccuracy - builtIn.baselineAccuracy) < 1e-9)
        }
    }

    @Test func aBrokenEvaluatorIsOneLineAndExitStatusOne() throws {
        let checkpoint = try Self.bareCheckpoint()
        defer { try? FileManager.default.removeItem(at: checkpoint.deletingLastPathComponent()) }
        for (command, expected) in [
            ("exit 4", "exited with status 4 before its hello"),
            ("echo hello there", "printed not a protocol message instead of hello: 'hello there'"),
        ] {
            let result = try Binary.run(["sensitivity", checkpoint.path, "--evaluator", command, "--no-progress"])
            #expect(result.status == 1)
            let lines = result.stderr.split(separator: "\n").filter { !$0.hasPrefix("[") }
            #expect(lines.count == 1 && lines[0].contains(expected), "\(result.stderr)")
        }
        let none = try Binary.run(["sensitivity", checkpoint.path, "--no-progress"])
        #expect(none.status == 1 && none.stderr.contains("give --evaluator"))
    }

    @Test(.enabled(if: numpyAvailable, "needs python3 with numpy"))
    func theInspectorShowsTheEvaluatorsAccuracyLive() throws {
        let checkpoint = try Self.bareCheckpoint()
        defer { try? FileManager.default.removeItem(at: checkpoint.deletingLastPathComponent()) }
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("ps-eval-\(UUID().uuidString).pid")
        let tmux = try Tmux(
            command: Tmux.restoringScript(["open", checkpoint.path, "--evaluator", Self.evaluator], pidFile: pidFile),
            width: 140, height: 40, directory: Binary.packageRoot, name: "evaluator")
        defer { tmux.kill() }
        // 50 % global: the digits MLP keeps its unpruned 97.77 %.
        _ = try tmux.waitFor(timeout: 30, "the evaluator's accuracy at 50 %") {
            $0.contains("global 50.0%") && $0.contains("accuracy 97.77%")
        }
        try tmux.send("End")
        let screen = try tmux.waitFor(timeout: 30, "the evaluator's accuracy at 99.9 %") {
            $0.contains("global 99.9%") && $0.contains("accuracy ") && !$0.contains("accuracy 97.77%") && !$0.contains("accuracy …")
        }
        #expect(!screen.contains("failed"))
        try tmux.send("q")
        _ = try tmux.waitFor(timeout: 10, "a clean exit") { $0.contains("PROGRAM-EXIT code=0 stty=same") }
    }

    struct Report: Decodable {
        struct Step: Decodable {
            struct Metrics: Decodable { var accuracy: Double? }
            var metrics: Metrics
        }
        var history: [Step]
    }

    /// Every step's accuracy, retrained weights included (sent to the
    /// evaluator as a weights file), equals the built-in evaluation's.
    @Test(.enabled(if: numpyAvailable, "needs python3 with numpy"))
    func pruneThroughTheEvaluatorReportsTheSameAccuracies() throws {
        var reports = [[Double?]]()
        for extra in [[], ["--evaluator", Self.evaluator]] {
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("ps-eval-prune-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: out) }
            let result = try Binary.run(
                [
                    "prune", "SampleModels/digits-mlp", "--sparsity", "0.9", "--schedule", "iterative", "--rounds", "2",
                    "--retrain-epochs", "1", "--out", out.path, "--no-progress",
                ] + extra)
            #expect(result.status == 0, "\(result.stderr)")
            let report = try JSONDecoder().decode(Report.self, from: Data(contentsOf: out.appendingPathComponent("report.json")))
            reports.append(report.history.map(\.metrics.accuracy))
        }
        #expect(reports[0].count == 5 && reports[0].allSatisfy { $0 != nil })
        #expect(reports[0] == reports[1])
    }

    @Test(.enabled(if: numpyAvailable, "needs python3 with numpy"))
    func theExplorerPreviewsThroughTheEvaluator() throws {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("ps-eval-\(UUID().uuidString).pid")
        let tmux = try Tmux(
            command: Tmux.restoringScript(["open", "SampleModels/digits-mlp", "--evaluator", Self.evaluator], pidFile: pidFile),
            width: 130, height: 40, directory: Binary.packageRoot, name: "evaluator")
        defer { tmux.kill() }
        _ = try tmux.waitFor(timeout: 30, "the explorer") { $0.contains("val acc 97.77% (start 97.77%)") }
        try tmux.send(Array(repeating: "Right", count: 90))
        _ = try tmux.waitFor(timeout: 30, "a preview from the evaluator") { $0.contains("· preview ") && !$0.contains("preview …") }
        try tmux.send("q")
        _ = try tmux.waitFor(timeout: 10, "a clean exit") { $0.contains("PROGRAM-EXIT code=0 stty=same") }
    }
}
