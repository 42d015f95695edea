#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A running evaluator: `/bin/sh -c COMMAND` in its own process group, its
/// stdin a socket (so writing to a dead evaluator is an error, not a
/// SIGPIPE that kills PruneScope), its stdout a socket too, read line by line,
/// its stderr appended to a log file.
///
/// Not thread-safe by itself: its only owner, `ExternalEvaluator`, keeps it
/// in the state its `Mutex` guards and calls it with the lock held, so it
/// can be sent into that mutex.
final class EvaluatorProcess: @unchecked Sendable {
    /// What waiting for a line ended with.
    enum Read: Equatable {
        case line(String)
        /// stdout closed: the evaluator exited (see `exitDescription`).
        case closed
        case timedOut
        case cancelled
        /// A line longer than `EvaluatorProtocol.longestLine`.
        case tooLong
    }

    let pid: pid_t
    private let input: Int32
    private let output: Int32
    private var pending: [UInt8] = []
    private var exitStatus: Int32?

    /// Starts `command`. Throws the system's reason when it cannot.
    init(command: String, logPath: String) throws(EvaluatorFailure) {
        let log = open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard log >= 0 else { throw .cannotStart("cannot open its log \(logPath): \(String(cString: strerror(errno)))") }
        defer { close(log) }
        var stdinPair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &stdinPair) == 0 else {
            throw .cannotStart("cannot make a socket: \(String(cString: strerror(errno)))")
        }
        var stdoutPair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &stdoutPair) == 0 else {
            close(stdinPair[0]); close(stdinPair[1])
            throw .cannotStart("cannot make a socket: \(String(cString: strerror(errno)))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinPair[1], 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutPair[1], 1)
        posix_spawn_file_actions_adddup2(&actions, log, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group (killed as a whole, torchrun's workers too),
        // no blocked signals and default handlers, whatever the app set.
        var none = sigset_t()
        sigemptyset(&none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let words: [String] = ["/bin/sh", "-c", command]
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { word in strdup(word) } + [nil]
        defer { for a in argv { free(a) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, "/bin/sh", &actions, &attributes, argv, environ)
        close(stdinPair[1])
        close(stdoutPair[1])
        guard status == 0 else {
            close(stdinPair[0]); close(stdoutPair[0])
            throw .cannotStart("cannot start /bin/sh: \(String(cString: strerror(status)))")
        }
        pid = child
        input = stdinPair[0]
        output = stdoutPair[0]
    }

    deinit {
        stop()
        close(input)
        close(output)
    }

    /// Sends `text`; false when the evaluator no longer reads (it exited).
    func transmit(_ text: String) -> Bool {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { send(input, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return false }
            bytes = bytes.dropFirst(n)
        }
        return true
    }

    /// The next line of stdout, waiting until `deadline` (`monotonicSeconds`),
    /// looking at `isCancelled` every 20 ms.
    func readLine(deadline: Double, isCancelled: () -> Bool) -> Read {
        while true {
            if let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                return .line(line)
            }
            if pending.count > EvaluatorProtocol.longestLine { return .tooLong }
            if isCancelled() { return .cancelled }
            let left = deadline - monotonicSeconds()
            if left <= 0 { return .timedOut }
            var poller = pollfd(fd: output, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(min(20, max(1, left * 1000))))
            if ready < 0, errno == EINTR { continue }
            guard ready > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { read(output, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR || errno == EAGAIN { continue }
            if n <= 0 { return .closed }
            pending += chunk[..<n]
        }
    }

    /// Kills the whole process group and reaps the shell. Idempotent.
    func stop() {
        guard exitStatus == nil else { return }
        _ = kill(-pid, SIGKILL)
        _ = reap(block: true)
    }

    /// How it ended, once it has ("exited with status 1", "was killed by
    /// signal 9"); waits up to a second for the exit after stdout closed.
    func exitDescription() -> String {
        let deadline = monotonicSeconds() + 1
        while reap(block: false) == nil, monotonicSeconds() < deadline { usleep(10_000) }
        guard let status = exitStatus else { return "closed its output" }
        if status & 0x7F == 0 { return "exited with status \((status >> 8) & 0xFF)" }
        return "was killed by signal \(status & 0x7F)"
    }

    private func reap(block: Bool) -> Int32? {
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        while true {
            let r = waitpid(pid, &status, block ? 0 : WNOHANG)
            if r < 0, errno == EINTR { continue }
            if r == pid {
                exitStatus = status
                return status
            }
            return nil
        }
    }
}

/// Seconds on a clock that never jumps.
func monotonicSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}
