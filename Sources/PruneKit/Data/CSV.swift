import Foundation

/// Which CSV column holds the class label: by header name or by 0-based
/// index (negative counts from the end, -1 = last column).
///
/// In JSON it is a string (a name) or an integer (an index).
public enum CSVLabelColumn: Codable, Sendable, Equatable, CustomStringConvertible {
    case index(Int)
    case name(String)

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let i = try? c.decode(Int.self) { self = .index(i) } else { self = .name(try c.decode(String.self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case let .index(i): try c.encode(i)
        case let .name(n): try c.encode(n)
        }
    }

    public var description: String {
        switch self {
        case let .index(i): return "\(i)"
        case let .name(n): return "'\(n)'"
        }
    }
}

/// Reader for comma-separated numeric data: one sample per line, numeric
/// feature columns and one integer label column.
public enum CSV {
    /// Reads `path` into a dataset of shape `[N, features]`.
    ///
    /// - Parameters:
    ///   - hasHeader: whether the first line names the columns; `nil` guesses
    ///     (a first line with any non-numeric cell is a header).
    ///   - labelColumn: the label's column; a name needs a header.
    ///   - classCount: labels must be in `0..<classCount`; `nil` means
    ///     "the largest label + 1".
    /// - Throws: `DatasetError` naming the file, the line and the column.
    public static func readDataset(
        path: String, hasHeader: Bool? = nil,
        labelColumn: CSVLabelColumn = .index(-1),
        classCount: Int? = nil, name: String
    ) throws -> Dataset {
        let text = String(decoding: try readFile(path), as: UTF8.self)
        var rows: [(line: Int, cells: [Substring])] = []
        for (i, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            rows.append((i + 1, raw.split(separator: ",", omittingEmptySubsequences: false)))
        }
        guard let first = rows.first else { throw DatasetError.empty(path: path) }
        let header = hasHeader ?? first.cells.contains { Double(clean($0)) == nil }
        let names = header ? first.cells.map { clean($0) } : []
        let body = header ? Array(rows.dropFirst()) : rows
        guard !body.isEmpty else { throw DatasetError.empty(path: path) }
        let width = first.cells.count

        let labelIndex: Int
        switch labelColumn {
        case let .index(i):
            labelIndex = i < 0 ? width + i : i
            guard labelIndex >= 0, labelIndex < width else {
                throw DatasetError.noLabelColumn(path: path, column: "\(i) (the file has \(width) columns)")
            }
        case let .name(n):
            guard let i = names.firstIndex(of: n) else {
                throw DatasetError.noLabelColumn(path: path, column: header ? "'\(n)'" : "'\(n)' (the file has no header)")
            }
            labelIndex = i
        }
        guard width >= 2 else { throw DatasetError.noLabelColumn(path: path, column: "besides the features (only one column)") }

        var features = [Float]()
        features.reserveCapacity(body.count * (width - 1))
        var labels = [Int]()
        labels.reserveCapacity(body.count)
        for row in body {
            guard row.cells.count == width else {
                throw DatasetError.ragged(path: path, line: row.line, expected: width, found: row.cells.count)
            }
            for (c, cell) in row.cells.enumerated() {
                let s = clean(cell)
                if c == labelIndex {
                    guard let v = Double(s), v.isFinite, v == v.rounded(), abs(v) < 1e9 else {
                        throw DatasetError.notANumber(path: path, line: row.line, column: c + 1, text: s)
                    }
                    labels.append(Int(v))
                } else {
                    guard let v = Float(s), v.isFinite else {
                        throw DatasetError.notANumber(path: path, line: row.line, column: c + 1, text: s)
                    }
                    features.append(v)
                }
            }
        }
        let classes = classCount ?? ((labels.max() ?? -1) + 1)
        for (i, label) in labels.enumerated() where label < 0 || label >= classes {
            // Name the line, not the sample index: people open CSVs in editors.
            throw DatasetError.csvLabelOutOfRange(path: path, line: body[i].line, label: label, classCount: classes)
        }
        return Dataset(
            name: name, inputs: Tensor(shape: [labels.count, width - 1], data: features),
            labels: labels, classCount: classes)
    }

    /// Encodes a dataset of shape `[N, F]` as CSV with a header
    /// `x0,...,x{F-1},label` (used to store generated data as a file).
    public static func encode(_ dataset: Dataset) -> String {
        let f = dataset.sampleSize
        var out = (0..<f).map { "x\($0)" }.joined(separator: ",") + ",label\n"
        dataset.inputs.data.withUnsafeBufferPointer { p in
            for i in 0..<dataset.count {
                for j in 0..<f { out += "\(p[i * f + j])," }
                out += "\(dataset.labels[i])\n"
            }
        }
        return out
    }

    private static func clean(_ s: Substring) -> String {
        var t = s.trimmingCharacters(in: .whitespaces)
        if t.count >= 2, t.hasPrefix("\""), t.hasSuffix("\"") { t = String(t.dropFirst().dropLast()) }
        return t
    }
}
