/// What is wrong with a `torch.save` zip checkpoint. One line naming the
/// file (and the member where there is one) and the problem.
public enum PyTorchError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file could not be opened or mapped.
    case io(path: String, problem: String)
    /// The zip itself is damaged or lacks a member torch always writes.
    case damaged(path: String, problem: String)
    /// `data.pkl` was refused by the restricted unpickler (a global or opcode
    /// outside what a state_dict needs, a limit, or damage).
    case refused(path: String, member: String, problem: String)
    /// The pickle loaded but does not describe tensors PruneScope can read
    /// (a view outside its storage, a storage of the wrong size...).
    case unusable(path: String, problem: String)
    /// A member's bytes are damaged (CRC-32, deflate stream).
    case corrupt(path: String, member: String, problem: String)

    /// One line: names from the file (members, tensors) may hold control characters.
    public var description: String { Format.escapingControlCharacters(text) }

    private var text: String {
        switch self {
        case let .io(path, problem): "\(path): \(problem)"
        case let .damaged(path, problem): "\(path): damaged PyTorch checkpoint: \(problem)"
        case let .refused(path, member, problem): "\(path): \(member): \(problem)"
        case let .unusable(path, problem): "\(path): \(problem)"
        case let .corrupt(path, member, problem): "\(path): member \"\(member)\": \(problem)"
        }
    }

    /// The zip reader's error, said as a checkpoint's (not an .npz's).
    static func zip(_ error: NpzError, path: String) -> PyTorchError {
        switch error {
        case .notZip: .damaged(path: path, problem: "truncated: no zip end-of-central-directory record")
        case let .damaged(_, problem): .damaged(path: path, problem: problem)
        case let .corrupt(_, member, problem): .corrupt(path: path, member: member, problem: problem)
        case let .io(_, problem): .io(path: path, problem: problem)
        default: .damaged(path: path, problem: error.description.dropPrefix(path + ": "))
        }
    }
}

extension String {
    fileprivate func dropPrefix(_ prefix: String) -> String {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : self
    }
}
