/// What is wrong with an .npz (zip) archive. One line naming the file (and
/// the member where there is one) and the problem.
public enum NpzError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file could not be opened or mapped.
    case io(path: String, problem: String)
    /// No end-of-central-directory record: not a zip file, or cut short.
    case notZip(path: String)
    /// The zip structure is damaged (offsets outside the file, bad signatures...).
    case damaged(path: String, problem: String)
    /// A member is compressed with something other than stored or deflate.
    case unsupportedCompression(path: String, member: String, method: Int)
    /// A member is encrypted.
    case encrypted(path: String, member: String)
    /// Two members have the same name.
    case duplicateMember(path: String, member: String)
    /// A member claims to expand far beyond what deflate can produce from its size.
    case zipBomb(path: String, member: String, declared: Int, compressed: Int)
    /// The member's declared size disagrees with its .npy header's shape.
    case sizeMismatch(path: String, member: String, declared: Int, described: Int)
    /// The member would not fit in this machine's memory once expanded.
    case tooLarge(path: String, member: String, size: Int)
    /// The members would expand, all together, beyond `limit` bytes
    /// (`reason` says which ceiling); said at the member that crosses it.
    case expandsTooMuch(path: String, member: String, total: Int, limit: Int, reason: String)
    /// The compressed stream is corrupt, ends early, or its CRC-32 is wrong.
    case corrupt(path: String, member: String, problem: String)

    public var description: String {
        switch self {
        case let .io(path, problem):
            return "\(path): \(problem)"
        case let .notZip(path):
            return "\(path): not an .npz (zip) file, or truncated: no end-of-central-directory record"
        case let .damaged(path, problem):
            return "\(path): damaged zip: \(problem)"
        case let .unsupportedCompression(path, member, method):
            return "\(path): member \"\(member)\": unsupported compression method \(method) (only stored and deflate)"
        case let .encrypted(path, member):
            return "\(path): member \"\(member)\" is encrypted"
        case let .duplicateMember(path, member):
            return "\(path): member \"\(member)\" appears twice"
        case let .zipBomb(path, member, declared, compressed):
            return
                "\(path): member \"\(member)\": claims \(declared) bytes from \(compressed) compressed, beyond deflate's limit (zip bomb?)"
        case let .sizeMismatch(path, member, declared, described):
            return "\(path): member \"\(member)\": declared size \(declared) bytes, but its .npy header describes \(described)"
        case let .tooLarge(path, member, size):
            return "\(path): member \"\(member)\": expands to \(size) bytes, more than this machine's memory"
        case let .expandsTooMuch(path, member, total, limit, reason):
            return
                "\(path): member \"\(member)\": the archive would expand to \(total) bytes or more, beyond \(limit) (\(reason)); refused as a zip bomb"
        case let .corrupt(path, member, problem):
            return "\(path): member \"\(member)\": \(problem)"
        }
    }
}
