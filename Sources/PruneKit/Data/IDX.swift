import Foundation

/// Reader for the IDX format MNIST is distributed in.
///
/// An IDX file is a big-endian header, a magic number whose low byte is the
/// number of dimensions and whose third byte is the element type (0x08 =
/// unsigned byte), one 32-bit size per dimension, then the elements.
/// Images files use magic 0x00000803 (N, H, W), labels files 0x00000801 (N).
public enum IDX {
    /// Magic number of an unsigned-byte rank-3 (images) file.
    public static let imagesMagic: UInt32 = 0x0000_0803
    /// Magic number of an unsigned-byte rank-1 (labels) file.
    public static let labelsMagic: UInt32 = 0x0000_0801

    /// Reads an images file and a labels file into a dataset of shape
    /// `[N, H, W]` holding the raw byte values (0...255) as Float.
    ///
    /// - Parameters:
    ///   - classCount: labels must be in `0..<classCount`; `nil` means
    ///     "the largest label + 1".
    /// - Throws: `DatasetError` naming the offending file.
    public static func readDataset(
        images imagesPath: String, labels labelsPath: String,
        classCount: Int?, name: String
    ) throws -> Dataset {
        let (shape, pixels) = try readUnsignedBytes(path: imagesPath, magic: imagesMagic)
        let (labelShape, labelBytes) = try readUnsignedBytes(path: labelsPath, magic: labelsMagic)
        guard shape[0] == labelShape[0] else {
            throw DatasetError.countMismatch(
                imagesPath: imagesPath, images: shape[0],
                labelsPath: labelsPath, labels: labelShape[0])
        }
        guard shape[0] > 0 else { throw DatasetError.empty(path: imagesPath) }
        let labels = labelBytes.map(Int.init)
        let classes = try checkLabels(labels, classCount: classCount, path: labelsPath)
        let data = pixels.map(Float.init)
        return Dataset(name: name, inputs: Tensor(shape: shape, data: data), labels: labels, classCount: classes)
    }

    /// Reads an unsigned-byte IDX file with the given magic number and
    /// returns its dimensions and elements.
    /// - Throws: `DatasetError.badMagic`, `.truncated`, `.trailingBytes`, `.unreadable`.
    public static func readUnsignedBytes(path: String, magic: UInt32) throws -> (shape: [Int], bytes: [UInt8]) {
        let bytes = try readFile(path)
        guard bytes.count >= 4 else {
            throw DatasetError.truncated(path: path, expectedBytes: 4, actualBytes: bytes.count)
        }
        let found = bigEndian32(bytes, at: 0)
        guard found == magic else { throw DatasetError.badMagic(path: path, expected: magic, found: found) }
        let rank = Int(magic & 0xFF)
        let headerSize = 4 + 4 * rank
        guard bytes.count >= headerSize else {
            throw DatasetError.truncated(path: path, expectedBytes: headerSize, actualBytes: bytes.count)
        }
        var shape = [Int]()
        var total = 1
        for d in 0..<rank {
            let size = Int(bigEndian32(bytes, at: 4 + 4 * d))
            shape.append(size)
            let (product, overflow) = total.multipliedReportingOverflow(by: size)
            guard !overflow else {
                throw DatasetError.truncated(path: path, expectedBytes: Int.max, actualBytes: bytes.count)
            }
            total = product
        }
        let expected = headerSize + total
        guard bytes.count >= expected else {
            throw DatasetError.truncated(path: path, expectedBytes: expected, actualBytes: bytes.count)
        }
        guard bytes.count == expected else {
            throw DatasetError.trailingBytes(path: path, expectedBytes: expected, actualBytes: bytes.count)
        }
        return (shape, Array(bytes[headerSize...]))
    }

    /// Encodes an unsigned-byte IDX file (header + bytes), e.g. for tests
    /// and for exporting generated data.
    public static func encode(shape: [Int], bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(4 + 4 * shape.count + bytes.count)
        appendBigEndian32(&out, 0x0000_0800 | UInt32(shape.count))
        for d in shape { appendBigEndian32(&out, UInt32(d)) }
        out.append(contentsOf: bytes)
        return out
    }

    private static func bigEndian32(_ b: [UInt8], at i: Int) -> UInt32 {
        UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
    }

    private static func appendBigEndian32(_ out: inout [UInt8], _ v: UInt32) {
        out.append(contentsOf: [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)])
    }
}

/// Reads a whole file, mapping Foundation's errors to `DatasetError.unreadable`.
func readFile(_ path: String) throws -> [UInt8] {
    guard FileManager.default.fileExists(atPath: path) else {
        throw DatasetError.unreadable(path: path, problem: "no such file")
    }
    if let problem = FileKind.inputProblem(path) { throw DatasetError.unreadable(path: path, problem: problem) }
    do {
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    } catch {
        throw DatasetError.unreadable(path: path, problem: "the file could not be read")
    }
}

/// Checks every label against `classCount` (or infers it as max + 1) and
/// returns the class count.
func checkLabels(_ labels: [Int], classCount: Int?, path: String) throws -> Int {
    let classes = classCount ?? ((labels.max() ?? -1) + 1)
    for (i, label) in labels.enumerated() where label < 0 || label >= classes {
        throw DatasetError.labelOutOfRange(path: path, index: i, label: label, classCount: classes)
    }
    return classes
}
