import Foundation

/// The JSON report of an inspection (`prunescope inspect --json`): the
/// file, its metadata, the rules, totals, and every tensor with its
/// statistics and histograms. Keys are snake_case and sorted.
public struct InspectionReport: Encodable {
    struct HistogramJSON: Encodable {
        var lower: Float
        var upper: Float
        var counts: [Int]

        init(_ histogram: Histogram) {
            lower = histogram.lower
            upper = histogram.upper
            counts = histogram.counts
        }
    }

    struct TensorJSON: Encodable {
        var name: String
        var dtype: String
        var shape: [Int]
        var params: Int
        var bytes: Int
        var min: Float
        var max: Float
        var mean: Double
        var std: Double
        var zeros: Int
        var zeroFraction: Double
        var nonFinite: Int
        var prunable: Bool
        var reason: String
        var histogram: HistogramJSON
        var magnitudeHistogram: HistogramJSON

        init(_ e: CheckpointInspection.Entry) {
            let s = e.statistics
            name = e.info.name
            dtype = e.info.dtype.rawValue
            shape = e.info.shape
            params = e.info.elementCount
            bytes = e.info.byteCount
            min = s.min
            max = s.max
            mean = s.mean
            std = s.std
            zeros = s.zeroCount
            zeroFraction = s.zeroFraction
            nonFinite = s.nonFiniteCount
            prunable = e.prunable.isPrunable
            reason = e.prunable.reason
            histogram = HistogramJSON(s.histogram)
            magnitudeHistogram = HistogramJSON(s.magnitudeHistogram)
        }
    }

    var file: String
    var format: String
    var metadata: [String: String]
    var tensors: [TensorJSON]
    var totalParams: Int
    var totalBytes: Int
    var prunableParams: Int
    var rules: PrunableRules
    /// Values that are not tensors (torch checkpoints); absent when there are none.
    var skipped: [String]?

    /// The whole report as one value (`tensors` empty leaves them out for `CheckpointInspection.writeJSON`).
    init(_ inspection: CheckpointInspection, withTensors: Bool, skipped: [String] = []) {
        self.skipped = skipped.isEmpty ? nil : skipped
        file = inspection.path
        format = inspection.format.rawValue
        metadata = inspection.metadata
        totalParams = inspection.totalElements
        totalBytes = inspection.totalBytes
        prunableParams = inspection.prunableElements
        rules = inspection.rules
        tensors = withTensors ? inspection.entries.map(TensorJSON.init) : []
    }

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return encoder
    }

    /// Pretty JSON text of the whole report at once (memory grows with the
    /// tensors several times over: for small inspections and as the reference
    /// `CheckpointInspection.writeJSON` is checked against).
    public static func text(of inspection: CheckpointInspection, skipped: [String] = []) throws -> String {
        String(decoding: try encoder().encode(InspectionReport(inspection, withTensors: true, skipped: skipped)), as: UTF8.self)
    }
}

extension CheckpointInspection {
    /// Writes the JSON report (the same text as `InspectionReport.text(of:)`)
    /// piece by piece to `write`: one piece per tensor, so time and memory
    /// grow linearly with the tensors and a piece's memory is freed once written.
    /// `skipped`: the archive's values that are not tensors, listed when any.
    public func writeJSON(skipped: [String] = [], _ write: (String) throws -> Void) throws {
        let encoder = InspectionReport.encoder()
        // The report without its tensors; "tensors" sorts between "skipped" and "total_bytes".
        let head = String(
            decoding: try encoder.encode(InspectionReport(self, withTensors: false, skipped: skipped)), as: UTF8.self)
        guard let split = head.range(of: "\n  \"tensors\" : ["),
            let rest = head[split.upperBound...].range(of: "\n  ],")
        else {
            // Not the layout expected of the encoder: the same report in one piece.
            try write(try InspectionReport.text(of: self, skipped: skipped))
            return
        }
        let tail = head[split.upperBound...]
        try write(String(head[..<split.upperBound]))
        if entries.isEmpty {
            try write("\n")
        }
        for (i, entry) in entries.enumerated() {
            let text = String(decoding: try encoder.encode(InspectionReport.TensorJSON(entry)), as: UTF8.self)
            // Nested one level deeper than alone; empty lines stay empty, as the encoder writes them.
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            let indented = lines.map { $0.isEmpty ? "" : "    " + $0 }.joined(separator: "\n")
            try write((i == 0 ? "\n" : ",\n") + indented)
        }
        try write(String(tail[rest.lowerBound...]))
    }
}
