/// Turns the object `torch.save` pickled into named tensors: nested dicts
/// and lists become dotted names (`{"model": {"fc.weight": t}}` ->
/// `model.fc.weight`, lists by index), everything that is not a tensor is
/// noted as skipped (`epoch (int)`; a container without any tensor once, as
/// `config (dict)`).
///
/// The object may share containers (the memo) or even contain itself, so
/// the walk is bounded in depth and in the number of values it visits.
struct StateDictFlattener {
    static let maxDepth = 64
    static let maxVisits = 1_000_000
    static let maxSkipped = 1000

    private(set) var tensors: [(String, TorchTensorRef)] = []
    private(set) var skipped: [String] = []
    private var names: Set<String> = []
    private var visits = 0

    /// Flattens `root`: a dict (the state_dict or a dict holding it), a list,
    /// or a single tensor (named `tensor`).
    mutating func flatten(_ root: PickleValue) throws(PickleFailure) {
        switch root {
        case .dict, .list, .tuple, .tensor:
            try visit(root, name: "", depth: 0)
        default:
            throw .refusedCall(callable: "the pickled object", problem: "is a \(root.kind), not a dict of tensors")
        }
    }

    private mutating func visit(_ value: PickleValue, name: String, depth: Int) throws(PickleFailure) {
        visits += 1
        guard visits <= Self.maxVisits else { throw .limit("more than \(Self.maxVisits) values to walk (shared containers?)") }
        guard depth <= Self.maxDepth else { throw .limit("containers nested deeper than \(Self.maxDepth) levels at \"\(name)\"") }
        func child(_ key: String) -> String { name.isEmpty ? key : name + "." + key }
        let tensorsBefore = tensors.count, skippedBefore = skipped.count
        switch value {
        case let .tensor(tensor):
            let tensorName = name.isEmpty ? "tensor" : name
            guard names.insert(tensorName).inserted else {
                throw .refusedCall(
                    callable: "the state_dict", problem: "names two tensors \"\(tensorName)\" once nested names are joined with dots")
            }
            tensors.append((tensorName, tensor))
            return
        case let .dict(dict):
            for (key, item) in dict.entries {
                switch key {
                case let .string(s): try visit(item, name: child(s), depth: depth + 1)
                case let .int(i): try visit(item, name: child(String(i)), depth: depth + 1)
                default: note(child("<\(key.kind) key>"), item)
                }
            }
        case let .list(list):
            for (i, item) in list.items.enumerated() { try visit(item, name: child(String(i)), depth: depth + 1) }
        case let .tuple(items, _):
            for (i, item) in items.enumerated() { try visit(item, name: child(String(i)), depth: depth + 1) }
        default:
            note(name, value)
            return
        }
        // A container without any tensor is one skipped value, not one per item.
        if tensors.count == tensorsBefore, !name.isEmpty {
            skipped.removeSubrange(min(skippedBefore, skipped.count)...)
            note(name, value)
        }
    }

    private mutating func note(_ name: String, _ value: PickleValue) {
        guard skipped.count < Self.maxSkipped else { return }
        skipped.append("\(name) (\(value.kind))")
    }
}

extension StateDictFlattener {
    /// The named tensors and skipped values of the state_dict pickled in
    /// `bytes` (a `data.pkl`): the unpickler's whole path, in memory.
    /// Storages are not looked up (that needs the zip; see `PyTorchFile.parse`).
    /// - Throws: `PickleFailure`.
    static func flatten(pickle bytes: UnsafeRawBufferPointer) throws -> (tensors: [(String, TorchTensorRef)], skipped: [String]) {
        try RestrictedUnpickler.load(bytes) { root in
            var flattener = StateDictFlattener()
            try flattener.flatten(root)
            return (flattener.tensors, flattener.skipped)
        }
    }
}
