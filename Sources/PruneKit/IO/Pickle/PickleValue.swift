/// A value on the stack of `RestrictedUnpickler`: only the kinds a
/// `torch.save`d state_dict is made of. Nothing here can run code: callables
/// are `PickleGlobal` names from a closed list, interpreted by the unpickler.
indirect enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    /// An integer beyond 64 bits (LONG1/LONG4): kept only to be skipped.
    case bigInt
    case float(Double)
    case string(String)
    /// A `bytes` object; only its length is kept.
    case bytes(Int)
    /// Immutable; `depth` is its nesting level (1 + the deepest tuple inside),
    /// kept so that a hostile nesting is refused before it can be built.
    case tuple([PickleValue], depth: Int)
    /// Mutable and shared through the memo, as in Python.
    case list(PickleList)
    case dict(PickleDict)
    case global(PickleGlobal)
    case storage(TorchStorageRef)
    case tensor(TorchTensorRef)

    /// The Python name of the value's type, for messages ("int", "str").
    var kind: String {
        switch self {
        case .none: "None"
        case .bool: "bool"
        case .int, .bigInt: "int"
        case .float: "float"
        case .string: "str"
        case .bytes: "bytes"
        case .tuple: "tuple"
        case .list: "list"
        case .dict: "dict"
        case let .global(g): g.qualifiedName
        case .storage: "storage"
        case .tensor: "tensor"
        }
    }

    /// Nesting level of a tuple (1 for an empty one), 0 for anything else.
    var tupleDepth: Int {
        if case let .tuple(_, depth) = self { return depth }
        return 0
    }
}

/// A pickled list. A reference type because pickle shares it through the memo
/// and appends to it after it was stored.
final class PickleList {
    var items: [PickleValue] = []
}

/// A pickled dict or `collections.OrderedDict`, in insertion order. Keys that
/// are strings or integers replace an earlier equal key, as in Python.
final class PickleDict {
    enum Key: Hashable {
        case string(String)
        case int(Int)
    }

    private(set) var entries: [(key: PickleValue, value: PickleValue)] = []
    private var index: [Key: Int] = [:]

    static func key(_ value: PickleValue) -> Key? {
        switch value {
        case let .string(s): .string(s)
        case let .int(i): .int(i)
        case let .bool(b): .int(b ? 1 : 0)
        default: nil
        }
    }

    func set(_ key: PickleValue, _ value: PickleValue) {
        if let hashable = PickleDict.key(key) {
            if let at = index[hashable] {
                entries[at].value = value
                return
            }
            index[hashable] = entries.count
        }
        entries.append((key, value))
    }

    /// Drops every entry (breaks reference cycles a hostile pickle can make).
    func removeAll() {
        entries.removeAll()
        index.removeAll()
    }
}

/// The only globals a pickle may name: what `torch.save` of a state_dict
/// writes. Each is interpreted by `RestrictedUnpickler`, never imported.
enum PickleGlobal: Equatable {
    case orderedDict
    case rebuildTensorV2
    case rebuildTensorV3
    case rebuildParameter
    case rebuildParameterWithState
    /// `torch.FloatStorage` and friends: a typed storage of that element type.
    case typedStorage(DType)
    /// `torch.storage.UntypedStorage`: bytes (with `_rebuild_tensor_v3`).
    case untypedStorage
    /// `torch.float32` and friends, as `_rebuild_tensor_v3`'s dtype argument.
    case dtype(DType)

    /// The legacy storage class names and the dtypes they hold.
    static let storageNames: [String: DType] = [
        "FloatStorage": .F32, "DoubleStorage": .F64, "HalfStorage": .F16, "BFloat16Storage": .BF16,
        "LongStorage": .I64, "IntStorage": .I32, "ShortStorage": .I16, "CharStorage": .I8,
        "ByteStorage": .U8, "BoolStorage": .BOOL,
    ]

    /// `torch.<name>` dtype objects and what they are here (canonical names;
    /// `torch.save` writes these, not the aliases such as `torch.float`).
    static let dtypeNames: [String: DType] = [
        "float32": .F32, "float64": .F64, "float16": .F16, "bfloat16": .BF16, "int64": .I64, "int32": .I32,
        "int16": .I16, "int8": .I8, "uint8": .U8, "bool": .BOOL, "uint16": .U16, "uint32": .U32, "uint64": .U64,
        "float8_e4m3fn": .F8_E4M3, "float8_e5m2": .F8_E5M2,
    ]

    /// The whitelisted global `module.name`, or nil: everything else is refused.
    static func resolve(module: String, name: String) -> PickleGlobal? {
        switch (module, name) {
        case ("collections", "OrderedDict"): return .orderedDict
        case ("torch._utils", "_rebuild_tensor_v2"): return .rebuildTensorV2
        case ("torch._utils", "_rebuild_tensor_v3"): return .rebuildTensorV3
        case ("torch._utils", "_rebuild_parameter"): return .rebuildParameter
        case ("torch._utils", "_rebuild_parameter_with_state"): return .rebuildParameterWithState
        case ("torch.storage", "UntypedStorage"), ("torch", "UntypedStorage"): return .untypedStorage
        case ("torch", _):
            if let dtype = storageNames[name] { return .typedStorage(dtype) }
            if let dtype = dtypeNames[name] { return .dtype(dtype) }
            return nil
        default: return nil
        }
    }

    /// The Python spelling, for messages.
    var qualifiedName: String {
        switch self {
        case .orderedDict: "collections.OrderedDict"
        case .rebuildTensorV2: "torch._utils._rebuild_tensor_v2"
        case .rebuildTensorV3: "torch._utils._rebuild_tensor_v3"
        case .rebuildParameter: "torch._utils._rebuild_parameter"
        case .rebuildParameterWithState: "torch._utils._rebuild_parameter_with_state"
        case let .typedStorage(dtype): "torch." + (PickleGlobal.storageNames.first { $0.value == dtype }?.key ?? "Storage")
        case .untypedStorage: "torch.storage.UntypedStorage"
        case let .dtype(dtype): "torch." + (PickleGlobal.dtypeNames.first { $0.value == dtype }?.key ?? "dtype")
        }
    }
}

/// A storage named by a persistent id: the zip member `<folder>/data/<key>`.
struct TorchStorageRef: Equatable {
    /// The member's name under `data/`.
    var key: String
    /// The element type of a typed storage; nil for an untyped (byte) storage.
    var dtype: DType?
    /// Its size: elements for a typed storage, bytes for an untyped one.
    var count: Int

    /// Size in bytes, nil on overflow.
    var byteCount: Int? {
        let (bytes, overflow) = count.multipliedReportingOverflow(by: dtype?.byteSize ?? 1)
        return overflow ? nil : bytes
    }
}

/// A tensor as `_rebuild_tensor_v2/v3` describes it: a strided view of a storage.
struct TorchTensorRef: Equatable {
    var storage: TorchStorageRef
    var dtype: DType
    /// Offset of element [0, 0, ...] in the storage, in elements of `dtype`.
    var offset: Int
    var shape: [Int]
    /// Step between neighbours along each dimension, in elements.
    var strides: [Int]
}
