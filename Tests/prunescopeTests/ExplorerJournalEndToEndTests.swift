import Foundation
import Testing

/// The explorer killed with SIGKILL after two applied steps, never saved:
/// reopened in the same directory it recovers both from the journal and
/// says so; a clean quit then removes the journal.
@Suite(.serialized) struct ExplorerJournalEndToEndTests {
    static func open(in directory: URL, pidFile: URL, name: String) throws -> Tmux {
        let tmux = try Tmux(
            command: Tmux.restoringScript(["open", "SampleModels/lenet-300-100"], pidFile: pidFile), width: 160, height: 40,
            directory: directory, name: name)
        return tmux
    }

    @Test func killedExplorerRecoversItsStepsFromTheJournal() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ps-journal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let pidFile = directory.appendingPathComponent("explorer.pid")
        let journal = directory.appendingPathComponent("lenet-300-100-session/journal.psj")

        let first = try Self.open(in: directory, pidFile: pidFile, name: "journal-a")
        defer { first.kill() }
        try first.waitForFrame(timeout: 30, "the explorer") { $0.showsHints && $0.step == "0/0" && $0.row("fc3") != nil }
        #expect(!FileManager.default.fileExists(atPath: journal.path), "nothing to journal before the first step")
        for (presses, step) in [(20, "1/1"), (10, "2/2")] {
            try first.send(Array(repeating: "Right", count: presses))
            try first.waitForFrame(timeout: 20, "a preview") { ($0.row("fc1") ?? "").contains("*") }
            try first.send("Enter")
            try first.waitForFrame(timeout: 30, "step \(step)") {
                $0.showsHints && $0.step == step && !($0.row("fc1") ?? "*").contains("*")
            }
        }
        let pid = try #require(Int32(try String(contentsOf: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(kill(pid, SIGKILL) == 0)
        try first.waitFor(timeout: 20, "the kill") { $0.contains("PROGRAM-EXIT") }
        #expect(FileManager.default.fileExists(atPath: journal.path))

        let second = try Self.open(in: directory, pidFile: pidFile, name: "journal-b")
        defer { second.kill() }
        let screen = try second.waitForFrame(timeout: 60, "the recovered session") {
            $0.showsHints && $0.step == "2/2" && $0.text.contains("recovered 2 unsaved steps from the journal")
        }
        #expect((screen.row("fc1") ?? "").contains("30.0%"))
        // The recovered steps are unsaved: quitting asks, and a clean quit drops the journal.
        try second.send("q")
        try second.waitFor(timeout: 10, "the quit question") { $0.contains("Quit?") }
        try second.send("y")
        let after = try second.waitForExitAndShell()
        #expect(after.contains("PROGRAM-EXIT code=0"))
        #expect(!FileManager.default.fileExists(atPath: journal.deletingLastPathComponent().path))
    }
}
