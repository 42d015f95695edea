/// The parsed header of a .npy array: dtype, shape and where the data starts.
///
/// Format: `\x93NUMPY`, major and minor version bytes, header length (uint16
/// LE for 1.0, uint32 LE for 2.0 and 3.0), then a Python dict literal such as
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (300, 784), }` padded
/// with spaces and ending in a newline.
public struct NpyHeader: Sendable, Equatable {
    /// Element type.
    public var dtype: DType
    /// Extent of each dimension; `[]` for a 0-d array.
    public var shape: [Int]
    /// Offset of the first data byte from the start of the .npy bytes.
    public var dataStart: Int
    /// The dtype as numpy wrote it (e.g. `<f4`).
    public var descr: String

    /// Number of elements.
    public var elementCount: Int { shape.reduce(1, *) }
    /// Number of data bytes.
    public var dataByteCount: Int { elementCount * dtype.byteSize }

    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY

    /// Bytes needed to know the header's length (magic, version, length field).
    static let prefixLength = 12

    /// Parses the header at the start of `bytes`. Needs only the header's bytes
    /// (not the data); the data length is checked by the caller.
    static func parse(_ bytes: UnsafeRawBufferPointer, path: String) throws(NpyError) -> NpyHeader {
        guard bytes.count >= 8 else {
            if bytes.count < 6 || !zip(bytes, magic).allSatisfy({ $0 == $1 }) {
                throw bytes.count >= 6 ? .notNpy(path: path) : .truncated(path: path, size: bytes.count, needed: 10)
            }
            throw .truncated(path: path, size: bytes.count, needed: 10)
        }
        guard zip(bytes.prefix(6), magic).allSatisfy({ $0 == $1 }) else { throw .notNpy(path: path) }
        let major = bytes[6], minor = bytes[7]
        let lengthStart: Int, headerLength: Int
        switch major {
        case 1:
            guard bytes.count >= 10 else { throw .truncated(path: path, size: bytes.count, needed: 10) }
            lengthStart = 10
            headerLength = Int(UInt16(bytes[8]) | UInt16(bytes[9]) << 8)
        case 2, 3:
            guard bytes.count >= 12 else { throw .truncated(path: path, size: bytes.count, needed: 12) }
            lengthStart = 12
            headerLength = Int(UInt32(bytes[8]) | UInt32(bytes[9]) << 8 | UInt32(bytes[10]) << 16 | UInt32(bytes[11]) << 24)
        default:
            throw .unsupportedVersion(path: path, major: major, minor: minor)
        }
        guard minor == 0 else { throw .unsupportedVersion(path: path, major: major, minor: minor) }
        guard headerLength <= 1 << 24 else {
            throw .badHeader(path: path, problem: "header length \(headerLength) is implausibly large")
        }
        let dataStart = lengthStart + headerLength
        guard bytes.count >= dataStart else { throw .truncated(path: path, size: bytes.count, needed: dataStart) }
        let text = UnsafeRawBufferPointer(rebasing: bytes[lengthStart..<dataStart])
        if major < 3 {
            // 1.0 and 2.0 headers are latin-1; anything outside ASCII is not a valid dict here.
            guard text.allSatisfy({ $0 < 0x80 }) else { throw .badHeader(path: path, problem: "non-ASCII bytes in the header") }
        } else {
            guard StrictJSON.isValidUTF8(text) else { throw .badHeader(path: path, problem: "header is not valid UTF-8") }
        }
        var parser = PythonLiteralParser(bytes: text)
        let dict: [(String, PythonLiteralParser.Value)]
        do {
            dict = try parser.parseHeaderDict()
        } catch {
            throw .badHeader(path: path, problem: error.message)
        }
        var descrValue: PythonLiteralParser.Value?
        var fortran: Bool?
        var shapeValue: PythonLiteralParser.Value?
        for (key, value) in dict {
            switch key {
            case "descr": descrValue = value
            case "fortran_order":
                guard case let .bool(b) = value else { throw .badHeader(path: path, problem: "fortran_order must be True or False") }
                fortran = b
            case "shape": shapeValue = value
            default: throw .badHeader(path: path, problem: "unexpected key '\(key)'")
            }
        }
        guard let descrValue else { throw .badHeader(path: path, problem: "missing 'descr'") }
        guard let fortran else { throw .badHeader(path: path, problem: "missing 'fortran_order'") }
        guard let shapeValue else { throw .badHeader(path: path, problem: "missing 'shape'") }
        guard case let .string(descr) = descrValue else {
            throw .nonNumeric(path: path, descr: "structured")
        }
        let dtype = try dtypeFor(descr: descr, path: path)
        guard case let .tuple(dims) = shapeValue else { throw .badHeader(path: path, problem: "shape must be a tuple") }
        var shape: [Int] = []
        var bytesNeeded = dtype.byteSize
        for d in dims {
            guard case let .int(n) = d else { throw .badHeader(path: path, problem: "shape must be a tuple of non-negative integers") }
            guard n >= 0 else { throw .badHeader(path: path, problem: "negative extent \(n) in shape") }
            shape.append(n)
            let (p, o) = bytesNeeded.multipliedReportingOverflow(by: n)
            if o && !dims.contains(.int(0)) { throw .overflow(path: path) }
            bytesNeeded = o ? 0 : p
        }
        if shape.contains(0) { bytesNeeded = 0 }
        if fortran && shape.filter({ $0 > 1 }).count > 1 { throw .fortranOrder(path: path) }
        let (_, o) = dataStart.addingReportingOverflow(bytesNeeded)
        if o { throw .overflow(path: path) }
        return NpyHeader(dtype: dtype, shape: shape, dataStart: dataStart, descr: descr)
    }

    /// Maps a numpy type string to a DType, or says why it cannot.
    static func dtypeFor(descr: String, path: String) throws(NpyError) -> DType {
        let chars = Array(descr.utf8)
        guard chars.count >= 2 else { throw .nonNumeric(path: path, descr: descr) }
        let order = chars[0]
        let code = String(decoding: chars[1...], as: UTF8.self)
        guard [UInt8(ascii: "<"), UInt8(ascii: "|"), UInt8(ascii: "="), UInt8(ascii: ">")].contains(order) else {
            throw .nonNumeric(path: path, descr: descr)
        }
        let dtype: DType
        switch code {
        case "b1", "?": dtype = .BOOL
        case "u1": dtype = .U8
        case "i1": dtype = .I8
        case "u2": dtype = .U16
        case "i2": dtype = .I16
        case "u4": dtype = .U32
        case "i4": dtype = .I32
        case "u8": dtype = .U64
        case "i8": dtype = .I64
        case "f2": dtype = .F16
        case "f4": dtype = .F32
        case "f8": dtype = .F64
        default:
            let kind = code.first ?? "?"
            switch kind {
            case "O", "U", "S", "a", "V", "M", "m":
                throw .nonNumeric(path: path, descr: descr)
            case "c":
                throw .unsupportedDType(path: path, descr: descr, reason: "complex numbers are not read")
            default:
                throw .unsupportedDType(path: path, descr: descr, reason: "no matching tensor dtype")
            }
        }
        if order == UInt8(ascii: ">") && dtype.byteSize > 1 {
            throw .unsupportedDType(path: path, descr: descr, reason: "big-endian data; save it little-endian (astype('<\(code)'))")
        }
        return dtype
    }

    /// The numpy type string for `dtype` (little-endian), or nil for dtypes
    /// numpy lacks (BF16, FP8).
    public static func descr(for dtype: DType) -> String? {
        switch dtype {
        case .BOOL: return "|b1"
        case .U8: return "|u1"
        case .I8: return "|i1"
        case .U16: return "<u2"
        case .I16: return "<i2"
        case .U32: return "<u4"
        case .I32: return "<i4"
        case .U64: return "<u8"
        case .I64: return "<i8"
        case .F16: return "<f2"
        case .F32: return "<f4"
        case .F64: return "<f8"
        case .BF16, .F8_E4M3, .F8_E5M2: return nil
        }
    }

    /// The complete v1.0 header bytes (magic to newline) for `dtype` and
    /// `shape`, padded so the data starts at a multiple of 64 bytes.
    static func encode(descr: String, shape: [Int]) -> [UInt8] {
        let shapeText: String
        switch shape.count {
        case 0: shapeText = "()"
        case 1: shapeText = "(\(shape[0]),)"
        default: shapeText = "(" + shape.map(String.init).joined(separator: ", ") + ")"
        }
        var dict = Array("{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }".utf8)
        let unpadded = magic.count + 2 + 2 + dict.count + 1
        let padding = (64 - unpadded % 64) % 64
        dict += [UInt8](repeating: 0x20, count: padding)
        dict.append(0x0A)
        var out = magic + [1, 0]
        out.append(UInt8(dict.count & 0xFF))
        out.append(UInt8(dict.count >> 8))
        return out + dict
    }
}

/// A parser for the small subset of Python literals in .npy headers:
/// a dict of string keys to strings, booleans, integers and tuples (or
/// lists) of those.
struct PythonLiteralParser {
    indirect enum Value: Equatable {
        case string(String)
        case int(Int)
        case bool(Bool)
        case none
        case tuple([Value])
    }

    struct ParseError: Error {
        let message: String
    }

    private let bytes: UnsafeRawBufferPointer
    private var position = 0

    init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    private var atEnd: Bool { position >= bytes.count }

    private mutating func skipSpace() {
        while !atEnd, bytes[position] == 0x20 || bytes[position] == 0x0A || bytes[position] == 0x09 || bytes[position] == 0x0D {
            position += 1
        }
    }

    /// Parses `{key: value, ...}` followed only by whitespace.
    mutating func parseHeaderDict() throws(ParseError) -> [(String, Value)] {
        skipSpace()
        guard !atEnd, bytes[position] == UInt8(ascii: "{") else { throw ParseError(message: "expected a dict") }
        position += 1
        var result: [(String, Value)] = []
        while true {
            skipSpace()
            guard !atEnd else { throw ParseError(message: "unterminated dict") }
            if bytes[position] == UInt8(ascii: "}") { position += 1; break }
            guard case let .string(key) = try parseValue(depth: 0) else { throw ParseError(message: "dict keys must be strings") }
            if result.contains(where: { $0.0 == key }) { throw ParseError(message: "duplicate key '\(key)'") }
            skipSpace()
            guard !atEnd, bytes[position] == UInt8(ascii: ":") else { throw ParseError(message: "expected ':'") }
            position += 1
            skipSpace()
            let value = try parseValue(depth: 0)
            result.append((key, value))
            skipSpace()
            guard !atEnd else { throw ParseError(message: "unterminated dict") }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            if bytes[position] == UInt8(ascii: "}") { position += 1; break }
            throw ParseError(message: "expected ',' or '}'")
        }
        skipSpace()
        guard atEnd else { throw ParseError(message: "text after the dict") }
        return result
    }

    private mutating func parseValue(depth: Int) throws(ParseError) -> Value {
        guard depth < 16 else { throw ParseError(message: "nesting too deep") }
        guard !atEnd else { throw ParseError(message: "unexpected end") }
        let c = bytes[position]
        switch c {
        case UInt8(ascii: "'"), UInt8(ascii: "\""):
            return .string(try parseString(quote: c))
        case UInt8(ascii: "("), UInt8(ascii: "["):
            let close = c == UInt8(ascii: "(") ? UInt8(ascii: ")") : UInt8(ascii: "]")
            position += 1
            var items: [Value] = []
            while true {
                skipSpace()
                guard !atEnd else { throw ParseError(message: "unterminated tuple") }
                if bytes[position] == close { position += 1; return .tuple(items) }
                items.append(try parseValue(depth: depth + 1))
                skipSpace()
                guard !atEnd else { throw ParseError(message: "unterminated tuple") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                if bytes[position] == close { position += 1; return .tuple(items) }
                throw ParseError(message: "expected ',' in a tuple")
            }
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            var negative = false
            if c == UInt8(ascii: "-") { negative = true; position += 1 }
            var value = 0
            var digits = 0
            while !atEnd, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") {
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int(bytes[position] - UInt8(ascii: "0")))
                guard !o1 && !o2 else { throw ParseError(message: "integer too large") }
                value = a
                digits += 1
                position += 1
            }
            guard digits > 0 else { throw ParseError(message: "invalid number") }
            if !atEnd, bytes[position] == UInt8(ascii: "L") { position += 1 }  // Python 2 long
            return .int(negative ? -value : value)
        default:
            for (word, value) in [("True", Value.bool(true)), ("False", .bool(false)), ("None", .none)] {
                let w = Array(word.utf8)
                if bytes.count - position >= w.count, zip(bytes[position..<(position + w.count)], w).allSatisfy({ $0 == $1 }) {
                    position += w.count
                    return value
                }
            }
            throw ParseError(message: "unexpected character in the header")
        }
    }

    private mutating func parseString(quote: UInt8) throws(ParseError) -> String {
        position += 1
        let start = position
        while !atEnd, bytes[position] != quote {
            if bytes[position] == UInt8(ascii: "\\") || bytes[position] == 0x0A {
                throw ParseError(message: "escapes and newlines in strings are not expected")
            }
            position += 1
        }
        guard !atEnd else { throw ParseError(message: "unterminated string") }
        let s = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        position += 1
        return s
    }
}
