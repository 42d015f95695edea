import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Signals sent to the real `prunescope demo` under tmux: a crash signal
/// leaves a sane terminal (modes as before, icanon and echo on, the
/// alternate screen left) and the process dies of that signal; SIGTERM and
/// SIGHUP end it through the run loop with the terminal restored.
@Suite(.serialized) struct TerminalSignalEndToEndTests {
    /// Runs the demo from bash, then prints
    /// `PROGRAM-EXIT code=N stty=same|changed sane=yes|no` (sane: `stty -a`
    /// shows icanon and echo on). No core files.
    static func script(pidFile: URL) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ps-signal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("run.sh")
        let text = """
            ulimit -c 0
            before=$(stty -g)
            sh -c 'echo $$ > "$0"; exec "$@"' \(Tmux.quote(pidFile.path)) \(Tmux.quote(Binary.url.path)) demo
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

    /// Starts the demo, waits for its screen, sends `signal`, returns the screen after exit.
    static func send(_ signal: Int32, name: String) throws -> String {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("ps-signal-\(UUID().uuidString).pid")
        defer { try? FileManager.default.removeItem(at: pidFile) }
        let tmux = try Tmux(command: script(pidFile: pidFile), width: 80, height: 24, name: name)
        defer { tmux.kill() }
        try tmux.waitFor(timeout: 20, "the demo's first frame") { $0.contains("PruneTUI demo") && $0.contains("Layers") }
        let text = try String(contentsOf: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let pid = try #require(Int32(text))
        #expect(kill(pid, signal) == 0)
        return try tmux.waitFor(timeout: 20, "PROGRAM-EXIT") { $0.contains("PROGRAM-EXIT") }
    }

    @Test(arguments: [SIGSEGV, SIGABRT, SIGQUIT])
    func crashSignalRestoresTheTerminalAndKillsTheProcess(signal: Int32) throws {
        let after = try Self.send(signal, name: "crash\(signal)")
        #expect(after.contains("PROGRAM-EXIT code=\(128 + signal) stty=same sane=yes"), "\(after)")
        #expect(!after.contains("Layers"), "the demo screen should be gone (alternate screen left)")
    }

    @Test(arguments: [(SIGTERM, 143), (SIGHUP, 129)])
    func terminationSignalEndsTheAppWithTheTerminalRestored(signal: Int32, status: Int) throws {
        let after = try Self.send(signal, name: "end\(signal)")
        #expect(after.contains("stty=same sane=yes"), "\(after)")
        #expect(!after.contains("Layers"))
        #expect(after.contains("PROGRAM-EXIT code=\(status) "), "\(after)")
    }
}
