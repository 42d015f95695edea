import Foundation
import Testing

/// The robustness & privacy screen in the real explorer under tmux: press 5
/// on lenet-300-100 and watch every step's figures arrive while keys work.
@Suite(.serialized) struct RobustnessScreenEndToEndTests {
    @Test func pressingFiveMeasuresEveryStep() throws {
        let pid = FileManager.default.temporaryDirectory.appendingPathComponent("ps-robustness-\(UUID().uuidString).pid")
        // A fresh working directory: the journal of the unsaved steps goes there, not into the next run.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ps-robustness-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let tmux = try Tmux(
            command: Tmux.restoringScript(["open", "lenet-300-100"], pidFile: pid), width: 160, height: 48,
            directory: directory, name: "robustness")
        defer { tmux.kill() }
        try tmux.waitForFrame(timeout: 30, "the explorer on lenet-300-100") {
            $0.showsHints && $0.header.contains("lenet-300-100 (mnist5k)") && $0.bottom.contains("1-6 views")
        }
        try tmux.send("5")
        var screen = try tmux.waitForFrame(timeout: 120, "step 0's figures") {
            $0.text.contains("Robustness & privacy") && Self.row($0.text, "*0").map { $0.contains("%") && $0.contains("0.5") } == true
        }
        // The figures are the command line's for the same model (clean 94.0 %, FGSM 0.1 32.5 %).
        let start = try #require(Self.row(screen.text, "*0"))
        #expect(start.contains("94.0%") && start.contains("32.5%"), "\(start)")

        // Prune globally to 90 % on the explore screen, then come back: the new step is measured, step 0 kept.
        try tmux.send("1", "g", "t")
        try tmux.send("90%", literal: true)
        try tmux.send("Enter")
        try tmux.waitForFrame(timeout: 20, "the preview at 90 %") { $0.text.contains("90.0%*") }
        try tmux.send("Enter")
        try tmux.waitForFrame(timeout: 60, "step 1/1") { $0.showsHints && $0.step == "1/1" }
        try tmux.send("5")
        screen = try tmux.waitForFrame(timeout: 120, "both steps' figures") { s in
            guard let one = Self.row(s.text, "*1"), let zero = Self.row(s.text, "0") else { return false }
            return one.contains("90.0") && one.filter { $0 == "%" }.count >= 5 && zero.contains("32.5%")
        }
        #expect(!screen.text.contains("measuring step"))
        // The formulas carry the current numbers; the Model box has the line.
        try tmux.send("x")
        try tmux.waitForFrame(timeout: 10, "the explanation") {
            $0.text.contains("FGSM (Goodfellow et al. 2015)") && $0.text.contains("AUC 0.5")
        }
        try tmux.send("x", "1")
        try tmux.waitForFrame(timeout: 10, "the Model box line") { $0.text.contains("robust: FGSM 0.1 ") || $0.text.contains("FGSM 0.1 ") }
    }

    /// The table row whose first cell is `id` ("*1" for the current step).
    static func row(_ text: String, _ id: String) -> String? {
        text.split(separator: "\n").map(String.init).first { line in
            guard let bar = line.lastIndex(of: "│") else { return false }
            let table = line[..<bar].split(separator: "│").last.map(String.init) ?? ""
            let cells = table.replacingOccurrences(of: "▶", with: " ").split(separator: " ")
            return cells.first.map(String.init) == id && cells.count >= 8
        }
    }
}
