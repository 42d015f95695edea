import Foundation
import Testing

/// The decision boundary in the real binary under tmux: open spirals-mlp,
/// press 6, move the slider, see the label and the picture change, quit.
@Suite(.serialized) struct BoundaryEndToEndTests {
    /// The picture's rows: the plot block's rows (between its borders, not
    /// the legend beside it) above the x axis and the slider.
    static func picture(_ screen: ExplorerScreen) -> [String] {
        let plot = screen.lines.dropFirst(2).compactMap { line -> String? in
            guard line.hasPrefix("┃") else { return nil }
            return String(line.split(separator: "┃", omittingEmptySubsequences: false).dropFirst().first ?? "")
        }
        return Array(plot.prefix { !$0.contains(" x0 ") && !$0.contains("[") })
    }

    /// Hollow glyphs mark validation points the model gets wrong.
    static func wrongMarks(_ rows: [String]) -> Int {
        rows.reduce(0) { $0 + $1.unicodeScalars.filter { $0 == "○" || $0 == "△" }.count }
    }

    @Test func slidingFraysTheBoundaryAndTheLabelSaysPreview() throws {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("ps-boundary-\(UUID().uuidString).pid")
        let tmux = try Tmux(
            command: Tmux.restoringScript(["open", "SampleModels/spirals-mlp"], pidFile: pidFile), width: 130, height: 34,
            directory: Binary.packageRoot, name: "bnd-boundary")
        defer { tmux.kill() }
        try tmux.waitForFrame(timeout: 30, "the explorer on spirals-mlp") { $0.showsHints && $0.header.contains("spirals-mlp") }
        try tmux.send("6")
        let step = try tmux.waitForFrame(timeout: 20, "the step's boundary") {
            $0.text.contains("Decision boundary · step 0") && $0.text.contains("val acc 98.00% (196/200)")
                && !$0.text.contains("updating")
        }
        #expect(step.bottom.contains("1-6 views"))
        let before = Self.picture(step)
        #expect(before.count > 20, "\(step.text)")
        #expect(Self.wrongMarks(before) <= 4)

        // Global scope, then 85 presses: 85 % of all prunable weights in the preview.
        try tmux.send("g")
        try tmux.send(Array(repeating: "Right", count: 85))
        let preview = try tmux.waitForFrame(timeout: 30, "the preview's boundary at 85 %") {
            $0.text.contains("Decision boundary · preview 85.0%") && !$0.text.contains("updating")
                && $0.text.contains("not applied")
        }
        let after = Self.picture(preview)
        #expect(after != before, "the picture changed with the slider")
        #expect(Self.wrongMarks(after) > Self.wrongMarks(before) + 10, "more points on the wrong side\n\(preview.text)")

        // Back to 0 %: the label returns to the step.
        try tmux.send("Home")
        try tmux.waitForFrame(timeout: 20, "the step again") {
            $0.text.contains("Decision boundary · step 0") && !$0.text.contains("updating")
        }
        try tmux.send("q")
        let exit = try tmux.waitForExitAndShell()
        #expect(exit.contains("PROGRAM-EXIT code=0 stty=same"))
    }

    /// `open --bench` times the decision grid at both sizes for a two-input model.
    @Test func benchTimesTheGridAtTwoSizes() throws {
        let r = try Binary.run(["open", "SampleModels/spirals-mlp", "--bench", "--moves", "4"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("decision grid at 80x24 (43x36 = 1,548 points): median "), "\(r.stdout)")
        #expect(r.stdout.contains("decision grid at 160x48 (111x84 = 9,324 points): median "), "\(r.stdout)")
    }
}
