import Foundation
import PruneKit
import Testing

/// A newcomer's path through the real explorer under tmux: open the default
/// model, move fc1's slider, apply, retrain an epoch, undo, go global,
/// export, quit; then the exported files are checked.
///
/// The slider moves one point of sparsity per → press; Enter and `r` run as
/// background jobs whose progress takes the bottom line; messages appear at
/// the right of the hint line. Every wait asks for a whole frame (the
/// bottom line is drawn last) before reading the screen.
@Suite(.serialized) struct ExplorerEndToEndTests {
    static func pidFile() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("ps-explorer-\(UUID().uuidString).pid")
    }

    @Test func newcomersPath() throws {
        // A short path: the export prompt shows it whole, so the test can read it back.
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ps-e2e-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: out) }
        let tmux = try Tmux(
            command: Tmux.restoringScript([], pidFile: Self.pidFile()), width: 120, height: 40,
            directory: Binary.packageRoot, name: "explore")
        defer { tmux.kill() }
        var screen = try tmux.waitForFrame(timeout: 30, "the explorer on lenet-300-100") {
            $0.showsHints && $0.header.contains("lenet-300-100 (mnist5k)") && $0.text.contains("fc1.weight")
                && $0.bottom.contains("Enter apply") && $0.row("fc3") != nil
        }
        #expect(screen.header.contains("val acc 94.00%"))
        #expect(screen.step == "0/0")
        let before = try #require(screen.row("fc1"))
        #expect(before.contains("0.0%"))
        #expect(screen.shadedAxis == nil, "no pruned range on the histogram axis yet")

        // 20 presses: 20 points of sparsity on fc1, shaded on the histogram's axis; the accuracy preview arrives.
        try tmux.send(Array(repeating: "Right", count: 20))
        screen = try tmux.waitForFrame(timeout: 20, "fc1's preview at 20%, caption and shading") {
            ($0.row("fc1") ?? "").contains("20.0%*") && $0.header.contains("· preview ")
                && $0.text.contains("prune |w| < 0.0") && $0.text.contains("20.0% of fc1") && $0.shadedAxis != nil
        }
        #expect(screen.row("fc1") != before)

        // Apply (a background job), then retrain one epoch: the loss curve grows while keys still respond.
        try tmux.send("Enter")
        try tmux.waitForFrame(timeout: 30, "step 1/1 with nothing pending") {
            $0.showsHints && $0.step == "1/1" && !($0.row("fc1") ?? "*").contains("*")
        }
        try tmux.send("r")
        try tmux.waitForFrame(timeout: 20, "the retrain job line") { $0.showsJob && $0.bottom.contains("retrain") }
        try tmux.send("2")
        try tmux.waitForFrame(timeout: 10, "history during the retrain") { $0.text.contains("History (") }
        try tmux.resize(width: 100, height: 32)
        try tmux.send("1")
        screen = try tmux.waitForFrame(timeout: 180, "the retrain step and its loss curve") {
            $0.showsHints && $0.step == "2/2" && ($0.text.contains("⣀") || $0.text.contains("⠉") || $0.text.contains("⢄"))
        }
        try tmux.resize(width: 120, height: 40)

        // Undo the retrain: back at step 1 of 2.
        try tmux.send("u")
        try tmux.waitForFrame(timeout: 10, "undo") { $0.step == "1/2" && $0.bottom.contains("undid: retrain") }

        // Global scope: one slider over all layers.
        try tmux.send("g")
        try tmux.waitForFrame(timeout: 10, "global scope") { $0.text.contains("global |w| <") }
        try tmux.send(Array(repeating: "Right", count: 6))
        screen = try tmux.waitForFrame(timeout: 20, "a global preview") { ($0.row("fc2") ?? "").contains("*") }
        try tmux.send("Enter")
        try tmux.waitForFrame(timeout: 30, "the global step") {
            $0.showsHints && $0.step == "2/2" && !($0.row("fc2") ?? "*").contains("*")
        }

        // Export to a fresh directory: the prefilled path is selected, so typing replaces it.
        try tmux.exportFromExplorer(to: out.path, timeout: 60)

        // Exported: q quits at once, the terminal comes back as it was.
        try tmux.send("q")
        let after = try tmux.waitForExitAndShell()
        #expect(after.contains("PROGRAM-EXIT code=0 stty=same"))
        #expect(!after.contains("Enter apply"), "the explorer's screen should be gone (alternate screen left)")

        let weights = try SafetensorsFile(contentsOf: out.appendingPathComponent("model.safetensors").path)
        #expect(Set(weights.tensors.map(\.name)) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"])
        let masks = try SafetensorsFile(contentsOf: out.appendingPathComponent("masks.safetensors").path)
        #expect(masks.tensors.contains { $0.name == "fc1.weight_mask" })
        let report = try String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(report.contains("global"))
        // The saved session resumes at the exported step.
        let bundle = try ModelBundle.load(path: Binary.packageRoot.appendingPathComponent("SampleModels/lenet-300-100").path)
        let session = try PruningSession.load(
            from: out.appendingPathComponent("session").path, model: bundle.model,
            train: bundle.train, validation: bundle.validation)
        #expect(session.cursor == 2)
        #expect(session.steps.map(\.kind) == [.start, .prune, .prune])
    }

    @Test func quitDuringRetrainAsksAndRestoresTheTerminal() throws {
        let tmux = try Tmux(
            command: Tmux.restoringScript(["open", "SampleModels/lenet-300-100"], pidFile: Self.pidFile()),
            width: 80, height: 24, directory: Binary.packageRoot, name: "quit")
        defer { tmux.kill() }
        try tmux.waitForFrame(timeout: 30, "the explorer") { $0.showsHints && $0.text.contains("fc1.weight") }
        // Options: the seventh row is the retrain epochs; 4 epochs keep the retrain running while we quit.
        try tmux.send("o", "Down", "Down", "Down", "Down", "Down", "Down", "Right", "Right", "Right")
        try tmux.waitFor(timeout: 10, "4 retrain epochs") { $0.contains("retrain epochs") && $0.contains(" 4 ") }
        try tmux.send("Escape")
        try tmux.waitForFrame(timeout: 10, "options closed") { !$0.text.contains("retrain epochs") }
        try tmux.send("r")
        try tmux.waitForFrame(timeout: 20, "the retrain job") { $0.showsJob }
        try tmux.send("q")
        try tmux.waitFor(timeout: 10, "the quit question") { $0.contains("Quit?") && $0.contains("quitting cancels it") }
        let asked = Date()
        try tmux.send("y")
        try tmux.waitFor(timeout: 30, "exit") { $0.contains("PROGRAM-EXIT") }
        #expect(Date().timeIntervalSince(asked) < 15, "quitting should cancel the retrain promptly")
        let after = try tmux.waitForExitAndShell()
        #expect(after.contains("PROGRAM-EXIT code=0 stty=same"))
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
        #expect(r.stdout.contains("key to finished frame"))
        let lines = r.stdout.split(separator: "\n").map(String.init)
        // One line per slider: p50, p99 and max of the 19 moves after the first, and the first apart.
        for (line, slider) in zip(
            lines.dropFirst().prefix(2), ["  selected layer fc1 (19,200 weights): p50 ", "  global (50,200 weights): p50 "])
        {
            #expect(line.hasPrefix(slider), "\(line)")
            #expect(line.contains(" ms, p99 ") && line.contains(" ms, max ") && line.contains(" over 19 moves (CPU time p50 "), "\(line)")
            #expect(line.contains("; first move (ranks the weights) "), "\(line)")
        }
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
        let tmux = try Tmux(
            command: Tmux.restoringScript(["open", file.path, "--export-dir", out.path], pidFile: pid),
            width: 120, height: 40, name: "inspect")
        defer { tmux.kill() }
        var screen = try tmux.waitFor(timeout: 30, "the inspector") { $0.contains("inspect bert.safetensors") }
        // The help overlay opens and closes whether or not the statistics are done.
        try tmux.send("?")
        try tmux.waitFor(timeout: 10, "help") { $0.contains("Inspecting a checkpoint") }
        try tmux.send("Escape")
        screen = try tmux.waitFor(timeout: 120, "statistics") {
            $0.contains("after") && !$0.contains("reading statistics") && !$0.contains("Inspecting a checkpoint")
        }
        try tmux.send("/")
        try tmux.send("query.weight", literal: true)
        try tmux.send("Enter")
        screen = try tmux.waitFor(timeout: 10, "the filtered list") {
            $0.contains("matching \"query.weight\"") && $0.contains("prunable: ")
        }
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
