/// Why a dataset file could not be read or a dataset operation was refused.
///
/// Every description is one line naming the file (or the dataset) and the
/// problem, written for the person who supplied the data.
public enum DatasetError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file could not be opened or read.
    case unreadable(path: String, problem: String)
    /// An IDX file starts with the wrong magic number.
    case badMagic(path: String, expected: UInt32, found: UInt32)
    /// An IDX file ends before its header or data is complete.
    case truncated(path: String, expectedBytes: Int, actualBytes: Int)
    /// An IDX file holds more bytes than its header describes.
    case trailingBytes(path: String, expectedBytes: Int, actualBytes: Int)
    /// The images and labels files disagree on the number of samples.
    case countMismatch(imagesPath: String, images: Int, labelsPath: String, labels: Int)
    /// A label is not in `0..<classCount`.
    case labelOutOfRange(path: String, index: Int, label: Int, classCount: Int)
    /// A CSV row's label is not in `0..<classCount`.
    case csvLabelOutOfRange(path: String, line: Int, label: Int, classCount: Int)
    /// A CSV cell is not a number (or not an integer where a label is needed).
    case notANumber(path: String, line: Int, column: Int, text: String)
    /// A CSV row has a different number of columns than the first row.
    case ragged(path: String, line: Int, expected: Int, found: Int)
    /// The named label column is not in the CSV header, or the index is out of range.
    case noLabelColumn(path: String, column: String)
    /// The file holds no samples.
    case empty(path: String)
    /// A parameter is out of range (e.g. a validation fraction of 1.5).
    case invalidArgument(dataset: String, problem: String)

    public var description: String {
        switch self {
        case let .unreadable(path, problem):
            return "\(path): cannot read: \(problem)"
        case let .badMagic(path, expected, found):
            return "\(path): not an IDX file of this kind: magic 0x\(hex(found)), expected 0x\(hex(expected))"
        case let .truncated(path, expected, actual):
            return "\(path): truncated: the header describes \(expected) bytes but the file has \(actual)"
        case let .trailingBytes(path, expected, actual):
            return "\(path): \(actual - expected) bytes after the data the header describes (\(expected) bytes expected)"
        case let .countMismatch(imagesPath, images, labelsPath, labels):
            return "\(labelsPath): \(labels) labels but \(imagesPath) holds \(images) images"
        case let .labelOutOfRange(path, index, label, classCount):
            return "\(path): label \(label) of sample \(index) is out of range 0..<\(classCount)"
        case let .csvLabelOutOfRange(path, line, label, classCount):
            return "\(path): line \(line): label \(label) is out of range 0..<\(classCount)"
        case let .notANumber(path, line, column, text):
            return "\(path): line \(line), column \(column): '\(text)' is not a number"
        case let .ragged(path, line, expected, found):
            return "\(path): line \(line) has \(found) columns, expected \(expected)"
        case let .noLabelColumn(path, column):
            return "\(path): no label column \(column)"
        case let .empty(path):
            return "\(path): no samples"
        case let .invalidArgument(dataset, problem):
            return "\(dataset): \(problem)"
        }
    }
}

private func hex(_ v: UInt32) -> String {
    let s = String(v, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, 8 - s.count)) + s
}
