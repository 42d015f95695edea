import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Drives a program in a detached tmux session for end-to-end tests. Each
/// instance runs its own tmux server (a private socket named after a fresh
/// UUID), so tests never touch anyone else's sessions; `kill()` (also run
/// on deinit) removes only that server.
final class Tmux {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let socket: String
    let session: String
    private var killed = false
    /// The tmux server's pid, so `kill()` can end it even if kill-server does not.
    private var serverPID: Int32?
    /// The private working directory standing in for the package root, removed by `kill()`.
    private var isolatedRoot: URL?

    /// Starts `command` (run by `sh -c`) in a new session of `width` x `height`.
    init(
        command: String, width: Int, height: Int, environment: [String: String] = [:],
        directory: URL? = nil, name: String = "t"
    ) throws {
        let id = UUID().uuidString.prefix(8).lowercased()
        socket = "prunescope-test-\(id)"
        session = "\(name)-\(id)"
        var env = ["SWIFT_BACKTRACE": "interactive=no", "TERM": "tmux-256color", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"]
        for (k, v) in environment { env[k] = v }
        // A program started in the package root runs in a private copy of
        // it instead (links to its entries): what it writes relative to its
        // working directory, like the explorer's `<model>-session/journal.psj`,
        // stays with this test and cannot be replayed by the next one.
        var directory = directory
        if directory?.standardizedFileURL.path == Binary.packageRoot.standardizedFileURL.path {
            let root = try Tmux.linkedCopy(of: Binary.packageRoot)
            isolatedRoot = root
            directory = root
        }
        let exports = env.sorted { $0.key < $1.key }.map { "export \($0.key)=\(Tmux.quote($0.value));" }.joined(separator: " ")
        let cd = directory.map { "cd \(Tmux.quote($0.path)) && " } ?? ""
        try run([
            "-f", "/dev/null", "new-session", "-d", "-s", session, "-x", String(width), "-y", String(height),
            "sh", "-c", "\(exports) \(cd)\(command)",
        ])
        // Keep the pane after the command exits so its last screen can be read.
        _ = try? run(["set-option", "-t", session, "remain-on-exit", "on"])
        _ = try? run(["set-option", "-t", session, "default-terminal", "tmux-256color"])
        serverPID = (try? run(["display-message", "-p", "-t", session, "#{pid}"]))
            .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    deinit { kill() }

    /// A bash script that records the terminal modes, runs `prunescope
    /// arguments...` (its pid written to `pidFile`), records the modes again,
    /// prints `PROGRAM-EXIT code=N stty=same|changed`, then reads one line
    /// to show the shell still works.
    static func restoringScript(_ arguments: [String], pidFile: URL) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ps-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("run.sh")
        let quoted = ([Binary.url.path] + arguments).map(Tmux.quote).joined(separator: " ")
        let text = """
            before=$(stty -g)
            sh -c 'echo $$ > "$0"; exec "$@"' \(Tmux.quote(pidFile.path)) \(quoted)
            code=$?
            after=$(stty -g)
            if [ "$before" = "$after" ]; then m=same; else m=changed; fi
            echo "PROGRAM-EXIT code=$code stty=$m"
            read -r line
            echo "SHELL-READ:$line"
            sleep 30
            """
        try text.write(to: file, atomically: true, encoding: .utf8)
        return "bash --norc --noprofile " + Tmux.quote(file.path)
    }

    static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    @discardableResult
    private func run(_ args: [String]) throws -> String {
        // Output goes to files, not pipes: the tmux server that `new-session`
        // starts inherits them and would keep a pipe open forever.
        let dir = FileManager.default.temporaryDirectory
        let outURL = dir.appendingPathComponent("tmux-\(UUID().uuidString).out")
        let errURL = dir.appendingPathComponent("tmux-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        // posix_spawn + waitpid rather than Foundation's Process, whose
        // exit monitoring stalled here when the tmux client forked its server.
        let argv = ["/usr/bin/env", "tmux", "-L", socket] + args
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outURL.path, O_WRONLY | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errURL.path, O_WRONLY | O_TRUNC, 0o600)
        var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for a in cargs { free(a) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, "/usr/bin/env", &actions, nil, &cargs, environ)
        guard rc == 0 else { throw Failure(description: "could not start tmux: error \(rc)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exited = (status & 0x7f) == 0
        let code = (status >> 8) & 0xff
        let data = (try? Data(contentsOf: outURL)) ?? Data()
        let errData = (try? Data(contentsOf: errURL)) ?? Data()
        guard exited && code == 0 else {
            throw Failure(description: "tmux \(args.joined(separator: " ")) failed: \(String(decoding: errData, as: UTF8.self))")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Sends keys as tmux names them ("Right", "C-c", "Enter") or literal text with `literal: true`.
    func send(_ keys: String..., literal: Bool = false) throws {
        try send(keys, literal: literal)
    }

    /// Sends a list of keys in one go (`Array(repeating: "Right", count: 20)`).
    func send(_ keys: [String], literal: Bool = false) throws {
        try run(["send-keys", "-t", session] + (literal ? ["-l"] : []) + keys)
    }

    /// The visible pane as text; with `escapes`, including colour/attribute escape sequences.
    func capture(escapes: Bool = false) throws -> String {
        try run(["capture-pane", "-p", "-t", session] + (escapes ? ["-e"] : []))
    }

    /// Waits until the captured pane satisfies `predicate`; returns the capture.
    @discardableResult
    func waitFor(timeout: Double = 10, _ what: String, _ predicate: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            last = (try? capture()) ?? last
            if predicate(last) { return last }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw Failure(description: "timed out after \(timeout)s waiting for \(what); screen was:\n\(last)")
    }

    /// Waits until the pane contains `text`.
    @discardableResult
    func waitFor(_ text: String, timeout: Double = 10) throws -> String {
        try waitFor(timeout: timeout, "\"\(text)\"") { $0.contains(text) }
    }

    /// Resizes the window (and so the pane) to `width` x `height`.
    func resize(width: Int, height: Int) throws {
        try run(["resize-window", "-t", session, "-x", String(width), "-y", String(height)])
    }

    /// The pane's size as tmux reports it.
    func paneSize() throws -> (width: Int, height: Int) {
        let s = try run(["display-message", "-p", "-t", session, "#{pane_width} #{pane_height}"])
        let p = s.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Int($0) }
        return (p.first ?? 0, p.count > 1 ? p[1] : 0)
    }

    /// Whether the pane's command has exited (with remain-on-exit).
    func paneDead() -> Bool {
        ((try? run(["display-message", "-p", "-t", session, "#{pane_dead}"])) ?? "1").hasPrefix("1")
    }

    /// Kills this test's tmux server (and with it only this session).
    func kill() {
        guard !killed else { return }
        killed = true
        _ = try? run(["kill-server"])
        if let pid = serverPID, pid > 1 { _ = Glibc.kill(pid, SIGKILL) }
        if let root = isolatedRoot { try? FileManager.default.removeItem(at: root) }
    }

    /// A fresh directory holding a symbolic link to each entry of `root`
    /// (outputs a test left there, `*-session` and `*-pruned`, left out).
    static func linkedCopy(of root: URL) throws -> URL {
        let fm = FileManager.default
        let copy = fm.temporaryDirectory.appendingPathComponent("ps-root-\(UUID().uuidString.prefix(8))")
        try fm.createDirectory(at: copy, withIntermediateDirectories: true)
        for name in try fm.contentsOfDirectory(atPath: root.path) where !name.hasSuffix("-session") && !name.hasSuffix("-pruned") {
            try fm.createSymbolicLink(at: copy.appendingPathComponent(name), withDestinationURL: root.appendingPathComponent(name))
        }
        return copy
    }
}
