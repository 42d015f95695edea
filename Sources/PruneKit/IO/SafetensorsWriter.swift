import Foundation

/// One tensor to write: name, dtype, shape and its little-endian bytes.
public struct SafetensorsEntry: Sendable {
    public var name: String
    public var dtype: DType
    public var shape: [Int]
    /// Stored bytes, little-endian, row-major: element count x dtype size of them.
    public var bytes: [UInt8]

    /// An entry from already-encoded bytes (checked when written).
    public init(name: String, dtype: DType, shape: [Int], bytes: [UInt8]) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// An F32 entry holding `tensor` exactly.
    public init(name: String, tensor: Tensor) {
        self.name = name
        self.dtype = .F32
        self.shape = tensor.shape
        self.bytes = tensor.data.withUnsafeBytes { [UInt8]($0) }
    }

    /// An entry holding `tensor` converted to `dtype`: F32 exactly, F64 exactly,
    /// F16 and BF16 rounded to nearest even.
    /// - Throws: `SafetensorsError.unsupportedDType` for other dtypes.
    public init(name: String, tensor: Tensor, dtype: DType) throws {
        self.name = name
        self.dtype = dtype
        self.shape = tensor.shape
        let values = tensor.data
        switch dtype {
        case .F32:
            bytes = values.withUnsafeBytes { [UInt8]($0) }
        case .F64:
            bytes = [UInt8](unsafeUninitializedCapacity: values.count * 8) { buffer, initialized in
                let raw = UnsafeMutableRawBufferPointer(buffer)
                for (i, v) in values.enumerated() {
                    raw.storeBytes(of: Double(v).bitPattern.littleEndian, toByteOffset: 8 * i, as: UInt64.self)
                }
                initialized = values.count * 8
            }
        case .F16, .BF16:
            let half = dtype == .F16
            bytes = [UInt8](unsafeUninitializedCapacity: values.count * 2) { buffer, initialized in
                let raw = UnsafeMutableRawBufferPointer(buffer)
                for (i, v) in values.enumerated() {
                    let bits = half ? FloatConversion.floatToHalf(v) : FloatConversion.floatToBFloat16(v)
                    raw.storeBytes(of: bits.littleEndian, toByteOffset: 2 * i, as: UInt16.self)
                }
                initialized = values.count * 2
            }
        default:
            throw SafetensorsError.unsupportedDType(path: "(new file)", tensor: name, dtype: dtype, operation: "encode floats as")
        }
    }
}

/// Writes safetensors files.
public enum SafetensorsWriter {
    /// Writes `entries` (data in entry order) and optional `metadata` to `path`.
    ///
    /// The header is compact JSON padded with spaces to a multiple of 8 bytes.
    /// The write is atomic (temporary file, fsync, rename): on failure nothing
    /// is left at `path` or beside it.
    /// - Throws: `SafetensorsError` for inconsistent entries or duplicate
    ///   names, `AtomicFileError` for I/O failures.
    public static func write(_ entries: [SafetensorsEntry], metadata: [String: String]? = nil, to path: String) throws {
        let layout = try layoutHeader(entries.map { ($0.name, $0.dtype, $0.shape, $0.bytes.count) }, metadata: metadata, path: path)
        try AtomicFile.write(to: path) { sink in
            try sink.append(layout)
            for entry in entries { try sink.append(entry.bytes) }
        }
    }

    /// The 8-byte length plus padded JSON header for tensors laid out in order.
    ///
    /// Each tuple gives a tensor's name, dtype, shape and byte count; byte
    /// counts are checked against shape x dtype size.
    public static func layoutHeader(
        _ tensors: [(name: String, dtype: DType, shape: [Int], byteCount: Int)],
        metadata: [String: String]?, path: String
    ) throws -> [UInt8] {
        var json = "{"
        var first = true
        if let metadata, !metadata.isEmpty {
            json += "\"__metadata__\":{"
            json += metadata.sorted { $0.key < $1.key }
                .map { "\(quote($0.key)):\(quote($0.value))" }
                .joined(separator: ",")
            json += "}"
            first = false
        }
        var names = Set<String>()
        var offset = 0
        for t in tensors {
            if t.name == "__metadata__" {
                throw SafetensorsError.invalidWriteEntry(path: path, tensor: t.name, problem: "the name __metadata__ is reserved")
            }
            guard names.insert(t.name).inserted else { throw SafetensorsError.duplicateName(path: path, name: t.name) }
            guard t.shape.allSatisfy({ $0 >= 0 }) else {
                throw SafetensorsError.badShape(path: path, tensor: t.name, problem: "negative extent in \(t.shape)")
            }
            var expected = t.dtype.byteSize
            for d in t.shape {
                let (p, o) = expected.multipliedReportingOverflow(by: d)
                if o { throw SafetensorsError.overflow(path: path, tensor: t.name) }
                expected = p
            }
            guard expected == t.byteCount else {
                throw SafetensorsError.byteCountMismatch(path: path, tensor: t.name, expected: expected, actual: t.byteCount)
            }
            let end = offset + t.byteCount
            if !first { json += "," }
            first = false
            json +=
                "\(quote(t.name)):{\"dtype\":\"\(t.dtype.rawValue)\",\"shape\":[\(t.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(end)]}"
            offset = end
        }
        json += "}"
        var header = Array(json.utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var out = [UInt8]()
        out.reserveCapacity(8 + header.count)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: header)
        return out
    }

    /// A JSON string literal for `s`.
    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20:
                out += String(format: "\\u%04x", c.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
