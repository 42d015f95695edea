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
        guard stat(path, &info) == 0, let kind = kind(info.st_mode) else { return nil }
        return "is \(kind), not a regular file"
    }

    /// Why an existing `path` must not be replaced by an output file: nil
    /// when nothing is there or it is a regular file, else e.g.
    /// "exists and is a character device, not a regular file; refusing to replace it".
    public static func outputProblem(_ path: String) -> String? {
        var info = stat()
        guard lstat(path, &info) == 0, let kind = kind(info.st_mode) else { return nil }
        return "exists and is \(kind), not a regular file; refusing to replace it"
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
        if (info.st_mode & S_IFMT) == S_IFDIR { return nil }
        return "exists and is \(kind(info.st_mode) ?? "a regular file"), not a directory"
    }

    /// What a file of `mode` is ("a FIFO (named pipe)"), nil for a regular file.
    private static func kind(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "a directory"
        case S_IFIFO: return "a FIFO (named pipe)"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        case S_IFLNK: return "a symbolic link"
        default: return "a special file"
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
