import Foundation
import Testing

@testable import PruneKit

/// Pickles an attacker would write: refused with one line naming the global
/// or opcode, nothing executed, no crash, no runaway memory.
@Suite struct PyTorchHostileTests {
    typealias P = TorchPickle

    /// Opens `pickle` as the data.pkl of a torch zip and returns the error's text.
    private func refusal(
        _ pickle: [UInt8], storages: [(String, [UInt8])] = [], sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> String {
        let dir = TempDir()
        let path = dir.file("hostile.pt")
        writeBytes(P.zip(pickle: pickle, storages: storages), path)
        do {
            let file = try openTensorArchive(path: path)
            Issue.record("opened with \(file.tensors.count) tensors", sourceLocation: sourceLocation)
            return ""
        } catch {
            let text = "\(error)"
            #expect(error is PyTorchError, "\(type(of: error)): \(text)", sourceLocation: sourceLocation)
            #expect(text.hasPrefix(path + ": ") && !text.contains("\n"), "\(text)", sourceLocation: sourceLocation)
            return text
        }
    }

    @Test func globalsOutsideTheWhitelistAreRefusedByNameAndNeverRun() throws {
        let marker = TempDir().file("pwned")
        let command = P.string("touch " + marker)
        // GLOBAL + REDUCE: what `pickle.loads` would run as os.system("touch ...").
        let system = try refusal(P.raw(P.global("os", "system") + P.tuple([command]) + [0x52]))
        #expect(system.contains("refused global os.system"))
        // STACK_GLOBAL (protocol 4) of builtins.eval.
        let eval = try refusal(
            [0x80, 0x04] + [0x8C, 8] + Array("builtins".utf8) + [0x8C, 4] + Array("eval".utf8) + [0x93]
                + P.tuple([P.string("__import__('os').system('touch \(marker)')")]) + [0x52, 0x2E])
        #expect(eval.contains("refused global builtins.eval"))
        // A whole module saved with torch.save(model) names its class.
        let module = try refusal(P.raw(P.global("torch.nn.modules.linear", "Linear") + [0x29, 0x52]))
        #expect(module.contains("refused global torch.nn.modules.linear.Linear"))
        #expect(module.hasSuffix("(this looks like a whole model: save model.state_dict() instead)"))
        #expect(!system.contains("whole model"))
        // A whitelisted name used as what it is not.
        let storageCall = try refusal(P.raw(P.global("torch", "FloatStorage") + [0x29, 0x52]))
        #expect(storageCall.contains("torch.FloatStorage"))
        #expect(!FileManager.default.fileExists(atPath: marker))
    }

    @Test func objectBuildingOpcodesAreRefusedByName() throws {
        // INST: MARK args INST module\\nname\\n
        let inst = try refusal(P.raw([0x28] + P.string("id") + [0x69] + Array("os\nsystem\n".utf8)))
        #expect(inst.contains("refused pickle opcode INST (0x69) at byte"))
        let obj = try refusal(P.raw([0x28] + P.global("collections", "OrderedDict") + [0x6F]))
        #expect(obj.contains("OBJ (0x6F)"))
        let newObj = try refusal(P.raw(P.global("collections", "OrderedDict") + [0x29, 0x81]))
        #expect(newObj.contains("NEWOBJ (0x81)"))
        // BUILD on something that is not a state_dict (a list standing in for an unknown class).
        let build = try refusal(P.raw([0x5D, 0x7D, 0x62]))
        #expect(build.contains("refused BUILD on a list"))
        // Protocol-0 text opcodes and unknown bytes.
        #expect(try refusal(P.raw([0x49] + Array("1\n".utf8))).contains("INT (0x49)"))
        #expect(try refusal(P.raw([0xFF])).contains("unknown (0xFF)"))
        // A persistent id that is not a storage.
        #expect(try refusal(P.raw(P.string("x") + [0x51])).contains("BINPERSID"))
    }

    @Test func hostileShapesHitLimitsNotTheStack() throws {
        // 200 nested tuples.
        let tuples = try refusal(P.raw([0x29] + [UInt8](repeating: 0x85, count: 200)))
        #expect(tuples.contains("nested deeper than 100 levels"))
        // 5000 nested lists (MARK ... LIST), and a list that holds itself.
        let lists = try refusal(P.raw([UInt8](repeating: 0x28, count: 5000) + [UInt8](repeating: 0x6C, count: 5000)))
        #expect(lists.contains("nested deeper than 64 levels"))
        let cycle = try refusal(P.raw([0x5D, 0x71, 0x00, 0x68, 0x00, 0x61]))
        #expect(cycle.contains("nested deeper"))
        // One list shared 40 times over: 2^40 paths to walk.
        let shared = try refusal(P.raw([0x5D] + Array(repeating: [0x32, 0x86], count: 40).flatMap { $0 }))
        #expect(shared.contains("more than 1000000 values"))
        // Too many open marks.
        #expect(try refusal(P.raw([UInt8](repeating: 0x28, count: 10_001))).contains("MARKs open"))
    }

    @Test func absurdLengthsAndCountsAreRefusedBeforeAllocating() throws {
        // BINUNICODE8 of 2^60 bytes, BINUNICODE running past the end, LONG4 of 4 GB.
        let huge = try refusal(P.raw([0x8D] + [0, 0, 0, 0, 0, 0, 0, 0x10]))
        #expect(huge.contains("BINUNICODE8 of 1152921504606846976 bytes"))
        #expect(try refusal(P.raw([0x58] + P.le32(1000) + [0x41])).contains("damaged pickle"))
        #expect(try refusal(P.raw([0x8B, 0xFF, 0xFF, 0xFF, 0xFF])).contains("LONG4"))
        // A storage declaring more elements than its member holds, and a view past its storage.
        let bytes = P.f32([1, 2, 3, 4])
        let big = try refusal(P.dict([("w", P.tensor(key: "0", count: 1 << 40, size: [4], stride: [1]))]), storages: [("0", bytes)])
        #expect(big.contains("storage \"archive/data/0\" is 16 bytes, the pickle declares 1099511627776 F32 elements"))
        let past = try refusal(
            P.dict([("w", P.tensor(key: "0", count: 4, offset: 2, size: [2, 2], stride: [2, 1]))]), storages: [("0", bytes)])
        #expect(past.contains("reaches past the 16 bytes"))
        let overflow = try refusal(
            P.dict([("w", P.tensor(key: "0", count: 4, size: [1 << 31 - 1, 1 << 31 - 1, 1 << 31 - 1], stride: [1, 1, 1]))]),
            storages: [("0", bytes)])
        #expect(overflow.contains("too many elements"))
        let missing = try refusal(P.dict([("w", P.tensor(key: "7", count: 4, size: [4], stride: [1]))]), storages: [("0", bytes)])
        #expect(missing.contains("storage member \"archive/data/7\" missing"))
        // Names from the file are escaped: the error stays one line on any terminal.
        let control = try refusal(
            P.dict([("w", P.tensor(key: "7\u{1B}]0;x\n", count: 4, size: [4], stride: [1]))]), storages: [("0", bytes)])
        #expect(control.contains("storage member \"archive/data/7\\x1b]0;x\\n\" missing"))
        let escape = try refusal(P.dict([("w", P.tensor(key: "../../etc/passwd", count: 4, size: [4], stride: [1]))]))
        #expect(escape.contains("not a plain member name"))
        let twice = try refusal(
            [0x80, 0x02, 0x7D, 0x28] + P.string("a.b") + P.tensor(key: "0", count: 4, size: [4], stride: [1]) + P.string("a") + [
                0x7D, 0x28,
            ]
                + P.string("b") + P.tensor(key: "0", count: 4, size: [4], stride: [1]) + [0x75, 0x75, 0x2E], storages: [("0", bytes)])
        #expect(twice.contains("names two tensors \"a.b\""))
    }

    @Test func truncatedAndDamagedZipsSayWhichOneLine() throws {
        let seed = try Fixtures.bytes("torch_checkpoint.pt")
        let dir = TempDir()
        let path = dir.file("cut.pt")
        for length in stride(from: 0, to: seed.count, by: 97) {
            writeBytes(Array(seed.prefix(length)), path)
            do {
                _ = try openTensorArchive(path: path)
                Issue.record("a file cut to \(length) of \(seed.count) bytes opened")
            } catch {
                #expect(!"\(error)".contains("\n") && "\(error)".hasPrefix(path + ": "), "\(error)")
            }
        }
        // One flipped byte inside a storage member: the CRC-32 says so when it is read.
        let file = try PyTorchFile(contentsOf: Fixtures.path("torch_checkpoint.pt"))
        let members = try seed.withUnsafeBytes { try ZipDirectory.read($0, path: path).members }
        let member = try #require(members.first { $0.name.hasSuffix("/data/0") })
        var flipped = seed
        flipped[member.dataOffset] ^= 0x40
        writeBytes(flipped, path)
        let damaged = try PyTorchFile(contentsOf: path)
        let name = try #require(file.tensors.first?.name)
        #expect(throws: PyTorchError.corrupt(path: path, member: member.name, problem: "CRC-32 mismatch: the data is damaged")) {
            try damaged.rawBytes(named: name)
        }
    }
}
