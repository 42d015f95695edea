/// A JSON value as read by `StrictJSON`: object members keep their order, and
/// numbers keep their text so integers up to 64 bits stay exact.
enum JSONValue: Equatable, Sendable {
    case object([(key: String, value: JSONValue)])
    case array([JSONValue])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case let (.object(x), .object(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case let (.array(x), .array(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.number(x), .number(y)): return x == y
        case let (.bool(x), .bool(y)): return x == y
        case (.null, .null): return true
        default: return false
        }
    }

    /// The value as a non-negative integer if it is one, written without
    /// fraction or exponent and fitting in `Int`.
    var nonNegativeInt: Int? {
        guard case let .number(text) = self, !text.isEmpty, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            return nil
        }
        return Int(text)
    }

    /// A short name of the value's kind, for error messages.
    var kind: String {
        switch self {
        case .object: return "an object"
        case .array: return "an array"
        case .string: return "a string"
        case .number: return "a number"
        case .bool: return "a boolean"
        case .null: return "null"
        }
    }
}

/// A strict RFC 8259 JSON parser over raw bytes.
///
/// Unlike `JSONSerialization` it reports duplicate object keys (which a lying
/// header can use to hide a tensor), keeps integers exact, bounds nesting so
/// hostile input cannot exhaust the stack, and rejects invalid UTF-8.
struct StrictJSON {
    /// Why parsing failed, with the byte offset.
    struct ParseError: Error, Sendable {
        let offset: Int
        let message: String
        /// Set when the text was valid JSON apart from a repeated key.
        let duplicateKey: String?
    }

    private let bytes: UnsafeRawBufferPointer
    private var position = 0
    private let maxDepth: Int

    /// Parses one JSON value filling all of `bytes` (whitespace around allowed).
    static func parse(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = 64) throws(ParseError) -> JSONValue {
        var parser = StrictJSON(bytes: bytes, maxDepth: maxDepth)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        if parser.position != bytes.count {
            throw parser.error("unexpected text after the JSON value")
        }
        return value
    }

    private init(bytes: UnsafeRawBufferPointer, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    private func error(_ message: String, duplicateKey: String? = nil) -> ParseError {
        ParseError(offset: position, message: message, duplicateKey: duplicateKey)
    }

    private var atEnd: Bool { position >= bytes.count }
    private var current: UInt8 { bytes[position] }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private mutating func expect(_ byte: UInt8, _ what: String) throws(ParseError) {
        guard !atEnd, current == byte else {
            throw error(atEnd ? "unexpected end, expected \(what)" : "expected \(what)")
        }
        position += 1
    }

    private mutating func parseValue(depth: Int) throws(ParseError) -> JSONValue {
        guard !atEnd else { throw error("unexpected end of JSON") }
        switch current {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try parseLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try parseLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try parseLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw error("unexpected character")
        }
    }

    private mutating func parseLiteral(_ word: StaticString) throws(ParseError) {
        let count = word.utf8CodeUnitCount
        guard bytes.count - position >= count else { throw error("unexpected end of JSON") }
        let start = word.utf8Start
        for i in 0..<count where bytes[position + i] != start[i] {
            throw error("invalid literal")
        }
        position += count
    }

    private mutating func parseObject(depth: Int) throws(ParseError) -> JSONValue {
        guard depth <= maxDepth else { throw error("nesting deeper than \(maxDepth) levels") }
        position += 1
        var members: [(key: String, value: JSONValue)] = []
        var seen = Set<String>()
        skipWhitespace()
        if !atEnd, current == UInt8(ascii: "}") { position += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard !atEnd, current == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let key = try parseString()
            if !seen.insert(key).inserted {
                throw error("duplicate key \"\(key)\"", duplicateKey: key)
            }
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "':'")
            skipWhitespace()
            let value = try parseValue(depth: depth)
            members.append((key, value))
            skipWhitespace()
            guard !atEnd else { throw error("unexpected end inside an object") }
            if current == UInt8(ascii: ",") { position += 1; continue }
            if current == UInt8(ascii: "}") { position += 1; return .object(members) }
            throw error("expected ',' or '}'")
        }
    }

    private mutating func parseArray(depth: Int) throws(ParseError) -> JSONValue {
        guard depth <= maxDepth else { throw error("nesting deeper than \(maxDepth) levels") }
        position += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if !atEnd, current == UInt8(ascii: "]") { position += 1; return .array(items) }
        while true {
            skipWhitespace()
            items.append(try parseValue(depth: depth))
            skipWhitespace()
            guard !atEnd else { throw error("unexpected end inside an array") }
            if current == UInt8(ascii: ",") { position += 1; continue }
            if current == UInt8(ascii: "]") { position += 1; return .array(items) }
            throw error("expected ',' or ']'")
        }
    }

    private mutating func parseNumber() throws(ParseError) -> String {
        let start = position
        if current == UInt8(ascii: "-") { position += 1 }
        guard !atEnd else { throw error("unexpected end inside a number") }
        if current == UInt8(ascii: "0") {
            position += 1
        } else if current >= UInt8(ascii: "1") && current <= UInt8(ascii: "9") {
            while !atEnd, current >= UInt8(ascii: "0"), current <= UInt8(ascii: "9") { position += 1 }
        } else {
            throw error("invalid number")
        }
        if !atEnd, current == UInt8(ascii: ".") {
            position += 1
            let digits = position
            while !atEnd, current >= UInt8(ascii: "0"), current <= UInt8(ascii: "9") { position += 1 }
            if position == digits { throw error("invalid number") }
        }
        if !atEnd, current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            position += 1
            if !atEnd, current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            let digits = position
            while !atEnd, current >= UInt8(ascii: "0"), current <= UInt8(ascii: "9") { position += 1 }
            if position == digits { throw error("invalid number") }
        }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
    }

    private mutating func parseHex4() throws(ParseError) -> UInt32 {
        guard bytes.count - position >= 4 else { throw error("unexpected end inside a \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = current
            let digit: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw error("invalid \\u escape")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    private mutating func parseString() throws(ParseError) -> String {
        position += 1
        var scalars = String.UnicodeScalarView()
        let runStart = position
        // Fast path: plain ASCII without escapes.
        while !atEnd, current != UInt8(ascii: "\""), current != UInt8(ascii: "\\"), current >= 0x20, current < 0x80 {
            position += 1
        }
        if !atEnd, current == UInt8(ascii: "\"") {
            let s = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[runStart..<position]), as: UTF8.self)
            position += 1
            return s
        }
        position = runStart
        while true {
            guard !atEnd else { throw error("unexpected end inside a string") }
            let c = current
            if c == UInt8(ascii: "\"") { position += 1; return String(scalars) }
            if c < 0x20 { throw error("control character inside a string") }
            if c == UInt8(ascii: "\\") {
                position += 1
                guard !atEnd else { throw error("unexpected end inside a string") }
                let e = current
                position += 1
                switch e {
                case UInt8(ascii: "\""): scalars.append("\"")
                case UInt8(ascii: "\\"): scalars.append("\\")
                case UInt8(ascii: "/"): scalars.append("/")
                case UInt8(ascii: "b"): scalars.append("\u{08}")
                case UInt8(ascii: "f"): scalars.append("\u{0C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"):
                    var code = try parseHex4()
                    if code >= 0xD800 && code < 0xDC00 {
                        guard bytes.count - position >= 6, current == UInt8(ascii: "\\"),
                            bytes[position + 1] == UInt8(ascii: "u")
                        else {
                            throw error("unpaired surrogate in a \\u escape")
                        }
                        position += 2
                        let low = try parseHex4()
                        guard low >= 0xDC00 && low < 0xE000 else { throw error("unpaired surrogate in a \\u escape") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else if code >= 0xDC00 && code < 0xE000 {
                        throw error("unpaired surrogate in a \\u escape")
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw error("invalid \\u escape") }
                    scalars.append(scalar)
                default:
                    throw error("invalid escape")
                }
                continue
            }
            scalars.append(try decodeUTF8Scalar())
        }
    }

    /// Decodes one UTF-8 encoded scalar at the position, rejecting overlong
    /// forms, surrogates and truncated sequences.
    private mutating func decodeUTF8Scalar() throws(ParseError) -> Unicode.Scalar {
        let lead = current
        let length: Int
        var code: UInt32
        switch lead {
        case 0x00...0x7F: position += 1; return Unicode.Scalar(lead)
        case 0xC2...0xDF: length = 2; code = UInt32(lead & 0x1F)
        case 0xE0...0xEF: length = 3; code = UInt32(lead & 0x0F)
        case 0xF0...0xF4: length = 4; code = UInt32(lead & 0x07)
        default: throw error("invalid UTF-8")
        }
        guard bytes.count - position >= length else { throw error("invalid UTF-8") }
        for i in 1..<length {
            let b = bytes[position + i]
            guard b & 0xC0 == 0x80 else { throw error("invalid UTF-8") }
            code = code << 6 | UInt32(b & 0x3F)
        }
        let minimum: UInt32 = length == 2 ? 0x80 : (length == 3 ? 0x800 : 0x10000)
        guard code >= minimum, let scalar = Unicode.Scalar(code) else { throw error("invalid UTF-8") }
        position += length
        return scalar
    }
}

extension StrictJSON {
    /// True when `bytes` is well-formed UTF-8 (no overlong forms, no
    /// surrogates, nothing above U+10FFFF, no truncated sequence).
    static func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        let n = bytes.count
        while i < n {
            let lead = bytes[i]
            if lead < 0x80 { i += 1; continue }
            let length: Int
            var code: UInt32
            switch lead {
            case 0xC2...0xDF: length = 2; code = UInt32(lead & 0x1F)
            case 0xE0...0xEF: length = 3; code = UInt32(lead & 0x0F)
            case 0xF0...0xF4: length = 4; code = UInt32(lead & 0x07)
            default: return false
            }
            guard n - i >= length else { return false }
            for k in 1..<length {
                let b = bytes[i + k]
                guard b & 0xC0 == 0x80 else { return false }
                code = code << 6 | UInt32(b & 0x3F)
            }
            let minimum: UInt32 = length == 2 ? 0x80 : (length == 3 ? 0x800 : 0x10000)
            guard code >= minimum, code <= 0x10FFFF, !(0xD800...0xDFFF).contains(code) else { return false }
            i += length
        }
        return true
    }
}
