/// What is wrong with a safetensors file, or with a request made of one.
///
/// Every description is one line naming the file (and the tensor where there
/// is one) and the problem, written for the person who supplied the file.
public enum SafetensorsError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file could not be opened, mapped or written.
    case io(path: String, problem: String)
    /// The file ends before the 8-byte length or before the header it announces.
    case truncated(path: String, fileSize: Int, needed: Int)
    /// The announced header is longer than the 100,000,000-byte limit.
    case headerTooLarge(path: String, size: UInt64)
    /// The header bytes are not valid UTF-8.
    case headerNotUTF8(path: String)
    /// The header is not JSON, or not a JSON object.
    case headerNotJSON(path: String, problem: String)
    /// The header has the same name twice.
    case duplicateName(path: String, name: String)
    /// A tensor entry lacks a field or has one of the wrong type.
    case invalidEntry(path: String, tensor: String, problem: String)
    /// `__metadata__` is not an object of strings.
    case invalidMetadata(path: String, problem: String)
    /// The dtype is not one this reader knows.
    case unknownDType(path: String, tensor: String, dtype: String)
    /// A shape entry is not a non-negative integer.
    case badShape(path: String, tensor: String, problem: String)
    /// A size computation overflows.
    case overflow(path: String, tensor: String)
    /// The tensor's byte range does not start where the previous one ended.
    case offsetsNotContiguous(path: String, tensor: String, expectedBegin: Int, begin: Int)
    /// The tensor's byte range is reversed or ends past the data.
    case offsetsOutOfBounds(path: String, tensor: String, begin: Int, end: Int, dataLength: Int)
    /// end - begin differs from element count x dtype size.
    case byteCountMismatch(path: String, tensor: String, expected: Int, actual: Int)
    /// The tensors' data does not fill the data section exactly.
    case dataLengthMismatch(path: String, described: Int, actual: Int)
    /// No tensor of that name.
    case tensorNotFound(path: String, name: String)
    /// The operation does not support the tensor's dtype.
    case unsupportedDType(path: String, tensor: String, dtype: DType, operation: String)
    /// An entry to write is inconsistent (bytes vs shape and dtype, bad name).
    case invalidWriteEntry(path: String, tensor: String, problem: String)

    public var description: String {
        switch self {
        case let .io(path, problem):
            return "\(path): \(problem)"
        case let .truncated(path, fileSize, needed):
            return "\(path): truncated: the file has \(fileSize) bytes but its header needs \(needed)"
        case let .headerTooLarge(path, size):
            return "\(path): header too large: \(size) bytes (limit 100,000,000); not a safetensors file?"
        case let .headerNotUTF8(path):
            return "\(path): header is not valid UTF-8"
        case let .headerNotJSON(path, problem):
            return "\(path): header is not valid JSON: \(problem)"
        case let .duplicateName(path, name):
            return "\(path): tensor \"\(name)\" appears twice in the header"
        case let .invalidEntry(path, tensor, problem):
            return "\(path): tensor \"\(tensor)\": \(problem)"
        case let .invalidMetadata(path, problem):
            return "\(path): __metadata__ \(problem)"
        case let .unknownDType(path, tensor, dtype):
            return "\(path): tensor \"\(tensor)\": unknown dtype \"\(dtype)\""
        case let .badShape(path, tensor, problem):
            return "\(path): tensor \"\(tensor)\": bad shape: \(problem)"
        case let .overflow(path, tensor):
            return "\(path): tensor \"\(tensor)\": size arithmetic overflows"
        case let .offsetsNotContiguous(path, tensor, expectedBegin, begin):
            let how = begin > expectedBegin ? "leaves a gap" : "overlaps the previous tensor"
            return "\(path): tensor \"\(tensor)\": data_offsets begin at \(begin), expected \(expectedBegin) (\(how))"
        case let .offsetsOutOfBounds(path, tensor, begin, end, dataLength):
            if end < begin {
                return "\(path): tensor \"\(tensor)\": data_offsets [\(begin), \(end)] end before they begin"
            }
            return
                "\(path): tensor \"\(tensor)\": data_offsets [\(begin), \(end)] run past the data (\(dataLength) bytes): the file is truncated or its header lies"
        case let .byteCountMismatch(path, tensor, expected, actual):
            return "\(path): tensor \"\(tensor)\": \(actual) bytes of data but shape x dtype size needs \(expected)"
        case let .dataLengthMismatch(path, described, actual):
            return "\(path): the header describes \(described) bytes of data but the file holds \(actual)"
        case let .tensorNotFound(path, name):
            return "\(path): no tensor named \"\(name)\""
        case let .unsupportedDType(path, tensor, dtype, operation):
            return "\(path): tensor \"\(tensor)\": cannot \(operation) dtype \(dtype.rawValue)"
        case let .invalidWriteEntry(path, tensor, problem):
            return "\(path): tensor \"\(tensor)\": \(problem)"
        }
    }
}
