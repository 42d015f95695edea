import Foundation

@testable import PruneKit

/// Hand-made `torch.save` pickles and zips for the reader's tests: the
/// opcodes torch writes (protocol 2), and the ones an attacker would.
enum TorchPickle {
    static func le32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    static func string(_ s: String) -> [UInt8] { [0x58] + le32(s.utf8.count) + Array(s.utf8) }
    /// BININT, or LONG1 (8 bytes) beyond 32 bits.
    static func int(_ n: Int) -> [UInt8] {
        Int32(exactly: n) != nil ? [0x4A] + le32(n) : [0x8A, 8] + (0..<8).map { UInt8(truncatingIfNeeded: n >> (8 * $0)) }
    }
    static func global(_ module: String, _ name: String) -> [UInt8] { [0x63] + Array("\(module)\n\(name)\n".utf8) }
    static func tuple(_ items: [[UInt8]]) -> [UInt8] { [0x28] + items.flatMap { $0 } + [0x74] }
    static let orderedDict = global("collections", "OrderedDict") + [0x29, 0x52]

    /// `_rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())`.
    static func tensor(key: String, storage: String = "FloatStorage", count: Int, offset: Int = 0, size: [Int], stride: [Int]) -> [UInt8] {
        let id = tuple([string("storage"), global("torch", storage), string(key), string("cpu"), int(count)])
        return global("torch._utils", "_rebuild_tensor_v2")
            + tuple([id + [0x51], int(offset), tuple(size.map(int)), tuple(stride.map(int)), [0x89], orderedDict]) + [0x52]
    }

    /// A protocol-2 pickle of `{name: value, ...}`.
    static func dict(_ items: [(String, [UInt8])]) -> [UInt8] {
        [0x80, 0x02, 0x7D, 0x28] + items.flatMap { string($0.0) + $0.1 } + [0x75, 0x2E]
    }

    /// A protocol-2 pickle whose whole body is `body` (then STOP).
    static func raw(_ body: [UInt8]) -> [UInt8] { [0x80, 0x02] + body + [0x2E] }

    /// A torch.save zip: `archive/data.pkl`, `archive/byteorder`, `archive/data/<key>`.
    static func zip(pickle: [UInt8], storages: [(String, [UInt8])], byteorder: String = "little") -> [UInt8] {
        PyTorchFileTests.zip(
            [("archive/data.pkl", pickle), ("archive/byteorder", Array(byteorder.utf8))]
                + storages.map { ("archive/data/" + $0.0, $0.1) } + [("archive/version", Array("3\n".utf8))])
    }

    static func f32(_ values: [Float], bigEndian: Bool = false) -> [UInt8] {
        values.flatMap { v in
            let bits = bigEndian ? v.bitPattern.bigEndian : v.bitPattern.littleEndian
            return withUnsafeBytes(of: bits) { Array($0) }
        }
    }
}
