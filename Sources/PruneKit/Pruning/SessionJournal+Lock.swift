import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension SessionJournal {
    /// Claims `directory`'s journal for this process: an exclusive `flock`
    /// on a lock file named after the directory's absolute path, in a
    /// per-user directory under the temporary directory. Returns false when
    /// another process (or another claim in this one) holds it: two
    /// explorers in one directory would otherwise replay and delete each
    /// other's journal. The lock is never released by hand; it ends with the
    /// process, a `kill -9` included. When no lock file can be made, the
    /// claim succeeds (the journal must not stop a user for want of /tmp).
    public static func claim(_ directory: String) -> Bool {
        let absolute = URL(fileURLWithPath: directory).standardizedFileURL.path
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("prunescope-\(getuid())").path
        guard mkdir(folder, 0o700) == 0 || errno == EEXIST else { return true }
        let path = folder + "/" + lockName(absolute)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return true }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 { return true }
        let held = errno == EWOULDBLOCK
        close(fd)
        return !held
    }

    /// A stable file name for `path` (FNV-1a, the same in every process;
    /// Swift's `Hasher` is seeded per process) with its last component kept
    /// for whoever lists the folder.
    static func lockName(_ path: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in path.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        let last = URL(fileURLWithPath: path).lastPathComponent.filter { $0.isLetter || $0.isNumber || $0 == "-" }
        return "\(last.prefix(40))-\(String(hash, radix: 16)).lock"
    }
}
