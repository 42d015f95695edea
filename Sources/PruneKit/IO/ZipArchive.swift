import CZlib

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The central directory of a zip file held in memory: enough to find and
/// expand each member (stored or deflate). ZIP64 sizes and offsets are read.
struct ZipDirectory {
    struct Member {
        var name: String
        var method: Int
        var flags: UInt16
        var crc32: UInt32
        var compressedSize: Int
        var uncompressedSize: Int
        /// Offset of the member's compressed data in the file.
        var dataOffset: Int
    }

    var members: [Member]

    private static func u16(_ b: UnsafeRawBufferPointer, _ at: Int) -> Int {
        Int(UInt16(b[at]) | UInt16(b[at + 1]) << 8)
    }

    private static func u32(_ b: UnsafeRawBufferPointer, _ at: Int) -> Int {
        Int(UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24)
    }

    private static func u64(_ b: UnsafeRawBufferPointer, _ at: Int) -> UInt64 {
        var v: UInt64 = 0
        for i in (0..<8).reversed() { v = v << 8 | UInt64(b[at + i]) }
        return v
    }

    /// Reads the directory of the zip in `bytes`.
    static func read(_ bytes: UnsafeRawBufferPointer, path: String) throws(NpzError) -> ZipDirectory {
        let n = bytes.count
        guard n >= 22 else { throw .notZip(path: path) }
        var eocd = -1
        var p = n - 22
        let lowest = max(0, n - 22 - 65_535)
        while p >= lowest {
            if bytes[p] == 0x50, bytes[p + 1] == 0x4B, bytes[p + 2] == 0x05, bytes[p + 3] == 0x06,
                p + 22 + u16(bytes, p + 20) <= n
            {
                eocd = p
                break
            }
            p -= 1
        }
        guard eocd >= 0 else { throw .notZip(path: path) }
        var count = u16(bytes, eocd + 10)
        var cdSize = u32(bytes, eocd + 12)
        var cdOffset = u32(bytes, eocd + 16)
        if count == 0xFFFF || cdSize == 0xFFFF_FFFF || cdOffset == 0xFFFF_FFFF {
            // ZIP64: a locator sits just before the end record.
            let locator = eocd - 20
            guard locator >= 0, u32(bytes, locator) == 0x0706_4B50 else {
                throw .damaged(path: path, problem: "ZIP64 end-of-directory locator missing")
            }
            let record64 = u64(bytes, locator + 8)
            guard n >= 56, record64 <= UInt64(n - 56), u32(bytes, Int(record64)) == 0x0606_4B50 else {
                throw .damaged(path: path, problem: "ZIP64 end-of-directory record missing")
            }
            let r = Int(record64)
            let total = u64(bytes, r + 32), size = u64(bytes, r + 40), offset = u64(bytes, r + 48)
            guard total <= UInt64(n), size <= UInt64(n), offset <= UInt64(n) else {
                throw .damaged(path: path, problem: "ZIP64 directory outside the file")
            }
            count = Int(total); cdSize = Int(size); cdOffset = Int(offset)
        }
        guard cdOffset <= n, cdSize <= n - cdOffset else {
            throw .damaged(path: path, problem: "central directory outside the file")
        }
        var members: [Member] = []
        var names = Set<String>()
        // What each member occupies (local header and data), to refuse overlaps.
        var spans: [(range: Range<Int>, name: String)] = [(cdOffset..<(cdOffset + cdSize), "(central directory)")]
        var q = cdOffset
        let cdEnd = cdOffset + cdSize
        for _ in 0..<count {
            guard cdEnd - q >= 46, u32(bytes, q) == 0x0201_4B50 else {
                throw .damaged(path: path, problem: "bad central directory entry at byte \(q)")
            }
            let flags = UInt16(u16(bytes, q + 8))
            let method = u16(bytes, q + 10)
            let crc = UInt32(u32(bytes, q + 16))
            var compressed = u32(bytes, q + 20)
            var uncompressed = u32(bytes, q + 24)
            let nameLength = u16(bytes, q + 28), extraLength = u16(bytes, q + 30), commentLength = u16(bytes, q + 32)
            var localOffset = u32(bytes, q + 42)
            let entryLength = 46 + nameLength + extraLength + commentLength
            guard cdEnd - q >= entryLength else { throw .damaged(path: path, problem: "central directory entry runs past its end") }
            let nameBytes = UnsafeRawBufferPointer(rebasing: bytes[(q + 46)..<(q + 46 + nameLength)])
            let name = String(decoding: nameBytes, as: UTF8.self)
            // ZIP64 extra field: the 0xFFFFFFFF fields, in order.
            var e = q + 46 + nameLength
            let extraEnd = e + extraLength
            while extraEnd - e >= 4 {
                let id = u16(bytes, e), size = u16(bytes, e + 2)
                guard extraEnd - e - 4 >= size else { break }
                if id == 0x0001 {
                    var f = e + 4
                    let fEnd = f + size
                    func next() throws(NpzError) -> Int {
                        guard fEnd - f >= 8 else { throw .damaged(path: path, problem: "short ZIP64 field for \"\(name)\"") }
                        let v = u64(bytes, f)
                        f += 8
                        guard v <= UInt64(Int.max / 2) else { throw .damaged(path: path, problem: "ZIP64 size too large for \"\(name)\"") }
                        return Int(v)
                    }
                    if uncompressed == 0xFFFF_FFFF { uncompressed = try next() }
                    if compressed == 0xFFFF_FFFF { compressed = try next() }
                    if localOffset == 0xFFFF_FFFF { localOffset = try next() }
                }
                e += 4 + size
            }
            q += entryLength
            if name.hasSuffix("/") && uncompressed == 0 { continue }
            guard names.insert(name).inserted else { throw .duplicateMember(path: path, member: name) }
            if flags & 1 != 0 { throw .encrypted(path: path, member: name) }
            guard localOffset <= n - 30, u32(bytes, localOffset) == 0x0403_4B50 else {
                throw .damaged(path: path, problem: "local header of \"\(name)\" missing")
            }
            let dataOffset = localOffset + 30 + u16(bytes, localOffset + 26) + u16(bytes, localOffset + 28)
            guard dataOffset <= n, compressed <= n - dataOffset else {
                throw .damaged(path: path, problem: "data of \"\(name)\" runs past the end of the file")
            }
            try checkLocalHeader(
                bytes, at: localOffset, against: (nameBytes, method, crc, compressed, uncompressed), name: name, path: path)
            spans.append((localOffset..<(dataOffset + compressed), name))
            members.append(
                Member(
                    name: name, method: method, flags: flags, crc32: crc,
                    compressedSize: compressed, uncompressedSize: uncompressed, dataOffset: dataOffset))
        }
        spans.sort { $0.range.lowerBound < $1.range.lowerBound }
        for (first, second) in zip(spans, spans.dropFirst()) where first.range.overlaps(second.range) {
            // Members sharing bytes: the trick of the overlapping zip bomb.
            throw .damaged(path: path, problem: "\"\(first.name)\" and \"\(second.name)\" overlap in the file")
        }
        return ZipDirectory(members: members)
    }

    /// Checks a member's local header agrees with its central directory
    /// entry: name, method and, unless they follow the data (flag bit 3) or
    /// live in a ZIP64 field, the CRC-32 and both sizes.
    private static func checkLocalHeader(
        _ bytes: UnsafeRawBufferPointer, at offset: Int,
        against central: (name: UnsafeRawBufferPointer, method: Int, crc: UInt32, compressed: Int, uncompressed: Int),
        name: String, path: String
    ) throws(NpzError) {
        func disagree(_ what: String) -> NpzError {
            .damaged(path: path, problem: "local header of \"\(name)\" disagrees with the central directory on \(what)")
        }
        let nameLength = u16(bytes, offset + 26)
        guard nameLength == central.name.count,
            UnsafeRawBufferPointer(rebasing: bytes[(offset + 30)..<(offset + 30 + nameLength)]).elementsEqual(central.name)
        else { throw disagree("the name") }
        guard u16(bytes, offset + 8) == central.method else { throw disagree("the compression method") }
        guard u16(bytes, offset + 6) & 0x08 == 0 else { return }
        guard UInt32(u32(bytes, offset + 14)) == central.crc else { throw disagree("the CRC-32") }
        let compressed = u32(bytes, offset + 18), uncompressed = u32(bytes, offset + 22)
        guard compressed == 0xFFFF_FFFF || compressed == central.compressed else { throw disagree("the compressed size") }
        guard uncompressed == 0xFFFF_FFFF || uncompressed == central.uncompressed else { throw disagree("the expanded size") }
    }
}
