#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file mapped read-only into memory for the object's lifetime.
///
/// Pages are loaded by the kernel as they are touched, so opening a large
/// checkpoint costs nothing until its bytes are read, and memory use stays
/// near the bytes actually visited. Unmapped in `deinit`.
///
/// Sendable because the pages are mapped `PROT_READ` and the pointer never
/// changes until `deinit`: threads can only read the same bytes.
final class MappedFile: @unchecked Sendable {
    /// The mapped bytes (empty for an empty file).
    let bytes: UnsafeRawBufferPointer
    let path: String

    /// Why a file could not be opened or mapped.
    struct OpenError: Error, Sendable {
        let problem: String
    }

    init(path: String) throws(OpenError) {
        self.path = path
        // O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it.
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw OpenError(problem: "cannot open: \(errnoText())") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw OpenError(problem: "cannot stat: \(errnoText())") }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw OpenError(problem: FileKind.inputProblem(path) ?? "not a regular file")
        }
        let size = Int(info.st_size)
        if size == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let address, address != MAP_FAILED else {
            throw OpenError(problem: "cannot memory-map \(size) bytes: \(errnoText())")
        }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    /// Hints the kernel that the mapping will be read front to back.
    func adviseSequential() {
        guard let base = bytes.baseAddress else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base), bytes.count, MADV_SEQUENTIAL)
    }

    /// Drops the pages wholly inside `offset ..< offset + count` from memory;
    /// the mapping stays valid and re-reads them from the file on access.
    func release(offset: Int, count: Int) {
        guard let base = bytes.baseAddress, count > 0 else { return }
        let page = Int(getpagesize())
        guard page > 0 else { return }
        let start = (Int(bitPattern: base) + offset + page - 1) / page * page
        let end = (Int(bitPattern: base) + offset + count) / page * page
        guard end > start, let p = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(p, end - start, MADV_DONTNEED)
    }

    deinit {
        if let base = bytes.baseAddress {
            munmap(UnsafeMutableRawPointer(mutating: base), bytes.count)
        }
    }
}
