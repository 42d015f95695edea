#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a path is, checked before a file is opened, so a hostile path never
/// blocks (a FIFO waits for a writer on open) or replaces a device.
///
/// Inputs are refused unless they are regular files (symbolic links to a
/// regular file are fine); existing output targets are refused unless they
/// are regular files themselves (a symbolic link is refused: the rename of
/// an atomic write would replace the link, not the file it points to).
public enum FileKind {
    /// Why `path` cannot be read as an input file: nil for a regular file
    /// (after following links) or a path that does not exist (the caller's
    /// own open reports that), else e.g. "is a FIFO (named pipe), not a regular file".
    public static func inputProblem(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return problem(mode: info.st_mode, allowingDirectory: false)
    }

    /// Why an existing `path` must not be replaced by an output file: nil
    /// when nothing is there or it is a regular file, else e.g.
    /// "exists and is a character device; refusing to replace it".
    public static func outputProblem(_ path: String) -> String? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        guard let what = problem(mode: info.st_mode, allowingDirectory: false) else { return nil }
        return "exists and " + what + "; refusing to replace it"
    }

    /// Why an existing `path` cannot be an output directory: nil when
    /// nothing is there or it is a directory (or a link to one).
    public static func outputDirectoryProblem(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            var link = stat()
            if lstat(path, &link) == 0 { return "is a symbolic link to nothing; refusing to write through it" }
            return nil
        }
        guard (info.st_mode & S_IFMT) != S_IFDIR else { return nil }
        return "exists and " + (problem(mode: info.st_mode, allowingDirectory: true) ?? "is a file")
            + ", not a directory"
    }

    /// Throws `FileKindError` unless `path` is a regular file (or missing).
    public static func requireRegularInput(_ path: String) throws(FileKindError) {
        if let problem = inputProblem(path) { throw FileKindError(path: path, problem: problem) }
    }

    private static func problem(mode: mode_t, allowingDirectory: Bool) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return allowingDirectory ? nil : "is a directory, not a regular file"
        case S_IFIFO: return "is a FIFO (named pipe), not a regular file"
        case S_IFCHR: return "is a character device, not a regular file"
        case S_IFBLK: return "is a block device, not a regular file"
        case S_IFSOCK: return "is a socket, not a regular file"
        case S_IFLNK: return "is a symbolic link, not a regular file"
        default: return "is not a regular file"
        }
    }
}

/// A path of the wrong kind (a FIFO given as input, a device as output...).
/// One line naming the file and the problem.
public struct FileKindError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The path at fault.
    public let path: String
    /// What it is and why that is refused.
    public let problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String { "\(path): \(problem)" }
}
