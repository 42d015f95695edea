import Synchronization

/// A `torch.save` checkpoint in the zip format of PyTorch >= 1.6 (`.pt`,
/// `.pth`, `pytorch_model.bin`), opened for reading without running it.
///
/// Layout: one folder holding `data.pkl` (the pickled object), `data/<key>`
/// (one member per storage, raw little-endian elements), `byteorder` and
/// `version`. `data.pkl` is read by `RestrictedUnpickler`, which refuses any
/// global or opcode a state_dict does not need, so nothing in the file is
/// ever imported or called. Tensors are views of storages (offset, shape,
/// strides); several may share one storage. Nested dicts (`{"state_dict":
/// {...}, "epoch": 3}`) become dotted names (`state_dict.fc1.weight`);
/// values that are not tensors are listed in `skippedEntries`.
///
/// Checked at open, before any tensor byte is used: every storage member
/// exists, its size equals the size the pickle declares, every view lies
/// inside its storage, names are unique, deflated members cannot expand
/// beyond deflate's ratio. Each read checks the member's CRC-32 once.
/// Contiguous views of stored members are read in place from the mapping;
/// non-contiguous ones (a transpose, a slice) are gathered into a
/// row-major copy, and a big-endian file's elements are swapped.
///
/// Sendable because it is read only: every stored property is a `let` set in
/// `init` (the set of verified members is behind a `Mutex`).
public final class PyTorchFile: TensorArchive, @unchecked Sendable {
    public let path: String
    public var format: TensorArchiveFormat { .pytorch }
    public let tensors: [TensorInfo]
    /// `format: pt`, as `safetensors.torch` writes, so that a converted file
    /// loads in libraries that check it.
    public var metadata: [String: String] { ["format": "pt"] }
    /// Values of the pickled object that are not tensors, as `name (type)`.
    public let skippedEntries: [String]

    /// Largest `data.pkl` accepted, in bytes (a large model's is a few MB).
    public static let maxPickleSize = 256 << 20

    struct Entry {
        var view: TorchTensorRef
        var member: ZipDirectory.Member
        var contiguous: Bool
    }

    struct Parsed {
        var tensors: [TensorInfo]
        var entries: [Entry]
        var skipped: [String]
        var bigEndian: Bool
    }

    private let mapping: MappedFile
    private let entries: [Entry]
    private let index: [String: Int]
    private let bigEndian: Bool
    private let verified = Mutex<Set<String>>([])

    /// Opens, maps and validates `path`.
    /// - Throws: `PyTorchError` naming the file and the problem.
    public init(contentsOf path: String) throws {
        do {
            mapping = try MappedFile(path: path)
        } catch {
            throw PyTorchError.io(path: path, problem: error.problem)
        }
        self.path = path
        let parsed = try PyTorchFile.parse(mapping.bytes, path: path)
        tensors = parsed.tensors
        entries = parsed.entries
        skippedEntries = parsed.skipped
        bigEndian = parsed.bigEndian
        var index: [String: Int] = [:]
        for (i, t) in parsed.tensors.enumerated() { index[t.name] = i }
        self.index = index
    }

    /// Reads the directory and `data.pkl` of the zip in `bytes` and checks every
    /// tensor against its storage member (the in-memory entry point, for fuzzing).
    static func parse(_ bytes: UnsafeRawBufferPointer, path: String) throws -> Parsed {
        let directory: ZipDirectory
        do {
            directory = try ZipDirectory.read(bytes, path: path)
        } catch {
            throw PyTorchError.zip(error, path: path)
        }
        var members: [String: ZipDirectory.Member] = [:]
        for member in directory.members { members[member.name] = member }
        let pickles = directory.members.filter {
            $0.name == "data.pkl"
                || ($0.name.hasSuffix("/data.pkl") && $0.name.split(separator: "/", omittingEmptySubsequences: false).count == 2)
        }
        guard let pickle = pickles.first else { throw PyTorchError.damaged(path: path, problem: "no <folder>/data.pkl member") }
        guard pickles.count == 1 else {
            throw PyTorchError.damaged(path: path, problem: "\(pickles.count) data.pkl members; torch writes one")
        }
        let folder = String(pickle.name.dropLast("data.pkl".count))
        let bigEndian = try byteOrder(members[folder + "byteorder"], bytes: bytes, path: path)
        guard pickle.uncompressedSize <= maxPickleSize else {
            throw PyTorchError.unusable(
                path: path, problem: "\(pickle.name) is \(pickle.uncompressedSize) bytes, more than the \(maxPickleSize) accepted")
        }
        let (named, skipped): ([(String, TorchTensorRef)], [String])
        do {
            (named, skipped) = try withMember(pickle, bytes: bytes, path: path) { try StateDictFlattener.flatten(pickle: $0) }
        } catch let failure as PickleFailure {
            throw PyTorchError.refused(path: path, member: pickle.name, problem: failure.description)
        }
        var tensors: [TensorInfo] = []
        var entries: [Entry] = []
        for (name, view) in named {
            let entry = try check(view, named: name, members: members, folder: folder, path: path)
            let (byteCount, overflow) = view.shape.reduce(1, *).multipliedReportingOverflow(by: view.dtype.byteSize)
            guard !overflow else { throw PyTorchError.unusable(path: path, problem: "tensor \"\(name)\" is too large") }
            tensors.append(TensorInfo(name: name, dtype: view.dtype, shape: view.shape, dataOffsets: 0..<byteCount))
            entries.append(entry)
        }
        return Parsed(tensors: tensors, entries: entries, skipped: skipped, bigEndian: bigEndian)
    }

    /// Whether the `byteorder` member says big-endian (torch before 1.10 wrote
    /// none: little-endian, as torch itself assumes).
    private static func byteOrder(_ member: ZipDirectory.Member?, bytes: UnsafeRawBufferPointer, path: String) throws -> Bool {
        guard let member else { return false }
        guard member.uncompressedSize <= 16 else {
            throw PyTorchError.damaged(path: path, problem: "\(member.name) is not 'little' or 'big'")
        }
        let text = try withMember(member, bytes: bytes, path: path) { String(decoding: $0, as: UTF8.self) }
        switch String(text.filter { !$0.isWhitespace }) {
        case "little": return false
        case "big": return true
        default: throw PyTorchError.damaged(path: path, problem: "\(member.name) says \"\(text)\", not 'little' or 'big'")
        }
    }

    /// Hints the kernel that the data will be read front to back.
    public func adviseSequential() { mapping.adviseSequential() }

    /// Lets the kernel drop the mapped pages of a range of the tensor's
    /// elements when they are read in place (a contiguous view of a stored
    /// member); keeps memory flat during a streaming pass over a big file.
    public func release(_ info: TensorInfo, elements: Range<Int>) {
        guard let i = index[info.name], entries[i].contiguous, entries[i].member.method == 0, !bigEndian else { return }
        let size = info.dtype.byteSize
        mapping.release(
            offset: entries[i].member.dataOffset + (entries[i].view.offset + elements.lowerBound) * size, count: elements.count * size)
    }

    public func info(named name: String) -> TensorInfo? {
        index[name].map { tensors[$0] }
    }

    public func floatTensor(named name: String) throws -> Tensor {
        guard let info = info(named: name) else { throw SafetensorsError.tensorNotFound(path: path, name: name) }
        return try withRawBytes(named: name) { ElementDecoding.tensor(info.dtype, shape: info.shape, from: $0) }
    }

    public func withRawBytes<R>(named name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        guard let i = index[name] else { throw SafetensorsError.tensorNotFound(path: path, name: name) }
        let entry = entries[i], info = tensors[i]
        let member = entry.member
        let checked = verified.withLock { $0.contains(member.name) }
        return try PyTorchFile.withMember(member, bytes: mapping.bytes, path: path, verifyCRC: !checked) { storage in
            if !checked { verified.withLock { _ = $0.insert(member.name) } }
            let size = entry.view.dtype.byteSize
            if entry.contiguous && !bigEndian {
                let start = storage.startIndex + entry.view.offset * size
                return try body(UnsafeRawBufferPointer(rebasing: storage[start..<(start + info.byteCount)]))
            }
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(info.byteCount, 1), alignment: 16)
            defer { buffer.deallocate() }
            let target = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<info.byteCount])
            PyTorchFile.gather(entry.view, from: storage, swapBytes: bigEndian, into: target)
            return try body(UnsafeRawBufferPointer(target))
        }
    }
}
