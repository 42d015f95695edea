/// A safetensors file opened for reading: header parsed and validated, data
/// memory-mapped.
///
/// Layout: 8 bytes little-endian header length N; N bytes of UTF-8 JSON (an
/// object mapping tensor names to `{"dtype", "shape", "data_offsets"}` plus an
/// optional `"__metadata__"` string map); then the tensors' bytes,
/// little-endian, row-major, each at `data_offsets` relative to the data start.
///
/// Everything is checked in `init` before any byte is used: header size limit,
/// UTF-8 and strict JSON (duplicate names rejected), known dtypes, shapes,
/// offsets contiguous from 0 without gaps or overlap, byte counts equal to
/// shape x dtype size, no overflow, data section filled exactly. The mapping
/// lives as long as the object; reading a tensor touches only its pages.
///
/// Sendable because it is read only: every stored property is a `let`
/// set in `init`, and the mapping is read-only for the object's lifetime.
public final class SafetensorsFile: @unchecked Sendable {
    /// The largest header accepted, in bytes (as the reference implementation).
    public static let maxHeaderSize = 100_000_000

    /// The path the file was opened from.
    public let path: String
    /// Every tensor, in data-offset order.
    public let tensors: [TensorInfo]
    /// The `__metadata__` map (empty when absent).
    public let metadata: [String: String]
    /// Size of the JSON header in bytes (without the 8-byte length).
    public let headerSize: Int
    /// Offset of the data section from the start of the file.
    public var dataStart: Int { 8 + headerSize }
    /// Size of the whole file in bytes.
    public var fileSize: Int { mapping.bytes.count }

    private let mapping: MappedFile
    private let index: [String: Int]

    /// Opens, maps and validates the file at `path`.
    /// - Throws: `SafetensorsError` naming the file and the problem.
    public init(contentsOf path: String) throws {
        let mapping: MappedFile
        do {
            mapping = try MappedFile(path: path)
        } catch {
            throw SafetensorsError.io(path: path, problem: error.problem)
        }
        let parsed = try SafetensorsFile.parse(mapping.bytes, path: path)
        self.path = path
        self.mapping = mapping
        self.tensors = parsed.tensors
        self.metadata = parsed.metadata
        self.headerSize = parsed.headerSize
        var index: [String: Int] = [:]
        for (i, t) in parsed.tensors.enumerated() { index[t.name] = i }
        self.index = index
    }

    /// The tensor called `name`, or nil.
    public func info(named name: String) -> TensorInfo? {
        index[name].map { tensors[$0] }
    }

    /// The tensor called `name`, or `SafetensorsError.tensorNotFound`.
    public func requireInfo(named name: String) throws -> TensorInfo {
        guard let info = info(named: name) else { throw SafetensorsError.tensorNotFound(path: path, name: name) }
        return info
    }

    /// The tensor converted to Float32 (every dtype: floats widen exactly,
    /// integers to the nearest float, BOOL to 0/1).
    public func floatTensor(named name: String) throws -> Tensor {
        let info = try requireInfo(named: name)
        return ElementDecoding.tensor(info.dtype, shape: info.shape, from: bytes(of: info))
    }

    /// A copy of the tensor's stored bytes.
    public func rawBytes(named name: String) throws -> [UInt8] {
        try withRawBytes(named: name) { [UInt8]($0) }
    }

    /// Calls `body` with the tensor's stored bytes, in place in the mapping.
    /// The pointer must not escape `body`.
    public func withRawBytes<R>(named name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        try body(bytes(of: requireInfo(named: name)))
    }

    /// The stored bytes of a tensor of this file (valid while the file is alive).
    func bytes(of info: TensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(
            rebasing: mapping.bytes[(dataStart + info.dataOffsets.lowerBound)..<(dataStart + info.dataOffsets.upperBound)])
    }

    /// Calls `body` with the whole mapped file.
    public func withFileBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(mapping.bytes)
    }

    /// Hints the kernel that the data will be read front to back.
    public func adviseSequential() { mapping.adviseSequential() }

    /// Lets the kernel drop the mapped pages lying wholly inside the tensor's
    /// data from this process's memory (they are read again from the file if
    /// touched). Keeps memory flat during a streaming pass over a big file.
    public func release(_ info: TensorInfo) {
        mapping.release(offset: dataStart + info.dataOffsets.lowerBound, count: info.byteCount)
    }

    /// Like `release(_:)` for the pages of a range of the tensor's elements.
    public func release(_ info: TensorInfo, elements: Range<Int>) {
        let size = info.dtype.byteSize
        mapping.release(
            offset: dataStart + info.dataOffsets.lowerBound + elements.lowerBound * size,
            count: elements.count * size)
    }

    // MARK: - Parsing and validation

    struct Parsed {
        var tensors: [TensorInfo]
        var metadata: [String: String]
        var headerSize: Int
    }

    /// Parses and validates a whole safetensors file held in `bytes`.
    static func parse(_ bytes: UnsafeRawBufferPointer, path: String) throws(SafetensorsError) -> Parsed {
        guard bytes.count >= 8 else {
            throw .truncated(path: path, fileSize: bytes.count, needed: 8)
        }
        let announced = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
        guard announced <= UInt64(maxHeaderSize) else {
            throw .headerTooLarge(path: path, size: announced)
        }
        let headerSize = Int(announced)
        guard bytes.count - 8 >= headerSize else {
            throw .truncated(path: path, fileSize: bytes.count, needed: 8 + headerSize)
        }
        let header = UnsafeRawBufferPointer(rebasing: bytes[8..<(8 + headerSize)])
        guard StrictJSON.isValidUTF8(header) else { throw .headerNotUTF8(path: path) }
        let root: JSONValue
        do {
            root = try StrictJSON.parse(header)
        } catch {
            if let key = error.duplicateKey {
                throw .duplicateName(path: path, name: key)
            }
            throw .headerNotJSON(path: path, problem: "\(error.message) at byte \(error.offset)")
        }
        guard case let .object(members) = root else {
            throw .headerNotJSON(path: path, problem: "expected an object, found \(root.kind)")
        }
        let dataLength = bytes.count - 8 - headerSize
        var metadata: [String: String] = [:]
        var unordered: [TensorInfo] = []
        unordered.reserveCapacity(members.count)
        for (name, value) in members {
            if name == "__metadata__" {
                metadata = try parseMetadata(value, path: path)
                continue
            }
            unordered.append(try parseEntry(name: name, value: value, path: path))
        }
        // Contiguity check in offset order; zero-length tensors keep header order.
        let ordered = unordered.enumerated().sorted {
            ($0.element.dataOffsets.lowerBound, $0.element.dataOffsets.upperBound, $0.offset)
                < ($1.element.dataOffsets.lowerBound, $1.element.dataOffsets.upperBound, $1.offset)
        }.map(\.element)
        var expected = 0
        for t in ordered {
            let begin = t.dataOffsets.lowerBound, end = t.dataOffsets.upperBound
            if end > dataLength {
                throw .offsetsOutOfBounds(path: path, tensor: t.name, begin: begin, end: end, dataLength: dataLength)
            }
            if begin != expected {
                throw .offsetsNotContiguous(path: path, tensor: t.name, expectedBegin: expected, begin: begin)
            }
            expected = end
        }
        if expected != dataLength {
            throw .dataLengthMismatch(path: path, described: expected, actual: dataLength)
        }
        return Parsed(tensors: ordered, metadata: metadata, headerSize: headerSize)
    }

    private static func parseMetadata(_ value: JSONValue, path: String) throws(SafetensorsError) -> [String: String] {
        guard case let .object(pairs) = value else {
            throw .invalidMetadata(path: path, problem: "must be an object of strings, found \(value.kind)")
        }
        var result: [String: String] = [:]
        for (key, v) in pairs {
            guard case let .string(s) = v else {
                throw .invalidMetadata(path: path, problem: "value of \"\(key)\" must be a string, found \(v.kind)")
            }
            result[key] = s
        }
        return result
    }

    private static func parseEntry(name: String, value: JSONValue, path: String) throws(SafetensorsError) -> TensorInfo {
        guard case let .object(fields) = value else {
            throw .invalidEntry(path: path, tensor: name, problem: "entry must be an object, found \(value.kind)")
        }
        var dtypeText: String?
        var shapeValue: JSONValue?
        var offsetsValue: JSONValue?
        for (key, v) in fields {
            switch key {
            case "dtype":
                guard case let .string(s) = v else {
                    throw .invalidEntry(path: path, tensor: name, problem: "dtype must be a string, found \(v.kind)")
                }
                dtypeText = s
            case "shape": shapeValue = v
            case "data_offsets": offsetsValue = v
            default: continue
            }
        }
        guard let dtypeText else { throw .invalidEntry(path: path, tensor: name, problem: "missing \"dtype\"") }
        guard let shapeValue else { throw .invalidEntry(path: path, tensor: name, problem: "missing \"shape\"") }
        guard let offsetsValue else { throw .invalidEntry(path: path, tensor: name, problem: "missing \"data_offsets\"") }
        guard let dtype = DType(rawValue: dtypeText) else {
            throw .unknownDType(path: path, tensor: name, dtype: dtypeText)
        }
        guard case let .array(dims) = shapeValue else {
            throw .badShape(path: path, tensor: name, problem: "must be an array, found \(shapeValue.kind)")
        }
        var shape: [Int] = []
        shape.reserveCapacity(dims.count)
        var elements = 1
        var overflowed = false
        for d in dims {
            guard let n = d.nonNegativeInt else {
                if case let .number(text) = d, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) {
                    throw .overflow(path: path, tensor: name)
                }
                throw .badShape(path: path, tensor: name, problem: "\(describe(d)) is not a non-negative integer")
            }
            shape.append(n)
            let (product, o) = elements.multipliedReportingOverflow(by: n)
            elements = product
            overflowed = overflowed || o
        }
        guard case let .array(offsets) = offsetsValue, offsets.count == 2 else {
            throw .invalidEntry(path: path, tensor: name, problem: "data_offsets must be an array of two integers")
        }
        guard let begin = offsets[0].nonNegativeInt, let end = offsets[1].nonNegativeInt else {
            if offsets.allSatisfy({
                if case let .number(t) = $0 { return t.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } } else { return false }
            }) {
                throw .overflow(path: path, tensor: name)
            }
            throw .invalidEntry(path: path, tensor: name, problem: "data_offsets must be two non-negative integers")
        }
        let byteCount = elements.multipliedReportingOverflow(by: dtype.byteSize)
        // A zero extent makes the product 0 whatever overflowed before it.
        if shape.contains(0) { overflowed = false }
        if overflowed || byteCount.overflow { throw .overflow(path: path, tensor: name) }
        guard end >= begin else {
            throw .offsetsOutOfBounds(path: path, tensor: name, begin: begin, end: end, dataLength: 0)
        }
        if end - begin != byteCount.partialValue {
            throw .byteCountMismatch(path: path, tensor: name, expected: byteCount.partialValue, actual: end - begin)
        }
        return TensorInfo(name: name, dtype: dtype, shape: shape, dataOffsets: begin..<end)
    }

    private static func describe(_ v: JSONValue) -> String {
        switch v {
        case let .number(t): return t
        case let .string(s): return "\"\(s)\""
        default: return v.kind
        }
    }
}
