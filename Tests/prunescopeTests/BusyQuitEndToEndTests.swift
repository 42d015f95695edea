import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// q, Ctrl-C and SIGTERM while the UI thread is stuck: `prunescope demo
/// --stall-key` computes for 60 s on the UI thread after z, reading no key.
/// Each way out must end the program well before the stall would (the waits
/// below give up after 20 s) with the terminal restored.
@Suite(.serialized) struct BusyQuitEndToEndTests {
    /// Starts the demo under tmux, presses z, and returns the session and the program's pid.
    static func stalledDemo(name: String) throws -> (Tmux, Int32, URL) {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("ps-busy-\(UUID().uuidString).pid")
        let tmux = try Tmux(
            command: TerminalSignalEndToEndTests.script(["demo", "--stall-key"], pidFile: pidFile), width: 80, height: 24,
            directory: Binary.packageRoot, name: name)
        try tmux.waitFor(timeout: 20, "the demo's first frame") { $0.contains("PruneTUI demo") && $0.contains("Layers") }
        let text = try String(contentsOf: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let pid = try #require(Int32(text))
        try tmux.send("z")
        // Give the key time to reach the UI thread and start the stall.
        Thread.sleep(forTimeInterval: 0.5)
        return (tmux, pid, pidFile)
    }

    @Test func qEndsAStuckProgram() throws {
        let (tmux, _, pidFile) = try Self.stalledDemo(name: "busyq")
        defer { tmux.kill(); try? FileManager.default.removeItem(at: pidFile) }
        try tmux.send("q")
        let after = try tmux.waitFor(timeout: 20, "PROGRAM-EXIT") { $0.contains("PROGRAM-EXIT") }
        #expect(after.contains("PROGRAM-EXIT code=0 stty=same sane=yes"), "\(after)")
        #expect(after.contains("quit with q while the screen was busy"), "\(after)")
        #expect(!after.contains("Layers"), "the screen should be gone (alternate screen left)")
    }

    @Test func ctrlCEndsAStuckProgram() throws {
        let (tmux, _, pidFile) = try Self.stalledDemo(name: "busyc")
        defer { tmux.kill(); try? FileManager.default.removeItem(at: pidFile) }
        try tmux.send("C-c")
        let after = try tmux.waitFor(timeout: 20, "PROGRAM-EXIT") { $0.contains("PROGRAM-EXIT") }
        #expect(after.contains("PROGRAM-EXIT code=130 stty=same sane=yes"), "\(after)")
        #expect(!after.contains("Layers"))
    }

    @Test func sigtermEndsAStuckProgram() throws {
        let (tmux, pid, pidFile) = try Self.stalledDemo(name: "busyt")
        defer { tmux.kill(); try? FileManager.default.removeItem(at: pidFile) }
        #expect(kill(pid, SIGTERM) == 0)
        let after = try tmux.waitFor(timeout: 20, "PROGRAM-EXIT") { $0.contains("PROGRAM-EXIT") }
        #expect(after.contains("PROGRAM-EXIT code=143 stty=same sane=yes"), "\(after)")
    }
}
