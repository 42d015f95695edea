import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Signals sent to the real `prunescope demo` and explorer under tmux, idle
/// and during a retrain: a crash signal leaves a sane terminal (modes as
/// before, icanon and echo on, the alternate screen left) and the process
/// dies of that signal; SIGINT, SIGTERM and SIGHUP end it through the run
/// loop with the terminal restored. The exit status is 128 plus the
/// signal's number either way. `SWIFT_BACKTRACE` is unset for the program,
/// as in a user's shell, so a crash must not wait at the backtracer's prompt.
@Suite(.serialized) struct TerminalSignalEndToEndTests {
    /// Runs the demo from bash, then prints
    /// `PROGRAM-EXIT code=N stty=same|changed sane=yes|no` (sane: `stty -a`
    /// shows icanon and echo on). No core files.
    static func script(_ arguments: [String], pidFile: URL) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ps-signal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("run.sh")
        let quoted = ([Binary.url.path] + arguments).map(Tmux.quote).joined(separator: " ")
        let text = """
            ulimit -c 0
            before=$(stty -g)
            sh -c 'echo $$ > "$0"; exec env -u SWIFT_BACKTRACE "$@"' \(Tmux.quote(pidFile.path)) \(quoted)
            code=$?
            after=$(stty -g)
            if [ "$before" = "$after" ]; then m=same; else m=changed; fi
            modes=" $(stty -a | tr '\\n;' '  ') "
            case "$modes" in *" icanon "*) c=yes;; *) c=no;; esac
            case "$modes" in *" echo "*) e=yes;; *) e=no;; esac
            if [ $c = yes ] && [ $e = yes ]; then sane=yes; else sane=no; fi
            echo "PROGRAM-EXIT code=$code stty=$m sane=$sane"
            sleep 30
            """
        try text.write(to: file, atomically: true, encoding: .utf8)
        return "bash --norc --noprofile " + Tmux.quote(file.path)
    }

    /// Where a signal arrives: the demo or the explorer, idle or retraining.
    enum Moment: String, CaseIterable, CustomStringConvertible {
        case demo, explorerIdle, explorerRetraining
        var description: String { rawValue }
    }

    /// Starts the program, brings it to `moment`, sends `signal`, returns the screen after exit.
    static func send(_ signal: Int32, at moment: Moment) throws -> String {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("ps-signal-\(UUID().uuidString).pid")
        defer { try? FileManager.default.removeItem(at: pidFile) }
        let arguments = moment == .demo ? ["demo"] : ["open", "SampleModels/lenet-300-100"]
        // Its own directory: an interrupted explorer keeps its session journal
        // (lenet-300-100-session/), which must not reach the next test's explorer.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ps-signal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let tmux = try Tmux(
            command: script(arguments, pidFile: pidFile), width: 80, height: 24,
            directory: directory, name: "\(moment)\(signal)")
        defer { tmux.kill() }
        switch moment {
        case .demo:
            try tmux.waitFor(timeout: 20, "the demo's first frame") { $0.contains("PruneTUI demo") && $0.contains("Layers") }
        case .explorerIdle:
            try tmux.waitForFrame(timeout: 30, "the explorer") { $0.showsHints && $0.text.contains("fc1.weight") }
        case .explorerRetraining:
            try tmux.waitForFrame(timeout: 30, "the explorer") { $0.showsHints && $0.text.contains("fc1.weight") }
            // Options: the seventh row is the retrain epochs; 4 keep the retrain running.
            try tmux.send("o", "Down", "Down", "Down", "Down", "Down", "Down", "Right", "Right", "Right")
            try tmux.waitFor(timeout: 10, "4 retrain epochs") { $0.contains("retrain epochs") && $0.contains(" 4 ") }
            try tmux.send("Escape")
            try tmux.waitForFrame(timeout: 10, "options closed") { !$0.text.contains("retrain epochs") }
            try tmux.send("r")
            try tmux.waitForFrame(timeout: 20, "the retrain job") { $0.showsJob && $0.bottom.contains("retrain") }
        }
        let text = try String(contentsOf: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let pid = try #require(Int32(text))
        // The program executed itself again with the backtracer made non-interactive.
        let environ = try String(decoding: Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ")), as: UTF8.self)
        #expect(environ.split(separator: "\0").contains("SWIFT_BACKTRACE=interactive=no"))
        let sent = Date()
        #expect(kill(pid, signal) == 0)
        let after = try tmux.waitFor(timeout: 20, "PROGRAM-EXIT") { $0.contains("PROGRAM-EXIT") }
        // The backtracer's prompt would hold the process for 30 s.
        #expect(Date().timeIntervalSince(sent) < 10, "signal \(signal) at \(moment) took too long to end the program")
        return after
    }

    @Test(arguments: [SIGSEGV, SIGABRT, SIGQUIT], Moment.allCases)
    func crashSignalRestoresTheTerminalAndKillsTheProcess(signal: Int32, moment: Moment) throws {
        let after = try Self.send(signal, at: moment)
        #expect(after.contains("PROGRAM-EXIT code=\(128 + signal) stty=same sane=yes"), "\(after)")
        #expect(!after.contains("Layers") && !after.contains("fc1.weight"), "the screen should be gone (alternate screen left)")
    }

    @Test(arguments: [SIGTERM, SIGHUP, SIGINT], Moment.allCases)
    func terminationSignalEndsTheAppWithTheTerminalRestored(signal: Int32, moment: Moment) throws {
        let after = try Self.send(signal, at: moment)
        #expect(after.contains("PROGRAM-EXIT code=\(128 + signal) stty=same sane=yes"), "\(after)")
        #expect(!after.contains("Layers") && !after.contains("fc1.weight"))
    }

    @Test func internalCrashRestoresTheTerminalWithoutWaiting() throws {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("ps-signal-\(UUID().uuidString).pid")
        defer { try? FileManager.default.removeItem(at: pidFile) }
        let tmux = try Tmux(command: Self.script(["demo", "--crash-key"], pidFile: pidFile), width: 80, height: 24, name: "fatal")
        defer { tmux.kill() }
        try tmux.waitFor(timeout: 20, "the demo's first frame") { $0.contains("PruneTUI demo") && $0.contains("Layers") }
        let sent = Date()
        try tmux.send("!")
        let after = try tmux.waitFor(timeout: 40, "PROGRAM-EXIT") { $0.contains("PROGRAM-EXIT") }
        #expect(Date().timeIntervalSince(sent) < 10, "a crash should not wait at the backtracer's prompt")
        // A Swift trap is SIGILL (x86-64) or SIGTRAP (arm64).
        let statuses = [128 + SIGILL, 128 + SIGTRAP].map { "PROGRAM-EXIT code=\($0) stty=same sane=yes" }
        #expect(statuses.contains { after.contains($0) }, "\(after)")
        #expect(!after.contains("Layers"))
    }

    /// Outside the explorer the backtracer would print a backtrace for a
    /// signal sent with kill and let the command run on.
    @Test(arguments: [SIGQUIT, SIGABRT, SIGSEGV])
    func crashSignalFromOutsideEndsACommandLineCommand(signal: Int32) throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ps-signal-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: out) }
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("ps-signal-\(UUID().uuidString).pid")
        defer { try? FileManager.default.removeItem(at: pidFile) }
        let arguments = ["train", "SampleModels/lenet-300-100", "--epochs", "50", "--out", out.path]
        let tmux = try Tmux(
            command: Self.script(arguments, pidFile: pidFile), width: 100, height: 30,
            directory: Binary.packageRoot, name: "cli\(signal)")
        defer { tmux.kill() }
        try tmux.waitFor(timeout: 30, "training") { $0.contains("epoch 2/50") }
        let text = try String(contentsOf: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let pid = try #require(Int32(text))
        #expect(kill(pid, signal) == 0)
        let after = try tmux.waitFor(timeout: 20, "PROGRAM-EXIT") { $0.contains("PROGRAM-EXIT") }
        #expect(after.contains("PROGRAM-EXIT code=\(128 + signal) stty=same sane=yes"), "\(after)")
    }
}
