/// A pickle interpreter that understands only what a `torch.save`d
/// state_dict is made of, and refuses everything else by name.
///
/// Python's unpickler imports any global the stream names and calls it:
/// loading a pickle runs code from the file. This one never imports or calls
/// anything. It knows the binary opcodes of protocols 2 to 5 that build plain
/// data (None, bools, ints, floats, strings, bytes, tuples, lists, dicts, the
/// memo, frames) and a closed list of globals (`PickleGlobal`), which REDUCE,
/// BUILD and BINPERSID interpret as what torch would do with them: an
/// `OrderedDict`, a tensor view of a storage, a parameter. Any other global
/// or opcode (INST, OBJ, NEWOBJ, EXT*, protocol-0 text opcodes...) stops the
/// load with a `PickleFailure` that names it.
///
/// Hostile streams are bounded: tuples nest at most `Limits.maxDepth` levels,
/// at most `maxMarks` marks are open at once, strings are at most
/// `maxStringBytes`, the memo holds at most `maxMemo` entries, and every length
/// is checked against the bytes that remain before anything is allocated.
/// Work and memory are linear in the stream's length.
struct RestrictedUnpickler {
    struct Limits: Sendable {
        var maxDepth = 100
        var maxMarks = 10_000
        var maxMemo = 10_000_000
        var maxStringBytes = 16 << 20
    }

    private let bytes: UnsafeRawBufferPointer
    private let limits: Limits
    private var at = 0
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]
    /// Every list and dict made, emptied after the load: a pickle can make
    /// them contain themselves, and a cycle of references would never be freed.
    private var lists: [PickleList] = []
    private var dicts: [PickleDict] = []

    private init(_ bytes: UnsafeRawBufferPointer, limits: Limits) {
        self.bytes = bytes
        self.limits = limits
    }

    /// Interprets the pickle in `bytes` and calls `body` with the object it
    /// builds; the object's lists and dicts are emptied once `body` returns.
    /// - Throws: `PickleFailure` for anything refused or malformed, or what `body` throws.
    static func load<R>(
        _ bytes: UnsafeRawBufferPointer, limits: Limits = Limits(),
        _ body: (PickleValue) throws -> R
    ) throws -> R {
        var machine = RestrictedUnpickler(bytes, limits: limits)
        defer { machine.breakCycles() }
        let root = try machine.run()
        return try body(root)
    }

    private mutating func breakCycles() {
        stack.removeAll()
        memo.removeAll()
        for list in lists { list.items.removeAll() }
        for dict in dicts { dict.removeAll() }
    }

    // MARK: reading the stream

    private mutating func byte() throws(PickleFailure) -> UInt8 {
        guard at < bytes.count else { throw .malformed("ends at byte \(at) before its STOP opcode") }
        defer { at += 1 }
        return bytes[at]
    }

    private mutating func take(_ count: Int) throws(PickleFailure) -> UnsafeRawBufferPointer {
        guard count >= 0, count <= bytes.count - at else {
            throw .malformed("wants \(count) bytes at byte \(at), only \(bytes.count - at) remain")
        }
        defer { at += count }
        return UnsafeRawBufferPointer(rebasing: bytes[at..<(at + count)])
    }

    /// An unsigned little-endian integer of `width` bytes.
    private mutating func unsigned(_ width: Int) throws(PickleFailure) -> UInt64 {
        let raw = try take(width)
        var value: UInt64 = 0
        for i in (0..<width).reversed() { value = value << 8 | UInt64(raw[i]) }
        return value
    }

    /// A length field, checked against what remains and the string limit.
    private mutating func length(_ width: Int, for opcode: PickleOpcode) throws(PickleFailure) -> Int {
        let value = try unsigned(width)
        guard value <= UInt64(limits.maxStringBytes) else {
            throw .limit("\(opcode.name) of \(value) bytes at byte \(at - width - 1), more than the \(limits.maxStringBytes) allowed")
        }
        return Int(value)
    }

    private mutating func text(_ count: Int) throws(PickleFailure) -> String {
        let raw = try take(count)
        guard let string = String(validating: raw, as: UTF8.self) else {
            throw .malformed("string at byte \(at - count) is not valid UTF-8")
        }
        return string
    }

    /// A newline-terminated line of GLOBAL (module or name), at most 256 bytes.
    private mutating func line() throws(PickleFailure) -> String {
        let start = at
        while at < bytes.count, bytes[at] != 0x0A {
            at += 1
            guard at - start <= 256 else { throw .malformed("GLOBAL name at byte \(start) longer than 256 bytes") }
        }
        guard at < bytes.count else { throw .malformed("GLOBAL name at byte \(start) has no end of line") }
        let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<at])
        at += 1
        guard let string = String(validating: raw, as: UTF8.self) else { throw .malformed("GLOBAL name at byte \(start) is not UTF-8") }
        return string
    }

    // MARK: the stack

    private mutating func pop() throws(PickleFailure) -> PickleValue {
        guard let value = stack.popLast(), stack.count >= (marks.last ?? 0) else {
            throw .malformed("stack underflow at byte \(at - 1)")
        }
        return value
    }

    private func top() throws(PickleFailure) -> PickleValue {
        guard let value = stack.last, stack.count > (marks.last ?? 0) else { throw .malformed("stack underflow at byte \(at - 1)") }
        return value
    }

    /// The values pushed since the last MARK, which is closed.
    private mutating func popMark() throws(PickleFailure) -> [PickleValue] {
        guard let mark = marks.popLast(), mark <= stack.count else { throw .malformed("no MARK open at byte \(at - 1)") }
        let items = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return items
    }

    private mutating func push(_ value: PickleValue) {
        stack.append(value)
    }

    private mutating func tuple(_ items: [PickleValue]) throws(PickleFailure) -> PickleValue {
        let depth = 1 + (items.map(\.tupleDepth).max() ?? 0)
        guard depth <= limits.maxDepth else { throw .limit("tuples nested deeper than \(limits.maxDepth) levels at byte \(at - 1)") }
        return .tuple(items, depth: depth)
    }

    private mutating func newList(_ items: [PickleValue] = []) -> PickleValue {
        let list = PickleList()
        list.items = items
        lists.append(list)
        return .list(list)
    }

    private mutating func newDict() -> PickleDict {
        let dict = PickleDict()
        dicts.append(dict)
        return dict
    }

    private mutating func remember(_ index: Int) throws(PickleFailure) {
        guard memo.count < limits.maxMemo || memo[index] != nil else { throw .limit("memo holds more than \(limits.maxMemo) entries") }
        memo[index] = try top()
    }

    private func recall(_ index: Int) throws(PickleFailure) -> PickleValue {
        guard let value = memo[index] else { throw .malformed("memo entry \(index) used at byte \(at - 1) was never stored") }
        return value
    }

    private mutating func setItems(_ items: [PickleValue], into target: PickleValue) throws(PickleFailure) {
        guard case let .dict(dict) = target else { throw .refusedCall(callable: "SETITEM", problem: "on a \(target.kind), not a dict") }
        guard items.count % 2 == 0 else { throw .malformed("SETITEMS with an odd number of values at byte \(at - 1)") }
        for pair in stride(from: 0, to: items.count, by: 2) { dict.set(items[pair], items[pair + 1]) }
    }

    private func append(_ items: [PickleValue], to target: PickleValue) throws(PickleFailure) {
        guard case let .list(list) = target else { throw .refusedCall(callable: "APPEND", problem: "on a \(target.kind), not a list") }
        list.items.append(contentsOf: items)
    }

    // MARK: the loop

    private mutating func run() throws(PickleFailure) -> PickleValue {
        while true {
            let position = at
            let code = try byte()
            guard let opcode = PickleOpcode(rawValue: code) else {
                throw .refusedOpcode(name: "unknown", code: code, at: position)
            }
            switch opcode {
            case .proto:
                let version = try byte()
                guard version <= 5 else { throw .malformed("pickle protocol \(version) is newer than 5") }
            case .frame: _ = try unsigned(8)
            case .stop: return try pop()
            case .mark:
                guard marks.count < limits.maxMarks else { throw .limit("more than \(limits.maxMarks) MARKs open at byte \(position)") }
                marks.append(stack.count)
            case .pop: _ = try pop()
            case .popMark: _ = try popMark()
            case .dup: push(try top())
            case .none: push(.none)
            case .newTrue: push(.bool(true))
            case .newFalse: push(.bool(false))
            case .binInt: push(.int(Int(Int32(truncatingIfNeeded: try unsigned(4)))))
            case .binInt1: push(.int(Int(try unsigned(1))))
            case .binInt2: push(.int(Int(try unsigned(2))))
            case .long1: push(try long(count: Int(try unsigned(1))))
            case .long4: push(try long(count: try length(4, for: .long4)))
            case .binFloat: push(.float(Double(bitPattern: try unsigned(8).byteSwapped)))
            case .shortBinUnicode: push(.string(try text(Int(try unsigned(1)))))
            case .binUnicode: push(.string(try text(try length(4, for: .binUnicode))))
            case .binUnicode8: push(.string(try text(try length(8, for: .binUnicode8))))
            case .shortBinBytes: push(.bytes(try take(Int(try unsigned(1))).count))
            case .binBytes: push(.bytes(try take(try length(4, for: .binBytes)).count))
            case .binBytes8: push(.bytes(try take(try length(8, for: .binBytes8)).count))
            case .emptyTuple: push(.tuple([], depth: 1))
            case .tuple1:
                let a = try pop()
                push(try tuple([a]))
            case .tuple2:
                let b = try pop(), a = try pop()
                push(try tuple([a, b]))
            case .tuple3:
                let c = try pop(), b = try pop(), a = try pop()
                push(try tuple([a, b, c]))
            case .tuple: push(try tuple(try popMark()))
            case .emptyList: push(newList())
            case .list: push(newList(try popMark()))
            case .emptyDict: push(.dict(newDict()))
            case .dict:
                let items = try popMark()
                let dict = newDict()
                try setItems(items, into: .dict(dict))
                push(.dict(dict))
            case .setItem:
                let value = try pop(), key = try pop()
                try setItems([key, value], into: try top())
            case .setItems:
                let items = try popMark()
                try setItems(items, into: try top())
            case .append:
                let value = try pop()
                try append([value], to: try top())
            case .appends:
                let items = try popMark()
                try append(items, to: try top())
            case .binPut: try remember(Int(try unsigned(1)))
            case .longBinPut: try remember(Int(try unsigned(4)))
            case .memoize: try remember(memo.count)
            case .binGet: push(try recall(Int(try unsigned(1))))
            case .longBinGet: push(try recall(Int(try unsigned(4))))
            case .global:
                let module = try line(), name = try line()
                push(try Self.global(module: module, name: name))
            case .stackGlobal:
                let name = try pop(), module = try pop()
                guard case let .string(n) = name, case let .string(m) = module else {
                    throw .malformed("STACK_GLOBAL at byte \(position) without two strings")
                }
                push(try Self.global(module: m, name: n))
            case .reduce:
                let arguments = try pop(), callable = try pop()
                let result = try Self.reduce(callable, arguments)
                if case let .dict(dict) = result { dicts.append(dict) }
                push(result)
            case .build:
                let state = try pop()
                try Self.build(on: try top(), state: state)
            case .binPersId: push(try Self.persistentLoad(try pop()))
            default:
                throw .refusedOpcode(name: opcode.name, code: code, at: position)
            }
        }
    }

    /// LONG1/LONG4: a little-endian two's-complement integer of `count` bytes.
    private mutating func long(count: Int) throws(PickleFailure) -> PickleValue {
        let raw = try take(count)
        guard count > 0 else { return .int(0) }
        guard count <= 8 else { return .bigInt }
        var value: UInt64 = raw[count - 1] & 0x80 != 0 ? .max : 0
        for i in (0..<count).reversed() { value = value << 8 | UInt64(raw[i]) }
        return .int(Int(Int64(bitPattern: value)))
    }

    private static func global(module: String, name: String) throws(PickleFailure) -> PickleValue {
        guard let global = PickleGlobal.resolve(module: module, name: name) else { throw .refusedGlobal(module + "." + name) }
        return .global(global)
    }
}
