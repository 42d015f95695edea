/// An .npz archive (a zip of .npy arrays, stored or deflate-compressed)
/// opened for reading; tensors are named after the members without `.npy`.
///
/// The zip is memory-mapped. Stored members are read in place; deflated
/// members are expanded on each access, piece by piece: `floatTensor`
/// converts each piece straight into the tensor, `forEachChunk` hands each
/// on, and only `withRawBytes` needs a buffer (of exactly the declared size).
/// Before anything is expanded, the archive is checked against zip bombs:
/// members may not overlap, local headers must agree with the central
/// directory, each declared size must be within deflate's maximum ratio and
/// match its .npy header's shape, and the deflated members together must
/// declare at most `maximumExpansionRatio` times the archive's size and at
/// most `maximumExpandedBytes`. Expansion itself stops at the declared size,
/// and the CRC-32 and the compressed size are verified.
///
/// Sendable because it is read only: every stored property is a `let`
/// set in `init`, the mapping is read-only, and each read expands into a
/// buffer of its own.
public final class NpzFile: TensorArchive, @unchecked Sendable {
    public let path: String
    public var format: TensorArchiveFormat { .npz }
    public let tensors: [TensorInfo]
    public var metadata: [String: String] { [:] }

    struct Entry {
        var member: ZipDirectory.Member
        var header: NpyHeader
    }

    private let mapping: MappedFile
    private let entries: [Entry]
    private let index: [String: Int]

    /// The most an archive's deflated members may expand to, together: 2 GiB.
    /// (Stored members are read in place and cost no more than the file.)
    public static let maximumExpandedBytes = 2 << 30
    /// The most an archive may expand to, relative to its size on disk
    /// (deflate's own limit: more is only possible with overlapping members).
    public static let maximumExpansionRatio = Inflater.maximumRatio

    /// Opens, maps and validates `path` (directory, every member's .npy header
    /// and declared sizes).
    /// - Parameter maximumExpandedBytes: the ceiling on the total expansion.
    /// - Throws: `NpzError` or `NpyError` naming the file, the member and the problem.
    public init(contentsOf path: String, maximumExpandedBytes: Int = NpzFile.maximumExpandedBytes) throws {
        do {
            mapping = try MappedFile(path: path)
        } catch {
            throw NpzError.io(path: path, problem: error.problem)
        }
        self.path = path
        let bytes = mapping.bytes
        let directory = try ZipDirectory.read(bytes, path: path)
        try NpzFile.checkTotalExpansion(directory, archiveSize: bytes.count, ceiling: maximumExpandedBytes, path: path)
        var entries: [Entry] = []
        var tensors: [TensorInfo] = []
        var index: [String: Int] = [:]
        for member in directory.members {
            let memberPath = "\(path)[\(member.name)]"
            let header = try NpzFile.readHeader(member, bytes: bytes, path: path, memberPath: memberPath)
            let described = header.dataStart + header.dataByteCount
            if member.uncompressedSize != described {
                throw NpzError.sizeMismatch(path: path, member: member.name, declared: member.uncompressedSize, described: described)
            }
            var name = member.name
            if name.hasSuffix(".npy") { name.removeLast(4) }
            guard index[name] == nil else { throw NpzError.duplicateMember(path: path, member: member.name) }
            index[name] = tensors.count
            tensors.append(TensorInfo(name: name, dtype: header.dtype, shape: header.shape, dataOffsets: 0..<header.dataByteCount))
            entries.append(Entry(member: member, header: header))
        }
        self.entries = entries
        self.tensors = tensors
        self.index = index
    }

    /// Checks a member's sizes and parses its .npy header (expanding only the
    /// header's bytes of a deflated member).
    private static func readHeader(
        _ member: ZipDirectory.Member, bytes: UnsafeRawBufferPointer,
        path: String, memberPath: String
    ) throws -> NpyHeader {
        let compressed = UnsafeRawBufferPointer(rebasing: bytes[member.dataOffset..<(member.dataOffset + member.compressedSize)])
        switch member.method {
        case 0:
            guard member.compressedSize == member.uncompressedSize else {
                throw NpzError.damaged(path: path, problem: "stored member \"\(member.name)\" has different compressed and expanded sizes")
            }
            return try NpyHeader.parse(compressed, path: memberPath)
        case 8:
            let (limit, overflow) = member.compressedSize.multipliedReportingOverflow(by: Inflater.maximumRatio)
            if overflow || member.uncompressedSize > limit + 1024 {
                throw NpzError.zipBomb(
                    path: path, member: member.name, declared: member.uncompressedSize, compressed: member.compressedSize)
            }
            // Expand just enough for the fixed prefix, then for the whole header.
            let stream: Inflater.Stream
            var prefix: [UInt8]
            do throws(Inflater.Failure) {
                stream = try Inflater.Stream(compressed)
                prefix = try stream.readBytes(min(member.uncompressedSize, NpyHeader.prefixLength))
            } catch {
                throw NpzError.corrupt(path: path, member: member.name, problem: error.problem)
            }
            do {
                return try prefix.withUnsafeBytes { try NpyHeader.parse($0, path: memberPath) }
            } catch let NpyError.truncated(_, _, want) where want > prefix.count && want <= member.uncompressedSize {
                do throws(Inflater.Failure) {
                    prefix += try stream.readBytes(want - prefix.count)
                } catch {
                    throw NpzError.corrupt(path: path, member: member.name, problem: error.problem)
                }
            }
            return try prefix.withUnsafeBytes { try NpyHeader.parse($0, path: memberPath) }
        default:
            throw NpzError.unsupportedCompression(path: path, member: member.name, method: member.method)
        }
    }

    /// Refuses an archive whose compressed members would expand, together,
    /// beyond `ceiling` bytes or beyond `maximumExpansionRatio` times its size.
    private static func checkTotalExpansion(
        _ directory: ZipDirectory, archiveSize: Int, ceiling: Int, path: String
    ) throws(NpzError) {
        let (relative, overflow) = archiveSize.multipliedReportingOverflow(by: maximumExpansionRatio)
        let limit = overflow ? ceiling : min(relative, ceiling)
        let reason =
            limit == ceiling
            ? "PruneScope's ceiling for an .npz" : "\(maximumExpansionRatio) times the archive's \(archiveSize) bytes"
        var total = 0
        for member in directory.members where member.method != 0 {
            let (sum, overflow) = total.addingReportingOverflow(member.uncompressedSize)
            total = overflow ? Int.max : sum
            if total > limit {
                throw .expandsTooMuch(path: path, member: member.name, total: total, limit: limit, reason: reason)
            }
        }
    }

    public func info(named name: String) -> TensorInfo? {
        index[name].map { tensors[$0] }
    }

    public func floatTensor(named name: String) throws -> Tensor {
        let info = try requireInfo(named: name)
        guard let i = index[name], entries[i].member.method == 8 else {
            return try withRawBytes(named: name) { ElementDecoding.tensor(info.dtype, shape: info.shape, from: $0) }
        }
        // Deflated: expand piece by piece straight into the tensor, so the
        // expanded bytes are never held whole beside the converted floats.
        var data = [Float](repeating: 0, count: info.elementCount)
        var filled = 0
        try data.withUnsafeMutableBufferPointer { floats in
            try forEachDeflatedPiece(entries[i]) { bytes in
                let n = bytes.count / info.dtype.byteSize
                ElementDecoding.decode(info.dtype, from: bytes, into: UnsafeMutableBufferPointer(rebasing: floats[filled...]), count: n)
                filled += n
            }
        }
        return Tensor(shape: info.shape, data: data)
    }

    /// Streams the tensor's elements as Float32 chunks; a deflated member is
    /// expanded piece by piece, never whole.
    public func forEachChunk(named name: String, _ body: (UnsafeBufferPointer<Float>) throws -> Void) throws {
        let info = try requireInfo(named: name)
        guard let i = index[name], entries[i].member.method == 8 else {
            return try withRawBytes(named: name) { try ElementStream.forEachChunk(info.dtype, $0, body) }
        }
        try forEachDeflatedPiece(entries[i]) { try ElementStream.forEachChunk(info.dtype, $0, body) }
    }

    /// Expands a deflated member in pieces of whole elements (at most 64 KiB),
    /// calling `body` with each piece of its array data, then checks the
    /// stream ended at the declared sizes and the CRC-32.
    private func forEachDeflatedPiece(_ entry: Entry, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let member = entry.member
        let piece = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { piece.deallocate() }
        do {
            let stream = try Inflater.Stream(compressedBytes(of: member))
            var crc = try stream.readBytes(entry.header.dataStart).withUnsafeBytes { Inflater.crc32($0) }
            let perPiece = piece.count / entry.header.dtype.byteSize * entry.header.dtype.byteSize
            var left = entry.header.dataByteCount
            while left > 0 {
                let bytes = UnsafeMutableRawBufferPointer(rebasing: piece[0..<min(perPiece, left)])
                guard try stream.read(into: bytes) == bytes.count else { break }
                crc = Inflater.crc32(UnsafeRawBufferPointer(bytes), continuing: crc)
                try body(UnsafeRawBufferPointer(bytes))
                left -= bytes.count
            }
            if let problem = try stream.endProblem(expected: member.uncompressedSize) {
                throw Inflater.Failure(problem: problem)
            }
            guard crc == member.crc32 else { throw Inflater.Failure(problem: "CRC-32 mismatch: the data is damaged") }
        } catch let failure as Inflater.Failure {
            throw NpzError.corrupt(path: path, member: member.name, problem: failure.problem)
        }
    }

    /// The member's compressed bytes in the mapping.
    private func compressedBytes(of member: ZipDirectory.Member) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: mapping.bytes[member.dataOffset..<(member.dataOffset + member.compressedSize)])
    }

    private func requireInfo(named name: String) throws -> TensorInfo {
        guard let info = info(named: name) else { throw SafetensorsError.tensorNotFound(path: path, name: name) }
        return info
    }

    public func withRawBytes<R>(named name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        guard let i = index[name] else { throw SafetensorsError.tensorNotFound(path: path, name: name) }
        let entry = entries[i]
        let member = entry.member
        let compressed = UnsafeRawBufferPointer(rebasing: mapping.bytes[member.dataOffset..<(member.dataOffset + member.compressedSize)])
        if member.method == 0 {
            guard Inflater.crc32(compressed) == member.crc32 else {
                throw NpzError.corrupt(path: path, member: member.name, problem: "CRC-32 mismatch: the data is damaged")
            }
            return try body(UnsafeRawBufferPointer(rebasing: compressed[(compressed.startIndex + entry.header.dataStart)...]))
        }
        let size = member.uncompressedSize
        if size > Inflater.physicalMemory {
            throw NpzError.tooLarge(path: path, member: member.name, size: size)
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
        defer { buffer.deallocate() }
        do throws(Inflater.Failure) {
            let stream = try Inflater.Stream(compressed)
            _ = try stream.read(into: buffer)
            if let problem = try stream.endProblem(expected: size) { throw Inflater.Failure(problem: problem) }
        } catch {
            throw NpzError.corrupt(path: path, member: member.name, problem: error.problem)
        }
        let expanded = UnsafeRawBufferPointer(rebasing: buffer[0..<size])
        guard Inflater.crc32(expanded) == member.crc32 else {
            throw NpzError.corrupt(path: path, member: member.name, problem: "CRC-32 mismatch: the data is damaged")
        }
        return try body(UnsafeRawBufferPointer(rebasing: expanded[entry.header.dataStart...]))
    }
}

/// Writes .npz archives (uncompressed zip of .npy members) that
/// `numpy.load` reads.
public enum NpzWriter {
    /// Writes `arrays` (name, complete .npy bytes) to `path` atomically; each
    /// member is named `name.npy`.
    public static func write(_ arrays: [(name: String, npy: [UInt8])], to path: String) throws {
        try AtomicFile.write(encode(arrays), to: path)
    }

    /// Writes Float32 tensors to `path` as an .npz, atomically.
    public static func write(tensors: [(name: String, tensor: Tensor)], to path: String) throws {
        try write(tensors.map { ($0.name, NpyWriter.encode($0.tensor)) }, to: path)
    }

    /// The bytes of a stored (uncompressed) zip holding the arrays.
    public static func encode(_ arrays: [(name: String, npy: [UInt8])]) -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        func le16(_ v: Int, _ a: inout [UInt8]) { a += [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
        func le32(_ v: Int, _ a: inout [UInt8]) { for s in stride(from: 0, to: 32, by: 8) { a.append(UInt8((v >> s) & 0xFF)) } }
        func le64(_ v: Int, _ a: inout [UInt8]) { for s in stride(from: 0, to: 64, by: 8) { a.append(UInt8((v >> s) & 0xFF)) } }
        for (name, npy) in arrays {
            let fileName = Array((name + ".npy").utf8)
            let crc = npy.withUnsafeBytes { Int(Inflater.crc32($0)) }
            let offset = out.count
            let big = npy.count >= 0xFFFF_FFFF || offset >= 0xFFFF_FFFF
            // Local header.
            le32(0x0403_4B50, &out); le16(big ? 45 : 20, &out); le16(0, &out); le16(0, &out)
            le16(0, &out); le16(0x21, &out)  // time 00:00, date 1980-01-01
            le32(crc, &out)
            le32(big ? 0xFFFF_FFFF : npy.count, &out); le32(big ? 0xFFFF_FFFF : npy.count, &out)
            le16(fileName.count, &out); le16(big ? 20 : 0, &out)
            out += fileName
            if big { le16(1, &out); le16(16, &out); le64(npy.count, &out); le64(npy.count, &out) }
            out += npy
            // Central directory entry.
            le32(0x0201_4B50, &central); le16(big ? 45 : 20, &central); le16(big ? 45 : 20, &central)
            le16(0, &central); le16(0, &central); le16(0, &central); le16(0x21, &central)
            le32(crc, &central)
            le32(big ? 0xFFFF_FFFF : npy.count, &central); le32(big ? 0xFFFF_FFFF : npy.count, &central)
            le16(fileName.count, &central); le16(big ? 28 : 0, &central); le16(0, &central)
            le16(0, &central); le16(0, &central); le32(0, &central)
            le32(big ? 0xFFFF_FFFF : offset, &central)
            central += fileName
            if big { le16(1, &central); le16(24, &central); le64(npy.count, &central); le64(npy.count, &central); le64(offset, &central) }
        }
        let cdOffset = out.count
        out += central
        le32(0x0605_4B50, &out); le16(0, &out); le16(0, &out)
        le16(arrays.count, &out); le16(arrays.count, &out)
        le32(central.count, &out); le32(cdOffset, &out); le16(0, &out)
        return out
    }
}
