import Foundation
import PruneKit
import Testing

/// A newcomer's path through the real explorer under tmux: open the default
/// model, move fc1's slider, apply, retrain an epoch, undo, go global,
/// export, quit; then the exported files are checked.
@Suite(.serialized) struct ExplorerEndToEndTests {
    static func pidFile() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("ps-explorer-\(UUID().uuidString).pid")
    }

    /// The layer row of `name` in the layer table ("▶ fc1   300x784 ███░  51.9%*").
    static func row(_ screen: String, _ name: String) -> String? {
        screen.split(separator: "\n").first { $0.contains(" \(name) ") && $0.contains("%") }.map(String.init)
    }

    /// The header's "step N/M".
    static func step(_ screen: String) -> String? {
        guard let line = screen.split(separator: "\n").first, let r = line.range(of: "step ") else { return nil }
        return String(line[r.upperBound...].prefix { $0 != " " })
    }

    @Test func newcomersPath() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ps-explorer-e2e-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let tmux = try Tmux(command: Tmux.restoringScript([], pidFile: Self.pidFile()), width: 120, height: 40,
                            directory: Binary.packageRoot, name: "explore")
        defer { tmux.kill() }
        // The whole first frame: the hint line is drawn last.
        var screen = try tmux.waitFor(timeout: 30, "the explorer on lenet-300-100") {
            $0.contains("lenet-300-100 (mnist5k)") && $0.contains("fc1.weight") && $0.contains("Enter apply") && Self.row($0, "fc3") != nil
        }
        #expect(screen.contains("val acc 94.00%"))
        let before = try #require(Self.row(screen, "fc1"))
        #expect(before.contains("0.0%"))
        #expect(!screen.contains("░░░░┃"), "no pruned region on the histogram axis yet")

        // Slider right: fc1's sparsity and the histogram's pruned shading change; the accuracy preview arrives.
        try tmux.send("Right", "Right", "Right", "Right", "Right", "Right", "Right", "Right")
        screen = try tmux.waitFor(timeout: 20, "fc1's preview, caption and shading") {
            (Self.row($0, "fc1") ?? "").contains("*") && $0.contains("preview 9") && $0.contains("prune |w| < 0.0") && $0.contains("░░")
        }
        #expect(Self.row(screen, "fc1") != before)

        // Apply, then retrain one epoch: the loss curve grows while keys still respond.
        try tmux.send("Enter")
        try tmux.waitFor(timeout: 20, "step 1/1 with nothing pending") { Self.step($0) == "1/1" && !(Self.row($0, "fc1") ?? "*").contains("*") }
        try tmux.send("r")
        try tmux.waitFor(timeout: 20, "the retrain job line") { $0.contains("Esc cancel") }
        try tmux.send("2")
        try tmux.waitFor(timeout: 10, "history during the retrain") { $0.contains("History (") }
        try tmux.resize(width: 100, height: 32)
        try tmux.send("1")
        screen = try tmux.waitFor(timeout: 180, "the retrain step and its loss curve") {
            Self.step($0) == "2/2" && ($0.contains("⣀") || $0.contains("⠉") || $0.contains("⢄")) && $0.contains("Enter apply")
        }
        try tmux.resize(width: 120, height: 40)

        // Undo the retrain: back at step 1 of 2.
        try tmux.send("u")
        try tmux.waitFor(timeout: 10, "undo") { Self.step($0) == "1/2" && $0.contains("undid: retrain") }

        // Global scope: one slider over all layers.
        try tmux.send("g")
        try tmux.waitFor(timeout: 10, "global scope") { $0.contains("global |w| <") }
        try tmux.send("Right", "Right", "Right", "Right", "Right", "Right")
        screen = try tmux.waitFor(timeout: 20, "a global preview") { (Self.row($0, "fc2") ?? "").contains("*") }
        try tmux.send("Enter")
        try tmux.waitFor(timeout: 20, "the global step") { Self.step($0) == "2/2" }

        // Export to a fresh directory.
        try tmux.send("e")
        try tmux.waitFor(timeout: 10, "the export prompt") { $0.contains("Export pruned model") }
        try tmux.send("C-u")
        try tmux.send(out.path, literal: true)
        try tmux.send("Enter")
        screen = try tmux.waitFor(timeout: 60, "the export message") { $0.contains("wrote ") }

        // Exported: q quits at once, the terminal comes back as it was.
        try tmux.send("q")
        screen = try tmux.waitFor(timeout: 20, "exit") { $0.contains("PROGRAM-EXIT") }
        #expect(screen.contains("PROGRAM-EXIT code=0 stty=same"))

        let weights = try SafetensorsFile(contentsOf: out.appendingPathComponent("model.safetensors").path)
        #expect(Set(weights.tensors.map(\.name)) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"])
        let masks = try SafetensorsFile(contentsOf: out.appendingPathComponent("masks.safetensors").path)
        #expect(masks.tensors.contains { $0.name == "fc1.weight_mask" })
        let report = try String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(report.contains("global"))
        // The saved session resumes at the exported step.
        let bundle = try ModelBundle.load(path: Binary.packageRoot.appendingPathComponent("SampleModels/lenet-300-100").path)
        let session = try PruningSession.load(from: out.appendingPathComponent("session").path, model: bundle.model,
                                              train: bundle.train, validation: bundle.validation)
        #expect(session.cursor == 2)
        #expect(session.steps.map(\.kind) == [.start, .prune, .prune])
    }

    @Test func quitDuringRetrainAsksAndRestoresTheTerminal() throws {
        let tmux = try Tmux(command: Tmux.restoringScript(["open", "SampleModels/lenet-300-100"], pidFile: Self.pidFile()),
                            width: 80, height: 24, directory: Binary.packageRoot, name: "quit")
        defer { tmux.kill() }
        try tmux.waitFor(timeout: 30, "the explorer") { $0.contains("fc1.weight") }
        try tmux.send("o", "Down", "Down", "Down", "Down", "Down", "Down", "Right", "Right", "Right", "Escape")
        try tmux.send("r")
        try tmux.waitFor(timeout: 20, "the retrain job") { $0.contains("Esc cancel") }
        try tmux.send("q")
        try tmux.waitFor(timeout: 10, "the quit question") { $0.contains("quitting cancels it") }
        try tmux.send("y")
        let screen = try tmux.waitFor(timeout: 30, "exit") { $0.contains("PROGRAM-EXIT") }
        #expect(screen.contains("PROGRAM-EXIT code=0 stty=same"))
    }

    @Test func badModelPathIsOneLineAndNoScreen() throws {
        let r = try Binary.run(["open", "/nonexistent/model"])
        #expect(r.status == 1)
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(r.stderr.contains("/nonexistent/model"))
    }

    @Test func sliderBenchmarkReportsLatency() throws {
        let r = try Binary.run(["open", "SampleModels/digits-mlp", "--bench", "--moves", "20", "--size", "80x24"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("key to frame median"))
        #expect(r.stdout.contains("accuracy preview"))
    }
}

/// Inspection mode under tmux: a BERT-style checkpoint with no model.json
/// opens, answers keys while its statistics load, filters, exports, quits.
@Suite(.serialized) struct InspectorEndToEndTests {
    @Test func checkpointOpensAndStaysResponsiveWhileLoading() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ps-inspect-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("bert.safetensors")
        try CheckpointSynthesis.writeBERT(to: file.path, approximateBytes: 48 << 20, seed: 1)
        let out = dir.appendingPathComponent("pruned.safetensors")
        let pid = FileManager.default.temporaryDirectory.appendingPathComponent("ps-inspect-\(UUID().uuidString).pid")
        let tmux = try Tmux(command: Tmux.restoringScript(["open", file.path, "--export-dir", out.path], pidFile: pid),
                            width: 120, height: 40, name: "inspect")
        defer { tmux.kill() }
        var screen = try tmux.waitFor(timeout: 30, "the inspector") { $0.contains("inspect bert.safetensors") }
        // The help overlay opens and closes whether or not the statistics are done.
        try tmux.send("?")
        try tmux.waitFor(timeout: 10, "help") { $0.contains("Inspecting a checkpoint") }
        try tmux.send("Escape")
        screen = try tmux.waitFor(timeout: 120, "statistics") { $0.contains("after") && !$0.contains("reading statistics") && !$0.contains("Inspecting a checkpoint") }
        try tmux.send("/")
        try tmux.send("query.weight", literal: true)
        try tmux.send("Enter")
        screen = try tmux.waitFor(timeout: 10, "the filtered list") { $0.contains("matching \"query.weight\"") && $0.contains("prunable: ") }
        try tmux.send("e")
        try tmux.waitFor(timeout: 10, "the export prompt") { $0.contains("Export pruned checkpoint") }
        try tmux.send("Enter")
        screen = try tmux.waitFor(timeout: 120, "the export") { $0.contains("wrote ") }
        try tmux.send("q")
        screen = try tmux.waitFor(timeout: 20, "exit") { $0.contains("PROGRAM-EXIT") }
        #expect(screen.contains("PROGRAM-EXIT code=0 stty=same"))
        let written = try SafetensorsFile(contentsOf: out.path)
        #expect(written.metadata["prunescope.criterion"] == "magnitude")
    }

    @Test func missingCheckpointIsOneLine() throws {
        let r = try Binary.run(["open", "/nonexistent/model.safetensors"])
        #expect(r.status == 1)
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(r.stderr.contains("/nonexistent/model.safetensors"))
    }
}
