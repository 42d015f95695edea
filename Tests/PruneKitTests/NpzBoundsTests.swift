import Foundation
import Testing

@testable import PruneKit

/// Zip bombs and zips whose parts disagree: refused at open, before anything
/// is expanded, with one line naming the file and the member; deflated
/// tensors that are accepted expand piece by piece.
@Suite struct NpzBoundsTests {
    /// A deflated single-member .npz of `npy` (a real fixed-Huffman stream),
    /// declaring its true sizes.
    static func deflatedNpz(_ npy: [UInt8], name: String = "w.npy", trailing: [UInt8] = []) throws -> [UInt8] {
        NpzTests.zip(
            name: name, method: 8, crc: npy.withUnsafeBytes { Inflater.crc32($0) },
            compressed: try NpzTests.deflate(npy) + trailing, declared: npy.count)
    }

    static func message(opening bytes: [UInt8], in dir: TempDir, maximumExpandedBytes: Int = NpzFile.maximumExpandedBytes) -> String {
        writeBytes(bytes, dir.file("bomb.npz"))
        do {
            _ = try NpzFile(contentsOf: dir.file("bomb.npz"), maximumExpandedBytes: maximumExpandedBytes)
            return "accepted"
        } catch {
            return "\(error)"
        }
    }

    @Test func aTruthfulBombIsRefusedByTheCeilingBeforeExpanding() throws {
        let dir = TempDir()
        // 4 MiB of zeros under a header that describes them exactly, in ~36 KB.
        let npy = NpyHeader.encode(descr: "<f4", shape: [1 << 20]) + [UInt8](repeating: 0, count: 4 << 20)
        let bomb = try Self.deflatedNpz(npy)
        #expect(bomb.count < 64 << 10)
        let refused = Self.message(opening: bomb, in: dir, maximumExpandedBytes: 1 << 20)
        #expect(
            refused.hasPrefix(dir.file("bomb.npz") + ": member \"w.npy\": the archive would expand to \(npy.count) bytes"), "\(refused)")
        #expect(refused.contains("beyond 1048576 (PruneScope's ceiling for an .npz); refused as a zip bomb"), "\(refused)")
        #expect(!refused.contains("\n"))

        // Under the default ceiling the same archive is legitimate: it expands
        // piece by piece into the tensor, and whole for raw access.
        let archive = try NpzFile(contentsOf: dir.file("bomb.npz"))
        let tensor = try archive.floatTensor(named: "w")
        #expect(tensor.shape == [1 << 20] && tensor.data.allSatisfy { $0 == 0 })
        #expect(try archive.withRawBytes(named: "w") { $0.count } == 4 << 20)

        // Stored members are read in place: no ceiling applies to them.
        let stored = try NpzFile(contentsOf: Fixtures.path("stored.npz"), maximumExpandedBytes: 0)
        #expect(stored.tensors.count == 3)
    }

    @Test func theAbsoluteAndRelativeCeilingsAreSaid() throws {
        let dir = TempDir()
        // 3 GiB declared from 3.2 MB: within deflate's ratio, beyond 2 GiB. The
        // compressed bytes are never looked at: the directory alone is refused.
        let big = 3 << 30
        let huge = NpzTests.zip(
            name: "w.npy", method: 8, crc: 0, compressed: [UInt8](repeating: 0, count: 3_200_000), declared: big)
        let absolute = Self.message(opening: huge, in: dir)
        #expect(absolute.contains("member \"w.npy\": the archive would expand to \(big) bytes or more, beyond \(2 << 30)"), "\(absolute)")
        #expect(absolute.contains("PruneScope's ceiling for an .npz"), "\(absolute)")

        // 10 MB declared from a few bytes: beyond 1032 times the archive.
        let small = NpzTests.zip(name: "w.npy", method: 8, crc: 0, compressed: [3, 0], declared: 10_000_000)
        let relative = Self.message(opening: small, in: dir)
        #expect(relative.contains("beyond \(1032 * small.count) (1032 times the archive's \(small.count) bytes)"), "\(relative)")
    }

    @Test func overlappingMembersAreRefused() throws {
        let dir = TempDir()
        let npyA = NpyHeader.encode(descr: "<f4", shape: [4]) + [UInt8](repeating: 0, count: 16)
        let npyB = NpyHeader.encode(descr: "<f4", shape: [2]) + [UInt8](repeating: 0, count: 8)
        var bytes = NpzWriter.encode([("a", npyA), ("b", npyB)])
        #expect(Self.message(opening: bytes, in: dir) == "accepted")
        // "a.npy" claims to run on over "b.npy": the overlapping-bomb trick
        // (many members sharing one payload), refused before any reading.
        let spanning = UInt32(npyA.count + 30 + "b.npy".utf8.count + npyB.count)
        let cd = NpzTests.centralDirectory(bytes)
        for offset in [18, 22, cd + 20, cd + 24] { NpzTests.patch32(&bytes, at: offset, spanning) }
        let refused = Self.message(opening: bytes, in: dir)
        #expect(refused == dir.file("bomb.npz") + ": damaged zip: \"a.npy\" and \"b.npy\" overlap in the file", "\(refused)")
    }

    @Test func localHeadersMustAgreeWithTheCentralDirectory() throws {
        let dir = TempDir()
        let npy = NpyHeader.encode(descr: "<f4", shape: [8]) + [UInt8](repeating: 7, count: 32)
        let good = try Self.deflatedNpz(npy)
        #expect(Self.message(opening: good, in: dir) == "accepted")
        let cases: [(offset: Int, value: UInt32, what: String)] = [
            (8, 0, "the compression method"), (14, 0xDEAD_BEEF, "the CRC-32"),
            (18, 5, "the compressed size"), (22, 0x7FFF, "the expanded size"),
        ]
        for (offset, value, what) in cases {
            var bytes = good
            if offset == 8 {
                bytes[8] = UInt8(value)
                bytes[9] = 0
            } else {
                NpzTests.patch32(&bytes, at: offset, value)
            }
            let refused = Self.message(opening: bytes, in: dir)
            #expect(
                refused == dir.file("bomb.npz")
                    + ": damaged zip: local header of \"w.npy\" disagrees with the central directory on \(what)",
                "\(refused)")
        }
    }

    @Test func aStreamShorterThanItsCompressedSizeIsRefused() throws {
        let dir = TempDir()
        let npy = NpyHeader.encode(descr: "<f4", shape: [4]) + [UInt8](repeating: 1, count: 16)
        writeBytes(try Self.deflatedNpz(npy, trailing: [9, 9, 9]), dir.file("padded.npz"))
        let archive = try NpzFile(contentsOf: dir.file("padded.npz"))
        for read in [{ _ = try archive.floatTensor(named: "w") }, { _ = try archive.rawBytes(named: "w") }] {
            do {
                try read()
                Issue.record("accepted")
            } catch {
                let text = "\(error)"
                #expect(text.hasPrefix(dir.file("padded.npz") + ": member \"w.npy\": deflate stream ends after "), "\(text)")
                #expect(text.hasSuffix("bytes"), "\(text)")
            }
        }
    }

    /// Tensors larger than one expansion piece (64 KiB), in dtypes of every
    /// width, decode across the piece boundaries exactly.
    @Test(arguments: [DType.F16, .F32, .F64])
    func deflatedTensorsDecodeAcrossPieces(dtype: DType) throws {
        let dir = TempDir()
        let count = 40_000 + 3
        let tensor = Tensor(shape: [count], data: (0..<count).map { Float($0 % 2048) - 1024 })
        let entry = try SafetensorsEntry(name: "w", tensor: tensor, dtype: dtype)
        let descr = ["F16": "<f2", "F32": "<f4", "F64": "<f8"][dtype.rawValue] ?? "?"
        let npy = NpyHeader.encode(descr: descr, shape: [count]) + entry.bytes
        writeBytes(try Self.deflatedNpz(npy), dir.file("t.npz"))
        let archive = try NpzFile(contentsOf: dir.file("t.npz"))
        #expect(try archive.floatTensor(named: "w") == tensor)
        #expect(try archive.rawBytes(named: "w") == entry.bytes)
        var streamed: [Float] = []
        try archive.forEachChunk(named: "w") { streamed.append(contentsOf: $0) }
        #expect(streamed == tensor.data)
    }
}
