import Foundation
import Testing

@testable import PruneKit

@Suite struct NpzTests {
    @Test func readsStoredNpzWrittenByNumpy() throws {
        let archive = try openTensorArchive(path: Fixtures.path("stored.npz"))
        #expect(archive.format == .npz)
        #expect(archive.tensors.map(\.name) == ["w", "b", "step"])
        #expect(try archive.floatTensor(named: "w") == Tensor(shape: [4, 3], data: Fixtures.ramp(12)))
        #expect(try archive.floatTensor(named: "b").data == Fixtures.ramp(3))
        #expect(archive.info(named: "b")?.dtype == .F16)
        let step = try archive.floatTensor(named: "step")
        #expect(step.shape == [] && step.data == [7])
        #expect(try archive.rawBytes(named: "step") == [7, 0, 0, 0, 0, 0, 0, 0])
    }

    @Test func readsDeflatedNpzWrittenByNumpy() throws {
        let archive = try NpzFile(contentsOf: Fixtures.path("deflated.npz"))
        #expect(archive.tensors.map(\.name) == ["w", "b", "zeros"])
        #expect(try archive.floatTensor(named: "w").data == Fixtures.ramp(12))
        #expect(try archive.floatTensor(named: "b").data == Fixtures.ramp(3))
        let zeros = try archive.floatTensor(named: "zeros")
        #expect(zeros.shape == [64, 64] && zeros.data.allSatisfy { $0 == 0 })
        #expect(throws: SafetensorsError.self) { try archive.floatTensor(named: "nope") }
    }

    @Test func writerRoundTrips() throws {
        let dir = TempDir()
        let path = dir.file("masks.npz")
        let a = Tensor(shape: [3, 4], data: (0..<12).map(Float.init))
        let b = Tensor(shape: [], data: [1])
        try NpzWriter.write(tensors: [("fc1.weight", a), ("s", b)], to: path)
        let archive = try openTensorArchive(path: path)
        #expect(archive.tensors.map(\.name) == ["fc1.weight", "s"])
        #expect(try archive.floatTensor(named: "fc1.weight") == a)
        #expect(try archive.floatTensor(named: "s") == b)
    }

    /// Replaces 4 little-endian bytes at `offset`.
    static func patch32(_ bytes: inout [UInt8], at offset: Int, _ value: UInt32) {
        for i in 0..<4 { bytes[offset + i] = UInt8((value >> (8 * UInt32(i))) & 0xFF) }
    }

    /// Offset of the first central directory entry in a zip.
    static func centralDirectory(_ bytes: [UInt8]) -> Int {
        let eocd = bytes.count - 22
        return Int(
            UInt32(bytes[eocd + 16]) | UInt32(bytes[eocd + 17]) << 8 | UInt32(bytes[eocd + 18]) << 16 | UInt32(bytes[eocd + 19]) << 24)
    }

    @Test func zipBombFailsFastWithAClearError() throws {
        let dir = TempDir()
        // Claimed size far beyond deflate's ratio: rejected before inflating.
        var bytes = try Fixtures.bytes("deflated.npz")
        let cd = Self.centralDirectory(bytes)
        Self.patch32(&bytes, at: cd + 24, 0xFFFF_FFF0)
        writeBytes(bytes, dir.file("bomb.npz"))
        #expect(throws: NpzError.self) { try NpzFile(contentsOf: dir.file("bomb.npz")) }
        do { _ = try NpzFile(contentsOf: dir.file("bomb.npz")) } catch {
            #expect("\(error)".contains("zip bomb"), "\(error)")
        }

        // A real bomb: 16 MB of zeros in ~16 KB, under a header declaring a
        // small 4x4 array. Caught by the header's shape, nothing expanded.
        let npyHeader = NpyHeader.encode(descr: "<f4", shape: [4, 4])
        let huge = npyHeader + [UInt8](repeating: 0, count: 16 << 20)
        let compressed = try Self.deflate(huge)
        let zip = Self.zip(
            name: "w.npy", method: 8, crc: huge.withUnsafeBytes { Inflater.crc32($0) },
            compressed: compressed, declared: huge.count)
        writeBytes(zip, dir.file("bomb2.npz"))
        do {
            _ = try NpzFile(contentsOf: dir.file("bomb2.npz"))
            Issue.record("bomb accepted")
        } catch let error as NpzError {
            #expect("\(error)".contains("its .npy header describes 192"), "\(error)")
        }
        // The same bomb lying about its size too: expansion stops at the declared size.
        let liar = Self.zip(name: "w.npy", method: 8, crc: 0, compressed: compressed, declared: npyHeader.count + 64)
        writeBytes(liar, dir.file("bomb3.npz"))
        let archive = try NpzFile(contentsOf: dir.file("bomb3.npz"))
        do {
            _ = try archive.floatTensor(named: "w")
            Issue.record("lying bomb expanded")
        } catch let error as NpzError {
            #expect("\(error)".contains("expands beyond its declared"), "\(error)")
        }
    }

    @Test func damagedArchivesGiveOneLine() throws {
        let dir = TempDir()
        let good = try Fixtures.bytes("stored.npz")
        var badCRC = good
        // Flip a bit in the first member's array data (past its local header and .npy header).
        let dataStart = 30 + Int(good[26]) + Int(good[27]) << 8 + Int(good[28]) + Int(good[29]) << 8
        badCRC[dataStart + 128 + 4] ^= 0x01
        var method = good
        let cd = Self.centralDirectory(good)
        method[cd + 10] = 14  // LZMA, in the central directory and the local header
        method[8] = 14
        let cases: [([UInt8], String)] = [
            (Array(good.prefix(good.count - 30)), "no end-of-central-directory"),
            ([0x50, 0x4B, 3, 4], "no end-of-central-directory"),
            (method, "unsupported compression method 14"),
        ]
        for (bytes, problem) in cases {
            writeBytes(bytes, dir.file("bad.npz"))
            do {
                _ = try NpzFile(contentsOf: dir.file("bad.npz"))
                Issue.record("accepted, expected \(problem)")
            } catch {
                #expect("\(error)".hasPrefix(dir.file("bad.npz") + ": "))
                #expect("\(error)".contains(problem), "\(error)")
            }
        }
        writeBytes(badCRC, dir.file("crc.npz"))
        let archive = try NpzFile(contentsOf: dir.file("crc.npz"))
        #expect(throws: NpzError.self) {
            for t in archive.tensors { _ = try archive.floatTensor(named: t.name) }
        }
    }

    // MARK: - Helpers building zips by hand

    /// Raw deflate of `data` in one fixed-Huffman block: literals, and runs of a
    /// repeated byte as matches at distance 1 (enough to build a zip bomb).
    static func deflate(_ data: [UInt8]) throws -> [UInt8] {
        var writer = BitWriter()
        writer.write(1, bits: 1)  // BFINAL
        writer.write(1, bits: 2)  // BTYPE 01: fixed Huffman
        var i = 0
        while i < data.count {
            var run = 0
            while i > 0, i + run < data.count, data[i + run] == data[i - 1], run < 258 { run += 1 }
            if run >= 3 {
                writer.writeLength(run)
                writer.writeHuffman(0, bits: 5)  // distance code 0: distance 1
                i += run
            } else {
                writer.writeLiteral(Int(data[i]))
                i += 1
            }
        }
        writer.writeLiteral(256)
        return writer.bytes()
    }

    static func zip(name: String, method: Int, crc: UInt32, compressed: [UInt8], declared: Int) -> [UInt8] {
        var out: [UInt8] = []
        func le16(_ v: Int) { out += [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
        func le32(_ v: Int) { for s in stride(from: 0, to: 32, by: 8) { out.append(UInt8((v >> s) & 0xFF)) } }
        let n = Array(name.utf8)
        le32(0x0403_4B50); le16(20); le16(0); le16(method); le16(0); le16(0x21)
        le32(Int(crc)); le32(compressed.count); le32(declared); le16(n.count); le16(0)
        out += n + compressed
        let cd = out.count
        le32(0x0201_4B50); le16(20); le16(20); le16(0); le16(method); le16(0); le16(0x21)
        le32(Int(crc)); le32(compressed.count); le32(declared); le16(n.count); le16(0); le16(0)
        le16(0); le16(0); le32(0); le32(0)
        out += n
        let cdSize = out.count - cd
        le32(0x0605_4B50); le16(0); le16(0); le16(1); le16(1); le32(cdSize); le32(cd); le16(0)
        return out
    }
}

/// Writes a fixed-Huffman deflate stream bit by bit (RFC 1951 3.2.6).
struct BitWriter {
    private var buffer: [UInt8] = []
    private var current: UInt32 = 0
    private var count: UInt32 = 0

    /// Appends `bits` bits of `value`, least significant first.
    mutating func write(_ value: Int, bits: Int) {
        for b in 0..<bits {
            current |= UInt32((value >> b) & 1) << count
            count += 1
            if count == 8 { buffer.append(UInt8(current)); current = 0; count = 0 }
        }
    }

    /// Appends a Huffman code, most significant bit first.
    mutating func writeHuffman(_ code: Int, bits: Int) {
        for b in (0..<bits).reversed() { write((code >> b) & 1, bits: 1) }
    }

    mutating func writeLiteral(_ symbol: Int) {
        switch symbol {
        case 0...143: writeHuffman(0x30 + symbol, bits: 8)
        case 144...255: writeHuffman(0x190 + symbol - 144, bits: 9)
        case 256...279: writeHuffman(symbol - 256, bits: 7)
        default: writeHuffman(0xC0 + symbol - 280, bits: 8)
        }
    }

    /// A match length 3...258 as its symbol and extra bits.
    mutating func writeLength(_ length: Int) {
        let bases = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
        let extra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
        var i = bases.count - 1
        while bases[i] > length { i -= 1 }
        writeLiteral(257 + i)
        write(length - bases[i], bits: extra[i])
    }

    func bytes() -> [UInt8] {
        count > 0 ? buffer + [UInt8(current)] : buffer
    }
}
