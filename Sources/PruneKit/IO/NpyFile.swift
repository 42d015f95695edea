/// A single .npy array opened for reading, memory-mapped; a one-tensor
/// archive whose tensor is named after the file (without `.npy`).
///
/// Sendable because it is read only: every stored property is a `let`
/// set in `init`, and the mapping is read-only for the object's lifetime.
public final class NpyFile: TensorArchive, @unchecked Sendable {
    public let path: String
    public var format: TensorArchiveFormat { .npy }
    /// The parsed header.
    public let header: NpyHeader
    /// The one tensor, named after the file.
    public let tensors: [TensorInfo]
    public var metadata: [String: String] { [:] }
    private let mapping: MappedFile

    /// Opens, maps and validates `path`.
    /// - Throws: `NpyError` naming the file and the problem.
    public init(contentsOf path: String) throws {
        do {
            mapping = try MappedFile(path: path)
        } catch {
            throw NpyError.io(path: path, problem: error.problem)
        }
        self.path = path
        header = try NpyFile.validate(mapping.bytes, path: path)
        var name = path.split(separator: "/").last.map(String.init) ?? path
        if name.lowercased().hasSuffix(".npy") { name.removeLast(4) }
        tensors = [TensorInfo(name: name, dtype: header.dtype, shape: header.shape, dataOffsets: 0..<header.dataByteCount)]
    }

    /// Parses the header of complete .npy bytes and checks the data length.
    static func validate(_ bytes: UnsafeRawBufferPointer, path: String) throws(NpyError) -> NpyHeader {
        let header = try NpyHeader.parse(bytes, path: path)
        let expected = header.dataStart + header.dataByteCount
        if bytes.count < expected { throw .truncated(path: path, size: bytes.count, needed: expected) }
        if bytes.count > expected { throw .trailingBytes(path: path, size: bytes.count, expected: expected) }
        return header
    }

    public func info(named name: String) -> TensorInfo? {
        tensors[0].name == name ? tensors[0] : nil
    }

    public func floatTensor(named name: String) throws -> Tensor {
        try withRawBytes(named: name) { ElementDecoding.tensor(header.dtype, shape: header.shape, from: $0) }
    }

    public func withRawBytes<R>(named name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        guard info(named: name) != nil else { throw SafetensorsError.tensorNotFound(path: path, name: name) }
        return try body(UnsafeRawBufferPointer(rebasing: mapping.bytes[header.dataStart..<(header.dataStart + header.dataByteCount)]))
    }
}

/// Writes .npy files (format 1.0) that numpy reads with `numpy.load`.
public enum NpyWriter {
    /// The complete .npy bytes for stored little-endian `bytes` of `dtype` and `shape`.
    /// - Throws: `NpyError.unsupportedDType` for dtypes numpy lacks (BF16, FP8),
    ///   `NpyError.badHeader` when the byte count does not match.
    public static func encode(dtype: DType, shape: [Int], bytes: [UInt8], path: String = "(new file)") throws -> [UInt8] {
        guard let descr = NpyHeader.descr(for: dtype) else {
            throw NpyError.unsupportedDType(path: path, descr: dtype.rawValue, reason: "numpy has no such dtype; convert to F32 first")
        }
        let count = shape.reduce(1, *)
        guard shape.allSatisfy({ $0 >= 0 }), count * dtype.byteSize == bytes.count else {
            throw NpyError.badHeader(
                path: path, problem: "shape \(shape) of \(dtype.rawValue) needs \(count * dtype.byteSize) bytes, got \(bytes.count)")
        }
        return NpyHeader.encode(descr: descr, shape: shape) + bytes
    }

    /// The complete .npy bytes of a Float32 tensor (`<f4`).
    public static func encode(_ tensor: Tensor) -> [UInt8] {
        NpyHeader.encode(descr: "<f4", shape: tensor.shape) + tensor.data.withUnsafeBytes { [UInt8]($0) }
    }

    /// Writes a Float32 tensor to `path` atomically.
    public static func write(_ tensor: Tensor, to path: String) throws {
        try AtomicFile.write(encode(tensor), to: path)
    }

    /// Writes stored bytes of `dtype` and `shape` to `path` atomically.
    public static func write(dtype: DType, shape: [Int], bytes: [UInt8], to path: String) throws {
        try AtomicFile.write(encode(dtype: dtype, shape: shape, bytes: bytes, path: path), to: path)
    }
}
