#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file of named tensors, whatever its format: a safetensors checkpoint,
/// a `torch.save` zip checkpoint, an .npz of arrays, or a single .npy array.
///
/// The rest of PruneScope reads checkpoints only through this protocol.
/// `TensorInfo.dataOffsets` are relative to the data section of the format
/// (for .npz: to the member's decompressed array data).
public protocol TensorArchive: AnyObject, Sendable {
    /// The path the archive was opened from.
    var path: String { get }
    /// The file's format.
    var format: TensorArchiveFormat { get }
    /// Every tensor, in storage order.
    var tensors: [TensorInfo] { get }
    /// File-level string metadata (safetensors `__metadata__`; `format: pt`
    /// for a torch checkpoint; empty otherwise).
    var metadata: [String: String] { get }
    /// Values in the file that are not tensors and were left out, as
    /// `name (type)` (a torch checkpoint's `epoch (int)`); empty for most formats.
    var skippedEntries: [String] { get }
    /// The tensor called `name`, or nil.
    func info(named name: String) -> TensorInfo?
    /// The tensor converted to Float32.
    func floatTensor(named name: String) throws -> Tensor
    /// Calls `body` with the tensor's stored little-endian bytes (in place
    /// when the format allows, else a temporary decompressed copy).
    func withRawBytes<R>(named name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R
    /// Calls `body` with consecutive chunks of the tensor's elements as
    /// Float32, without a converted (or, for .npz, an expanded) copy of the
    /// whole tensor.
    func forEachChunk(named name: String, _ body: (UnsafeBufferPointer<Float>) throws -> Void) throws
}

extension TensorArchive {
    public var skippedEntries: [String] { [] }

    /// A copy of the tensor's stored bytes.
    public func rawBytes(named name: String) throws -> [UInt8] {
        try withRawBytes(named: name) { [UInt8]($0) }
    }

    public func forEachChunk(named name: String, _ body: (UnsafeBufferPointer<Float>) throws -> Void) throws {
        guard let info = info(named: name) else { throw SafetensorsError.tensorNotFound(path: path, name: name) }
        try withRawBytes(named: name) { try ElementStream.forEachChunk(info.dtype, $0, body) }
    }

    /// Total number of elements over all tensors.
    public var totalElementCount: Int { tensors.reduce(0) { $0 + $1.elementCount } }
}

/// The file formats PruneScope reads tensors from.
public enum TensorArchiveFormat: String, Sendable, CaseIterable {
    case safetensors, npy, npz
    /// `torch.save`'s zip format (`.pt`, `.pth`, `pytorch_model.bin`).
    case pytorch
}

/// Why a file could not be opened as a tensor archive at all.
public enum TensorArchiveError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Neither the extension nor the first bytes say which format it is.
    case unknownFormat(path: String)
    /// The path cannot be read at all (missing, a directory, no permission).
    case unreadable(path: String, problem: String)
    /// A file `torch.save` wrote in its legacy pickle format, which PruneScope does not read.
    case pytorchCheckpoint(path: String, kind: PyTorchCheckpoint)

    public var description: String {
        switch self {
        case let .unknownFormat(path):
            return "\(path): not a .safetensors, .pt (torch.save zip), .npy or .npz file"
        case let .unreadable(path, problem):
            return "\(path): \(problem)"
        case let .pytorchCheckpoint(path, kind):
            return "\(path): \(PyTorchCheckpoint.advice(path: path, kind: kind))"
        }
    }
}

extension SafetensorsFile: TensorArchive {
    public var format: TensorArchiveFormat { .safetensors }
}

/// Opens `path` as a tensor archive, choosing the format by its first bytes
/// (`\x93NUMPY` for .npy, `PK` for .npz) and otherwise by extension
/// (`.safetensors`, `.st`, `.npy`, `.npz`). A `torch.save` zip (a `data.pkl`
/// member) opens as a `PyTorchFile`, whatever its name; a legacy `torch.save`
/// pickle is refused with advice on converting it.
/// - Throws: the format's own error (`SafetensorsError`, `PyTorchError`,
///   `NpyError`, `NpzError`) or `TensorArchiveError`.
public func openTensorArchive(path: String) throws -> any TensorArchive {
    let lower = (path.split(separator: "/").last.map(String.init) ?? path).lowercased()
    var info = stat()
    guard stat(path, &info) == 0 else {
        throw TensorArchiveError.unreadable(path: path, problem: "cannot open: \(errnoText())")
    }
    if (info.st_mode & S_IFMT) == S_IFDIR {
        throw TensorArchiveError.unreadable(path: path, problem: "is a directory, not a tensor file")
    }
    // Before any open: a FIFO would block it until a writer comes.
    if let problem = FileKind.inputProblem(path) { throw TensorArchiveError.unreadable(path: path, problem: problem) }
    var head = [UInt8](repeating: 0, count: 8)
    var headCount = 0
    if let handle = fopen(path, "rb") {
        headCount = fread(&head, 1, 8, handle)
        fclose(handle)
    }
    let prefix = head.prefix(headCount)
    let mightBeTorch = prefix.starts(with: [0x50, 0x4B]) || (prefix.first == 0x80 && headCount >= 2 && (2...5).contains(prefix[1]))
    if mightBeTorch, let kind = PyTorchCheckpoint.detect(path: path) {
        if kind == .zip { return try PyTorchFile(contentsOf: path) }
        throw TensorArchiveError.pytorchCheckpoint(path: path, kind: kind)
    }
    if prefix.starts(with: NpyHeader.magic) { return try NpyFile(contentsOf: path) }
    if prefix.starts(with: [0x50, 0x4B]) { return try NpzFile(contentsOf: path) }
    if lower.hasSuffix(".npy") { return try NpyFile(contentsOf: path) }
    if lower.hasSuffix(".npz") { return try NpzFile(contentsOf: path) }
    if lower.hasSuffix(".safetensors") || lower.hasSuffix(".st") || headCount == 8 && !lower.contains(".") {
        return try SafetensorsFile(contentsOf: path)
    }
    if headCount == 8 {
        // No known extension: try safetensors, whose header is self-checking.
        if let file = try? SafetensorsFile(contentsOf: path) { return file }
    }
    if headCount == 0, access(path, R_OK) != 0 {
        throw TensorArchiveError.unreadable(path: path, problem: "cannot open: \(errnoText())")
    }
    throw TensorArchiveError.unknownFormat(path: path)
}
