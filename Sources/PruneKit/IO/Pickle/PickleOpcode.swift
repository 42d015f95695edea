/// Every pickle opcode of protocols 0 to 5, so that a refused one is named.
/// `RestrictedUnpickler` implements only some of them.
enum PickleOpcode: UInt8 {
    case mark = 0x28, stop = 0x2E, pop = 0x30, popMark = 0x31, dup = 0x32, float = 0x46, int = 0x49
    case binInt = 0x4A, binInt1 = 0x4B, long = 0x4C, binInt2 = 0x4D, none = 0x4E, persId = 0x50, binPersId = 0x51
    case reduce = 0x52, string = 0x53, binString = 0x54, shortBinString = 0x55, unicode = 0x56, binUnicode = 0x58
    case append = 0x61, build = 0x62, global = 0x63, dict = 0x64, emptyDict = 0x7D, appends = 0x65, get = 0x67
    case binGet = 0x68, inst = 0x69, longBinGet = 0x6A, list = 0x6C, emptyList = 0x5D, obj = 0x6F, put = 0x70
    case binPut = 0x71, longBinPut = 0x72, setItem = 0x73, tuple = 0x74, emptyTuple = 0x29, setItems = 0x75
    case binFloat = 0x47, binBytes = 0x42, shortBinBytes = 0x43
    case proto = 0x80, newObj = 0x81, ext1 = 0x82, ext2 = 0x83, ext4 = 0x84, tuple1 = 0x85, tuple2 = 0x86
    case tuple3 = 0x87, newTrue = 0x88, newFalse = 0x89, long1 = 0x8A, long4 = 0x8B
    case shortBinUnicode = 0x8C, binUnicode8 = 0x8D, binBytes8 = 0x8E, emptySet = 0x8F, addItems = 0x90
    case frozenSet = 0x91, newObjEx = 0x92, stackGlobal = 0x93, memoize = 0x94, frame = 0x95
    case byteArray8 = 0x96, nextBuffer = 0x97, readonlyBuffer = 0x98

    /// The name `pickletools` gives it, e.g. `SHORT_BINUNICODE`.
    var name: String {
        switch self {
        case .mark: "MARK"
        case .stop: "STOP"
        case .pop: "POP"
        case .popMark: "POP_MARK"
        case .dup: "DUP"
        case .float: "FLOAT"
        case .int: "INT"
        case .binInt: "BININT"
        case .binInt1: "BININT1"
        case .long: "LONG"
        case .binInt2: "BININT2"
        case .none: "NONE"
        case .persId: "PERSID"
        case .binPersId: "BINPERSID"
        case .reduce: "REDUCE"
        case .string: "STRING"
        case .binString: "BINSTRING"
        case .shortBinString: "SHORT_BINSTRING"
        case .unicode: "UNICODE"
        case .binUnicode: "BINUNICODE"
        case .append: "APPEND"
        case .build: "BUILD"
        case .global: "GLOBAL"
        case .dict: "DICT"
        case .emptyDict: "EMPTY_DICT"
        case .appends: "APPENDS"
        case .get: "GET"
        case .binGet: "BINGET"
        case .inst: "INST"
        case .longBinGet: "LONG_BINGET"
        case .list: "LIST"
        case .emptyList: "EMPTY_LIST"
        case .obj: "OBJ"
        case .put: "PUT"
        case .binPut: "BINPUT"
        case .longBinPut: "LONG_BINPUT"
        case .setItem: "SETITEM"
        case .tuple: "TUPLE"
        case .emptyTuple: "EMPTY_TUPLE"
        case .setItems: "SETITEMS"
        case .binFloat: "BINFLOAT"
        case .binBytes: "BINBYTES"
        case .shortBinBytes: "SHORT_BINBYTES"
        case .proto: "PROTO"
        case .newObj: "NEWOBJ"
        case .ext1: "EXT1"
        case .ext2: "EXT2"
        case .ext4: "EXT4"
        case .tuple1: "TUPLE1"
        case .tuple2: "TUPLE2"
        case .tuple3: "TUPLE3"
        case .newTrue: "NEWTRUE"
        case .newFalse: "NEWFALSE"
        case .long1: "LONG1"
        case .long4: "LONG4"
        case .shortBinUnicode: "SHORT_BINUNICODE"
        case .binUnicode8: "BINUNICODE8"
        case .binBytes8: "BINBYTES8"
        case .emptySet: "EMPTY_SET"
        case .addItems: "ADDITEMS"
        case .frozenSet: "FROZENSET"
        case .newObjEx: "NEWOBJ_EX"
        case .stackGlobal: "STACK_GLOBAL"
        case .memoize: "MEMOIZE"
        case .frame: "FRAME"
        case .byteArray8: "BYTEARRAY8"
        case .nextBuffer: "NEXT_BUFFER"
        case .readonlyBuffer: "READONLY_BUFFER"
        }
    }
}

/// Why a pickle was not loaded. One phrase, without the file's name (the
/// caller adds it).
enum PickleFailure: Error, Equatable, CustomStringConvertible {
    /// A global outside the whitelist, spelled `module.name`.
    case refusedGlobal(String)
    /// An opcode this interpreter does not run (INST, OBJ, NEWOBJ...).
    case refusedOpcode(name: String, code: UInt8, at: Int)
    /// A whitelisted callable (or SETITEM/APPEND/BUILD) used on something it does not apply to.
    case refusedCall(callable: String, problem: String)
    /// The stream is damaged or is not a pickle.
    case malformed(String)
    /// A limit against hostile files was reached.
    case limit(String)

    /// One line: names from the file may hold control characters.
    var description: String { Format.escapingControlCharacters(text) }

    private var text: String {
        switch self {
        case let .refusedGlobal(name):
            // A model object (torch.save(model), TorchScript) rather than its state_dict.
            let isModel = ["__main__.", "__torch__.", "torch.nn.", "torch.jit."].contains { name.hasPrefix($0) }
            let hint = isModel ? " (this looks like a whole model: save model.state_dict() instead)" : ""
            return "refused global \(name): only the tensors of a state_dict are read, and nothing in the file is run" + hint
        case let .refusedOpcode(name, code, at):
            let hex = String(code, radix: 16, uppercase: true)
            return
                "refused pickle opcode \(name) (0x\(code < 16 ? "0" : "")\(hex)) at byte \(at): it builds objects a state_dict never holds"
        case let .refusedCall(callable, problem):
            return "refused \(callable) \(problem)"
        case let .malformed(problem):
            return "damaged pickle: \(problem)"
        case let .limit(problem):
            return "refused: \(problem)"
        }
    }
}
