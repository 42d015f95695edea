/// What is wrong with a .npy array (alone or inside an .npz).
///
/// `path` names the file, or `archive.npz[member.npy]` for an .npz member.
/// Every description is one line naming the file and the problem.
public enum NpyError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file could not be opened or mapped.
    case io(path: String, problem: String)
    /// The file does not start with `\x93NUMPY`.
    case notNpy(path: String)
    /// A format version this reader does not know.
    case unsupportedVersion(path: String, major: UInt8, minor: UInt8)
    /// The file ends inside the header or the data.
    case truncated(path: String, size: Int, needed: Int)
    /// More bytes follow the data than the header describes.
    case trailingBytes(path: String, size: Int, expected: Int)
    /// The header dictionary cannot be parsed or lacks a key.
    case badHeader(path: String, problem: String)
    /// The array holds something other than numbers (objects, strings, records...).
    case nonNumeric(path: String, descr: String)
    /// A numeric type this reader does not handle (big-endian, complex, long double...).
    case unsupportedDType(path: String, descr: String, reason: String)
    /// Column-major arrays are not read.
    case fortranOrder(path: String)
    /// Element count x item size overflows.
    case overflow(path: String)

    public var description: String {
        switch self {
        case let .io(path, problem):
            return "\(path): \(problem)"
        case let .notNpy(path):
            return "\(path): not a .npy file (no \\x93NUMPY magic)"
        case let .unsupportedVersion(path, major, minor):
            return "\(path): unsupported .npy format version \(major).\(minor)"
        case let .truncated(path, size, needed):
            return "\(path): truncated: \(size) bytes, the header needs \(needed)"
        case let .trailingBytes(path, size, expected):
            return "\(path): \(size) bytes but the header describes \(expected); the header lies or the file is damaged"
        case let .badHeader(path, problem):
            return "\(path): bad .npy header: \(problem)"
        case let .nonNumeric(path, descr):
            return "\(path): array of non-numeric dtype '\(descr)' (objects, strings and records cannot be read as tensors)"
        case let .unsupportedDType(path, descr, reason):
            return "\(path): unsupported dtype '\(descr)': \(reason)"
        case let .fortranOrder(path):
            return "\(path): Fortran-ordered array; save it with numpy.ascontiguousarray first"
        case let .overflow(path):
            return "\(path): shape x item size overflows"
        }
    }
}
