import Foundation
import Testing

/// Runs the real `prunescope demo` under tmux: keys, resizes, Ctrl-C, and a
/// shell that still works afterwards (terminal modes and screen restored).
@Suite(.serialized) struct DemoEndToEndTests {
    static func script(_ args: [String], pidFile: URL) throws -> String {
        try Tmux.restoringScript(["demo"] + args, pidFile: pidFile)
    }

    static func pidFile() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("ps-e2e-\(UUID().uuidString).pid")
    }

    @Test(arguments: [(80, 24), (200, 60)])
    func demoUnderTmux(width: Int, height: Int) throws {
        let tmux = try Tmux(
            command: DemoEndToEndTests.script([], pidFile: Self.pidFile()), width: width, height: height, name: "demo\(width)")
        defer { tmux.kill() }
        // The whole first frame, not just its top lines (output arrives in pieces under load).
        var screen = try tmux.waitFor(timeout: 20, "the demo's first frame") {
            $0.contains("PruneTUI demo") && $0.contains("loss / accuracy") && $0.contains("threshold") && $0.contains("fc1 weights")
        }
        #expect(screen.contains("Layers"))
        #expect(screen.contains("fc1 weights"))
        #expect(screen.contains("threshold"))
        #expect(screen.contains("loss / accuracy"))
        let before = Self.sparsity(screen)

        // Threshold up: the header's sparsity figure grows.
        try tmux.send("Right", "Right", "Right", "Right")
        screen = try tmux.waitFor("sparsity to change") { Self.sparsity($0) != before }
        #expect((Self.sparsity(screen) ?? 0) > (before ?? 1))

        // Next layer, help overlay, close it.
        try tmux.send("Down")
        try tmux.waitFor("fc2 weights")
        try tmux.send("?")
        try tmux.waitFor("simulate retraining")
        try tmux.send("Escape")
        try tmux.waitFor(timeout: 10, "help to close") { !$0.contains("simulate retraining") }

        // Shrink below the minimum: the too-small screen; grow again: the demo.
        try tmux.resize(width: 50, height: 15)
        screen = try tmux.waitFor("need 60 x 20, have 50 x 15")
        try tmux.resize(width: width, height: height)
        screen = try tmux.waitFor(timeout: 10, "demo after resize") { $0.contains("PruneTUI demo") && $0.contains("fc2 weights") }
        let lines = screen.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count >= height - 1)

        // Ctrl-C: the demo exits, the terminal modes are as before, the shell reads a line.
        try tmux.send("C-c")
        screen = try tmux.waitFor("PROGRAM-EXIT")
        #expect(screen.contains("PROGRAM-EXIT code=130 stty=same"))
        #expect(!screen.contains("Layers"), "the demo screen should be gone (alternate screen left)")
        try tmux.send("hello-shell", literal: true)
        try tmux.send("Enter")
        try tmux.waitFor("SHELL-READ:hello-shell")
    }

    @Test func quitWithQAndAsciiLocale() throws {
        let tmux = try Tmux(
            command: DemoEndToEndTests.script(["--ascii", "--theme", "monochrome"], pidFile: Self.pidFile()), width: 80, height: 24,
            environment: ["NO_COLOR": "1"], name: "ascii")
        defer { tmux.kill() }
        let screen = try tmux.waitFor("PruneTUI demo")
        #expect(screen.contains("mono colours"))
        #expect(screen.contains("+-"), "ASCII borders expected")
        #expect(!screen.contains("│"))
        let colored = try tmux.capture(escapes: true)
        #expect(!colored.contains("38;5;"), "NO_COLOR: no palette colours expected")
        try tmux.send("q")
        let after = try tmux.waitFor("PROGRAM-EXIT")
        #expect(after.contains("PROGRAM-EXIT code=0 stty=same"))
    }

    @Test func sigtermRestoresTheTerminal() throws {
        let pidFile = Self.pidFile()
        defer { try? FileManager.default.removeItem(at: pidFile) }
        let tmux = try Tmux(command: DemoEndToEndTests.script([], pidFile: pidFile), width: 80, height: 24, name: "term")
        defer { tmux.kill() }
        try tmux.waitFor("PruneTUI demo")
        let text = try String(contentsOf: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let pid = try #require(Int32(text))
        #expect(kill(pid, SIGTERM) == 0)
        let after = try tmux.waitFor("PROGRAM-EXIT")
        #expect(after.contains("PROGRAM-EXIT code=143 stty=same"))
        #expect(!after.contains("Layers"))
    }

    @Test func fatalErrorRestoresTheTerminalAndShowsTheMessage() throws {
        // No backtrace, so the message stays on the visible screen.
        let tmux = try Tmux(
            command: DemoEndToEndTests.script(["--crash-key"], pidFile: Self.pidFile()), width: 100, height: 30,
            environment: ["SWIFT_BACKTRACE": "enable=no"], name: "crash")
        defer { tmux.kill() }
        try tmux.waitFor("PruneTUI demo")
        try tmux.send("!")
        let after = try tmux.waitFor(timeout: 20, "PROGRAM-EXIT") { $0.contains("PROGRAM-EXIT") }
        #expect(after.contains("stty=same"))
        #expect(after.contains("demo crash requested"), "the fatal error message should reach the real stderr")
        #expect(!after.contains("PROGRAM-EXIT code=0"))
        #expect(!after.contains("Layers"))
    }

    @Test func benchReportsFrameTime() throws {
        let r = try Binary.run(["demo", "--bench", "--frames", "20", "--size", "120x40"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("demo frame 120x40: median"))
        #expect(r.stdout.contains("worst"))
    }

    /// The sparsity figure in the header ("fc1 sparsity 12.3%").
    static func sparsity(_ screen: String) -> Double? {
        guard let line = screen.split(separator: "\n").first, let r = line.range(of: "sparsity ") else { return nil }
        let rest = line[r.upperBound...].prefix { $0 != "%" }
        return Double(rest)
    }
}
