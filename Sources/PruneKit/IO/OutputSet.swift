import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a directory of files that belong together (an export's weights,
/// masks, report and session; a session's JSON and tensors) so that a
/// reader, or a `kill -9` at any moment, finds the old set or the new set
/// in place, never a mix.
///
/// How: the whole new set is written into a temporary directory beside the
/// target (`.prunescope-tmp-<pid>-<name>-<random>`), flushed, and then put
/// in place as a whole:
/// - on Linux, `renameat2(RENAME_EXCHANGE)` swaps the two directories in
///   one step; the old set, now at the temporary name, is then removed;
/// - where that is unavailable (other systems, a glibc without the call,
///   a file system that refuses the flag), the old directory is first
///   renamed aside to `.prunescope-old-<pid>-<name>-<random>` and the new
///   one renamed into place. A kill between the two renames leaves the
///   target missing and the old set intact under its `-old-` name; the next
///   write beside it renames it back before anything else, so the old set
///   is what a later run finds.
///
/// Files in the target that are not PruneScope's (any name not in `owned`)
/// are kept: they are hard-linked (copied where links fail) into the new
/// set before the swap, so the swap carries them over unchanged. Owned
/// names never are, so a stale `smaller/` cannot survive into a later set.
/// A file the user replaces in the target while the set is being written
/// (after it was linked) keeps its old version.
///
/// Leftovers: each write first removes `.prunescope-tmp-<pid>-*` (and
/// restores or removes `.prunescope-old-<pid>-*`) entries beside the target
/// whose process `pid` is gone, so a killed run's half-written set is
/// cleaned by the next run.
public enum OutputSet {
    /// The prefix of every temporary name PruneScope makes beside its outputs.
    public static let temporaryPrefix = ".prunescope-tmp-"
    /// The prefix of an old set renamed aside by the fallback swap.
    public static let asidePrefix = ".prunescope-old-"

    /// Writes a set to `directory`: `body` fills the temporary directory it
    /// is given (an absolute path, empty at first); when it returns, the set
    /// replaces `directory` as a whole. If `body` throws, the temporary
    /// directory is removed and `directory` is left as it was.
    ///
    /// `directory` may be missing (its parent must exist) or a directory (a
    /// symbolic link to one is followed: the set replaces the directory it
    /// points to). Anything else is refused before `body` runs, and so is
    /// an entry of the set in `directory` that is neither a regular file
    /// nor a directory (a symbolic link, FIFO or device).
    /// - Parameter owned: the names in `directory` that belong to the set;
    ///   every other entry there is carried into the new set.
    /// - Returns: what `body` returned.
    @discardableResult
    public static func write<Result>(
        to directory: String, owned: Set<String>, _ body: (_ temporary: String) throws -> Result
    ) throws -> Result {
        try write(to: directory, owned: owned, exchanging: true, body)
    }

    /// `write(to:owned:_:)`; `exchanging: false` takes the two-rename fallback (tests).
    static func write<Result>(
        to directory: String, owned: Set<String>, exchanging: Bool, _ body: (_ temporary: String) throws -> Result
    ) throws -> Result {
        if let problem = FileKind.outputDirectoryProblem(directory) { throw AtomicFileError(path: directory, problem: problem) }
        let target = resolved(directory)
        let parent = AtomicFile.directoryOf(target)
        let name = target.split(separator: "/").last.map(String.init) ?? "set"
        guard FileManager.default.fileExists(atPath: parent) else {
            throw AtomicFileError(path: directory, problem: "the parent directory \(parent) does not exist")
        }
        // The set's own entries in the old set are replaced: only regular files
        // and directories, so a link, FIFO or device there is refused, not dropped.
        for entry in owned.sorted() {
            let path = "\(target)/\(entry)"
            if !isDirectory(path), let problem = FileKind.outputProblem(path) { throw AtomicFileError(path: path, problem: problem) }
        }
        removeLeftovers(in: parent)
        var template = Array("\(parent)/\(temporaryPrefix)\(getpid())-\(name)-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw AtomicFileError(path: directory, problem: "cannot create a temporary directory in \(parent): \(errnoText())")
        }
        let temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        let result: Result
        do {
            _ = chmod(temporary, 0o755)
            result = try body(temporary)
            if isDirectory(target) { try carryOver(from: target, to: temporary, owned: owned) }
            syncDirectory(temporary)
            testingStop(at: "set-written", of: name)
            try swap(temporary, into: target, parent: parent, name: name, exchanging: exchanging)
        } catch {
            removeTree(temporary)
            throw error
        }
        syncDirectory(parent)
        testingStop(at: "set-swapped", of: name)
        // After the swap `temporary` holds the old set (or nothing).
        removeTree(temporary)
        return result
    }

    /// Removes the temporary files and directories of dead PruneScope
    /// processes in `directory` (see the type's comment). Safe to call at
    /// any time: entries of live processes are never touched. (A process
    /// of another PID namespace writing into the same directory, e.g. a
    /// container sharing a volume, could look dead; PruneScope assumes one.)
    public static func removeLeftovers(in directory: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for entry in names {
            let isAside = entry.hasPrefix(asidePrefix)
            guard isAside || entry.hasPrefix(temporaryPrefix) else { continue }
            let rest = entry.dropFirst(isAside ? asidePrefix.count : temporaryPrefix.count)
            guard let dash = rest.firstIndex(of: "-"), let pid = pid_t(rest[..<dash]), pid > 0, !isAlive(pid) else { continue }
            let path = "\(directory)/\(entry)"
            if isAside {
                // The old set of a fallback swap killed between its renames:
                // back into place when nothing replaced it, else obsolete.
                let setName = String(rest[rest.index(after: dash)...].dropLast(7))
                let original = "\(directory)/\(setName)"
                var info = stat()
                if !setName.isEmpty, lstat(original, &info) != 0, rename(path, original) == 0 { continue }
            }
            removeTree(path)
        }
    }

    // MARK: The swap

    private static func swap(_ temporary: String, into target: String, parent: String, name: String, exchanging: Bool) throws {
        var info = stat()
        guard lstat(target, &info) == 0 else {
            // Nothing there: one rename puts the new set in place.
            if rename(temporary, target) != 0 {
                throw AtomicFileError(path: target, problem: "cannot rename the new set into place: \(errnoText())")
            }
            // `temporary` no longer exists; the caller's removal is a no-op.
            return
        }
        if exchanging, exchange(temporary, target) { return }
        // Fallback: two renames, the old set kept aside until the new one is in place.
        let suffix = String(temporary.suffix(6))
        let aside = "\(parent)/\(asidePrefix)\(getpid())-\(name)-\(suffix)"
        guard rename(target, aside) == 0 else {
            throw AtomicFileError(path: target, problem: "cannot move the old set aside: \(errnoText())")
        }
        testingStop(at: "set-aside", of: name)
        guard rename(temporary, target) == 0 else {
            let reason = errnoText()
            _ = rename(aside, target)
            throw AtomicFileError(path: target, problem: "cannot rename the new set into place: \(reason)")
        }
        // The old set goes where the caller removes it.
        _ = rename(aside, temporary)
    }

    private typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32

    /// `renameat2(..., RENAME_EXCHANGE)` where the C library has it (glibc
    /// 2.28+; looked up at run time because Swift's Glibc module does not
    /// export it); false when unavailable or refused, so the caller falls back.
    /// `PRUNESCOPE_NO_EXCHANGE` in the environment forces the fallback (tests).
    private static func exchange(_ a: String, _ b: String) -> Bool {
        #if os(Linux)
        guard ProcessInfo.processInfo.environment["PRUNESCOPE_NO_EXCHANGE"] == nil else { return false }
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "renameat2") else { return false }
        let renameat2 = unsafeBitCast(symbol, to: RenameAt2.self)
        let renameExchange: UInt32 = 1 << 1
        return renameat2(AT_FDCWD, a, AT_FDCWD, b, renameExchange) == 0
        #else
        return false
        #endif
    }

    // MARK: Helpers

    /// Hard-links (or copies) every entry of `old` not in `owned` and not
    /// already in the new set into `new`, directories recursively.
    private static func carryOver(from old: String, to new: String, owned: Set<String>) throws {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: old) } catch {
            throw AtomicFileError(path: old, problem: "cannot list the directory: \(ErrorText.plain(error))")
        }
        for entry in names where !owned.contains(entry) && !entry.hasPrefix(temporaryPrefix) && !entry.hasPrefix(asidePrefix) {
            var info = stat()
            guard lstat("\(new)/\(entry)", &info) != 0 else { continue }
            try linkTree("\(old)/\(entry)", "\(new)/\(entry)")
        }
    }

    private static func linkTree(_ source: String, _ destination: String) throws {
        var info = stat()
        guard lstat(source, &info) == 0 else { return }  // removed meanwhile
        let mode = info.st_mode & S_IFMT
        if mode == S_IFDIR {
            guard mkdir(destination, info.st_mode & 0o7777) == 0 else {
                throw AtomicFileError(path: source, problem: "cannot carry the directory into the new set: \(errnoText())")
            }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: source)) ?? []
            for entry in names { try linkTree("\(source)/\(entry)", "\(destination)/\(entry)") }
        } else if link(source, destination) != 0 {
            do { try FileManager.default.copyItem(atPath: source, toPath: destination) } catch {
                throw AtomicFileError(path: source, problem: "cannot carry the file into the new set: \(ErrorText.plain(error))")
            }
        }
    }

    static func removeTree(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        try? FileManager.default.removeItem(atPath: path)
    }

    private static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// `path` with a final symbolic link to a directory followed (the set
    /// replaces the directory, not the link).
    private static func resolved(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var info = stat()
        guard lstat(absolute, &info) == 0, (info.st_mode & S_IFMT) == S_IFLNK else { return standardized(absolute) }
        return URL(fileURLWithPath: absolute).resolvingSymlinksInPath().path
    }

    private static func standardized(_ path: String) -> String {
        var parts = [Substring]()
        for part in path.split(separator: "/") {
            if part == "." { continue }
            if part == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    /// Whether process `pid` exists (a process of another user counts as alive).
    static func isAlive(_ pid: pid_t) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }

    /// Flushes a directory's entries to disk (the files in it were flushed
    /// by `AtomicFile` as they were written), so the set is durable before
    /// it becomes visible.
    private static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    /// A test hook: with `PRUNESCOPE_KILL_AT=<point>` (or `<point>:<set
    /// name>`, e.g. `set-swapped:out`, to pass the session set nested in an
    /// export) in the environment, the process kills itself (SIGKILL) at
    /// that named point of a write, so the end-to-end tests can stop it
    /// exactly between two renames.
    static func testingStop(at point: String, of name: String? = nil) {
        guard let wanted = getenv("PRUNESCOPE_KILL_AT").map({ String(cString: $0) }) else { return }
        guard wanted == point || (name != nil && wanted == "\(point):\(name ?? "")") else { return }
        kill(getpid(), SIGKILL)
    }
}
