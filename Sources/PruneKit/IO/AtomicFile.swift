#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why writing a file failed. One line naming the file and the problem.
public struct AtomicFileError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The destination path.
    public let path: String
    /// What went wrong (the system's reason included).
    public let problem: String

    public var description: String { "\(path): \(problem)" }
}

/// Writes whole files atomically: a reader sees either the old file or the
/// complete new one, never a partial write.
///
/// The bytes go to a temporary file in the destination's directory
/// (`.prunescope-tmp-<pid>-<name>-<random>`, removed by a later write beside
/// it if this process is killed first), which is flushed to disk (`fsync`) and then renamed over the destination. On any
/// failure the temporary file is removed and the destination is untouched.
/// Every exporter in PruneScope writes through this type.
public enum AtomicFile {
    /// Writes `bytes` to `path` atomically.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        try bytes.withUnsafeBytes { raw in try write(to: path) { sink in try sink.append(raw) } }
    }

    /// Writes to `path` atomically, streaming: `body` appends chunks to the sink.
    ///
    /// Nothing is visible at `path` until `body` returns and the data is on disk.
    /// If `body` throws, the temporary file is removed and the error rethrown.
    /// An existing `path` that is not a regular file (a device, FIFO,
    /// symbolic link or directory) is refused before anything is written.
    public static func write(to path: String, _ body: (inout Sink) throws -> Void) throws {
        if let problem = FileKind.outputProblem(path) { throw AtomicFileError(path: path, problem: problem) }
        let directory = directoryOf(path)
        let base = path.split(separator: "/").last.map(String.init) ?? "file"
        // A name the next write beside it recognises: removed once this process is gone.
        OutputSet.removeLeftovers(in: directory)
        var template = Array("\(directory)/\(OutputSet.temporaryPrefix)\(getpid())-\(base)-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw AtomicFileError(path: path, problem: "cannot create a temporary file in \(directory): \(errnoText())")
        }
        let tempPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var sink = Sink(fd: fd, path: path)
        do {
            try body(&sink)
            try sink.flush()
            if fsync(fd) != 0 {
                throw AtomicFileError(path: path, problem: "cannot flush to disk: \(errnoText())")
            }
            _ = fchmod(fd, 0o644)
            close(fd)
            sink.closed = true
            if rename(tempPath, path) != 0 {
                throw AtomicFileError(path: path, problem: "cannot rename the temporary file into place: \(errnoText())")
            }
        } catch {
            if !sink.closed { close(fd) }
            unlink(tempPath)
            throw error
        }
        // Make the rename itself durable.
        let dirFD = open(directory, O_RDONLY)
        if dirFD >= 0 {
            _ = fsync(dirFD)
            close(dirFD)
        }
    }

    /// A buffered writer to the temporary file of an atomic write.
    public struct Sink {
        fileprivate let fd: Int32
        fileprivate let path: String
        fileprivate var buffer: [UInt8] = []
        fileprivate var closed = false
        /// Bytes appended so far.
        public private(set) var bytesWritten: Int = 0

        fileprivate init(fd: Int32, path: String) {
            self.fd = fd
            self.path = path
            buffer.reserveCapacity(1 << 20)
        }

        /// Appends bytes.
        public mutating func append(_ bytes: UnsafeRawBufferPointer) throws {
            bytesWritten += bytes.count
            if bytes.count >= 1 << 20 {
                try flush()
                try writeAll(bytes)
                return
            }
            buffer.append(contentsOf: bytes)
            if buffer.count >= 1 << 20 { try flush() }
        }

        /// Appends bytes.
        public mutating func append(_ bytes: [UInt8]) throws {
            try bytes.withUnsafeBytes { try append($0) }
        }

        fileprivate mutating func flush() throws {
            guard !buffer.isEmpty else { return }
            try buffer.withUnsafeBytes { try writeAll($0) }
            buffer.removeAll(keepingCapacity: true)
        }

        private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
            guard var p = bytes.baseAddress else { return }
            var left = bytes.count
            while left > 0 {
                let n = systemWrite(fd, p, left)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw AtomicFileError(path: path, problem: "cannot write: \(errnoText())")
                }
                left -= n
                p += n
            }
        }
    }

    static func directoryOf(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let dir = String(path[..<slash])
        return dir.isEmpty ? "/" : dir
    }
}

private func systemWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, p, count)
    #else
    return Darwin.write(fd, p, count)
    #endif
}

/// The current `errno` as text.
func errnoText() -> String {
    String(cString: strerror(errno))
}
