import Foundation
import PruneKit
import Testing

/// `e` to a path whose parent directories are missing, in the real program
/// under tmux: the explorer and the inspector ask before creating them (the
/// command line refuses such paths, so a typo never makes a tree unasked);
/// n leaves the file system alone, y creates them and exports.
@Suite(.serialized) struct ExportParentEndToEndTests {
    static func pidFile() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("ps-parent-\(UUID().uuidString).pid")
    }

    @Test func explorerAsksThenCreatesMissingParents() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ps-parent-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("runs/a/export")
        let tmux = try Tmux(
            command: Tmux.restoringScript([], pidFile: Self.pidFile()), width: 120, height: 40,
            directory: Binary.packageRoot, name: "parent")
        defer { tmux.kill() }
        try tmux.waitForFrame(timeout: 30, "the explorer") { $0.showsHints && $0.text.contains("fc1.weight") }
        try tmux.send(Array(repeating: "Right", count: 10) + ["Enter"])
        try tmux.waitForFrame(timeout: 30, "step 1/1") { $0.showsHints && $0.step == "1/1" }
        for answer in ["n", "y"] {
            try tmux.send("e")
            try tmux.waitForFrame(timeout: 10, "the export prompt") { $0.text.contains("Export pruned model") }
            try tmux.send(out.path, literal: true)
            try tmux.send("Enter")
            try tmux.waitForFrame(timeout: 30, "the question") {
                $0.text.contains("Create directory?") && $0.text.contains("does not exist")
            }
            #expect(!FileManager.default.fileExists(atPath: root.path), "nothing is created before the answer")
            try tmux.send(answer)
            if answer == "n" {
                try tmux.waitForFrame(timeout: 10, "the question gone") { $0.showsHints && !$0.text.contains("Create directory?") }
                #expect(!FileManager.default.fileExists(atPath: root.path), "n created a directory")
            }
        }
        try tmux.waitForFrame(timeout: 120, "the export message") { $0.showsHints && $0.bottom.contains("exported to ") }
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("model.safetensors").path))
        try tmux.send("q")
        try tmux.send("y")
        let exit = try tmux.waitFor(timeout: 20, "exit") { $0.contains("PROGRAM-EXIT") }
        #expect(exit.contains("PROGRAM-EXIT code=0 stty=same"))
    }

    @Test func inspectorAsksThenCreatesMissingParents() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ps-parent-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("bert.safetensors")
        try CheckpointSynthesis.writeBERT(to: file.path, approximateBytes: 1 << 20, hidden: 64, intermediate: 256, seed: 1)
        let out = dir.appendingPathComponent("x/y/pruned.safetensors")
        let tmux = try Tmux(
            command: Tmux.restoringScript(["open", file.path, "--export-dir", out.path], pidFile: Self.pidFile()),
            width: 120, height: 40, name: "iparent")
        defer { tmux.kill() }
        try tmux.waitFor(timeout: 60, "statistics") {
            $0.contains("inspect bert.safetensors") && $0.contains("after") && !$0.contains("reading statistics")
        }
        try tmux.send("e")
        try tmux.waitFor(timeout: 10, "the export prompt") { $0.contains("Export pruned checkpoint") }
        try tmux.send("Enter")
        try tmux.waitFor(timeout: 30, "the question") { $0.contains("Create directory?") && $0.contains("does not exist") }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("x").path))
        try tmux.send("y")
        try tmux.waitFor(timeout: 60, "the export") { $0.contains("wrote ") }
        let written = try SafetensorsFile(contentsOf: out.path)
        #expect(written.metadata["prunescope.criterion"] == "magnitude")
        try tmux.send("q")
        let exit = try tmux.waitFor(timeout: 20, "exit") { $0.contains("PROGRAM-EXIT") }
        #expect(exit.contains("PROGRAM-EXIT code=0 stty=same"))
    }
}
