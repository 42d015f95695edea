/// What REDUCE, BUILD and BINPERSID mean for the whitelisted globals:
/// interpreted here as torch would build the object, never called.
extension RestrictedUnpickler {
    /// Most dimensions a tensor may have (torch allows 64 too).
    static let maxDimensions = 64

    /// `callable(*arguments)` for a whitelisted callable.
    static func reduce(_ callable: PickleValue, _ arguments: PickleValue) throws(PickleFailure) -> PickleValue {
        guard case let .global(global) = callable else {
            throw .refusedCall(callable: "REDUCE", problem: "on a \(callable.kind), which is not a callable")
        }
        guard case let .tuple(args, _) = arguments else {
            throw .refusedCall(callable: global.qualifiedName, problem: "with arguments that are a \(arguments.kind), not a tuple")
        }
        let name = global.qualifiedName
        switch global {
        case .orderedDict:
            // `OrderedDict()`: the items follow as SETITEMS.
            guard args.isEmpty else {
                throw .refusedCall(callable: name, problem: "with \(args.count) arguments (a state_dict passes none)")
            }
            return .dict(PickleDict())
        case .rebuildTensorV2:
            // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
            guard args.count == 6 || args.count == 7 else { throw arity(name, args.count, "6 or 7") }
            guard case let .storage(storage) = args[0], let dtype = storage.dtype else {
                throw .refusedCall(callable: name, problem: "on a \(args[0].kind), not a typed storage")
            }
            return .tensor(try view(of: storage, dtype: dtype, args[1], args[2], args[3], callable: name))
        case .rebuildTensorV3:
            // (storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype[, metadata])
            guard args.count == 7 || args.count == 8 else { throw arity(name, args.count, "7 or 8") }
            guard case let .storage(storage) = args[0] else {
                throw .refusedCall(callable: name, problem: "on a \(args[0].kind), not a storage")
            }
            guard case let .global(.dtype(dtype)) = args[6] else {
                throw .refusedCall(callable: name, problem: "with dtype \(args[6].kind), not a torch dtype")
            }
            return .tensor(try view(of: storage, dtype: dtype, args[1], args[2], args[3], callable: name))
        case .rebuildParameter, .rebuildParameterWithState:
            // (data, requires_grad, backward_hooks[, state]): the parameter is its data.
            let expected = global == .rebuildParameter ? 3 : 4
            guard args.count == expected else { throw arity(name, args.count, String(expected)) }
            guard case .tensor = args[0] else { throw .refusedCall(callable: name, problem: "on a \(args[0].kind), not a tensor") }
            return args[0]
        case .typedStorage, .untypedStorage, .dtype:
            throw .refusedCall(callable: name, problem: "as a function (torch.save never calls it)")
        }
    }

    private static func arity(_ name: String, _ count: Int, _ expected: String) -> PickleFailure {
        .refusedCall(callable: name, problem: "with \(count) arguments, not \(expected)")
    }

    /// A tensor viewing `storage` from element `offset` with `size` and `stride`,
    /// checked for sign, dimension count and overflow (the storage's own size
    /// is checked against its zip member by the caller).
    private static func view(
        of storage: TorchStorageRef, dtype: DType, _ offset: PickleValue, _ size: PickleValue, _ stride: PickleValue,
        callable: String
    ) throws(PickleFailure) -> TorchTensorRef {
        guard case let .int(start) = offset, start >= 0 else {
            throw .refusedCall(callable: callable, problem: "with storage offset \(offset.kind), not an integer >= 0")
        }
        let shape = try integers(size, what: "size", callable: callable)
        let strides = try integers(stride, what: "stride", callable: callable)
        guard shape.count == strides.count else {
            throw .refusedCall(callable: callable, problem: "with \(shape.count) sizes but \(strides.count) strides")
        }
        var elements = 1
        for extent in shape {
            let (product, overflow) = elements.multipliedReportingOverflow(by: extent)
            guard !overflow else { throw .refusedCall(callable: callable, problem: "with shape \(shape): too many elements") }
            elements = product
        }
        return TorchTensorRef(storage: storage, dtype: dtype, offset: start, shape: shape, strides: strides)
    }

    private static func integers(_ value: PickleValue, what: String, callable: String) throws(PickleFailure) -> [Int] {
        guard case let .tuple(items, _) = value, items.count <= maxDimensions else {
            throw .refusedCall(callable: callable, problem: "with a \(what) that is not a tuple of at most \(maxDimensions) integers")
        }
        var out: [Int] = []
        for item in items {
            guard case let .int(n) = item, n >= 0 else {
                throw .refusedCall(
                    callable: callable, problem: "with a \(what) holding \(item.kind) \(describe(item)), not an integer >= 0")
            }
            out.append(n)
        }
        return out
    }

    private static func describe(_ value: PickleValue) -> String {
        if case let .int(n) = value { return String(n) }
        return ""
    }

    /// BUILD (`obj.__setstate__(state)`): torch sets a state_dict's `_metadata`
    /// attribute this way; only a dict may receive it, and it is ignored.
    static func build(on target: PickleValue, state: PickleValue) throws(PickleFailure) {
        guard case .dict = target else {
            throw .refusedCall(callable: "BUILD", problem: "on a \(target.kind): only a state_dict's attributes are set this way")
        }
        switch state {
        case .dict, .none: return
        case let .tuple(items, _) where items.count == 2: return  // (state, slotstate)
        default: throw .refusedCall(callable: "BUILD", problem: "with a \(state.kind) as the state of a dict")
        }
    }

    /// BINPERSID: torch's persistent id of a storage,
    /// `('storage', StorageType, key, location, size)`.
    static func persistentLoad(_ id: PickleValue) throws(PickleFailure) -> PickleValue {
        guard case let .tuple(items, _) = id, items.count == 5, case .string("storage") = items[0] else {
            throw .refusedCall(
                callable: "BINPERSID", problem: "on a \(id.kind) that is not a torch storage id ('storage', type, key, location, size)")
        }
        let dtype: DType?
        switch items[1] {
        case let .global(.typedStorage(type)): dtype = type
        case .global(.untypedStorage): dtype = nil
        default: throw .refusedCall(callable: "BINPERSID", problem: "with storage type \(items[1].kind)")
        }
        guard case let .string(key) = items[2], !key.isEmpty, !key.contains("/"), key != ".", key != ".." else {
            throw .refusedCall(callable: "BINPERSID", problem: "with a storage key that is not a plain member name")
        }
        guard case .string = items[3] else {
            throw .refusedCall(callable: "BINPERSID", problem: "with a location that is a \(items[3].kind)")
        }
        guard case let .int(count) = items[4], count >= 0 else {
            throw .refusedCall(callable: "BINPERSID", problem: "with a storage size that is not an integer >= 0")
        }
        let storage = TorchStorageRef(key: key, dtype: dtype, count: count)
        guard storage.byteCount != nil else { throw .refusedCall(callable: "BINPERSID", problem: "with storage size \(count): too large") }
        return .storage(storage)
    }
}
