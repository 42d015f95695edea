import Foundation

/// A run's history and metrics, written as JSON and Markdown.
public struct PruningReport: Codable, Sendable {
    /// Model name.
    public var model: String
    /// The command line or action that produced the run, for reproduction.
    public var command: String
    /// Settings as text (criterion, schedule, seed, ...).
    public var settings: [String: String]
    /// Metrics before any step (step 0).
    public var start: ModelMetrics
    /// Metrics at the current step.
    public var final: ModelMetrics
    /// Every step in order.
    public var history: [HistoryStep]
    /// Files written, by role ("weights", "masks", ...), relative to the output directory.
    public var exports: [String: String]
    /// Measured dense vs sparse inference (each Dense layer in its fastest
    /// format), one entry per batch size timed; empty for an unpruned model.
    public var sparseInference: [SparseInferenceTiming]
    /// Removed units per layer in the physically smaller model, if one was written.
    public var removedUnits: [String: [Int]]?
    /// Parameters of the smaller model, if one was written.
    public var smallerModelParameters: Int?
    /// Per-layer targets chosen from sensitivity, predicted vs measured, if the run allocated.
    public var allocation: AllocationOutcome?
    /// Robustness and privacy of every step, if measured (`prune --robustness`).
    public var robustness: [StepRobustness]?

    public init(
        session: PruningSession, command: String, settings: [String: String], exports: [String: String] = [:],
        sparseInference: [SparseInferenceTiming] = [], shrunk: ShrunkModel? = nil
    ) {
        model = session.model.name
        self.command = command
        self.settings = settings
        start = session.steps[0].metrics
        final = session.current.metrics
        history = Array(session.steps[0...session.cursor])
        self.exports = exports
        self.sparseInference = sparseInference
        removedUnits = shrunk?.removedUnits
        smallerModelParameters = shrunk?.parametersAfter
    }

    /// Pretty-printed JSON (sorted keys; infinities as "inf").
    public func json() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return [UInt8](try encoder.encode(self))
    }

    /// A Markdown page: summary, per-layer table, history, exports.
    public func markdown() -> String {
        func pct(_ x: Double) -> String { Format.percent(x, digits: 2) }
        func acc(_ m: ModelMetrics) -> String { m.accuracy.map(pct) ?? "n/a" }
        func loss(_ m: ModelMetrics) -> String { m.loss.map { String(format: "%.4f", $0) } ?? "n/a" }
        func ratio(_ x: Double) -> String { x.isFinite ? String(format: "%.2fx", x) : "inf" }
        var s = "# Pruning report: \(model)\n\n"
        s += "Command: `\(command)`\n\n"
        if !settings.isEmpty {
            s += "| Setting | Value |\n|---|---|\n"
            for k in settings.keys.sorted() { s += "| \(k) | \(settings[k] ?? "") |\n" }
            s += "\n"
        }
        s += "## Summary\n\n| Figure | Start | Final |\n|---|---|---|\n"
        s += "| Validation accuracy | \(acc(start)) | \(acc(final)) |\n"
        s += "| Validation loss | \(loss(start)) | \(loss(final)) |\n"
        s += "| Sparsity of prunable weights (zeros / total) | \(pct(start.prunableSparsity)) | \(pct(final.prunableSparsity)) |\n"
        s += "| Sparsity of all parameters | \(pct(start.parameterSparsity)) | \(pct(final.parameterSparsity)) |\n"
        s += "| Non-zero parameters | \(start.parameterNonzero) | \(final.parameterNonzero) |\n"
        s += "| Compression ratio (total / non-zero) | \(ratio(start.compressionRatio)) | \(ratio(final.compressionRatio)) |\n"
        s += "| FLOPs per sample (dense / remaining) | \(start.denseFLOPs) | \(final.remainingFLOPs) |\n"
        s +=
            "| Theoretical speed-up (dense / remaining FLOPs) | \(ratio(start.theoreticalSpeedup)) | \(ratio(final.theoreticalSpeedup)) |\n\n"
        s +=
            "## Layers (final)\n\n| Layer | Kind | Weights | Zeros | Weight sparsity | Units alive | MACs dense | MACs remaining |\n|---|---|---|---|---|---|---|---|\n"
        for l in final.layers {
            s +=
                "| \(l.name) | \(l.kind) | \(l.weightTotal) | \(l.weightZeros) | \(pct(l.weightSparsity)) | \(l.unitsAlive)/\(l.units) | \(l.denseMACs) | \(l.remainingMACs) |\n"
        }
        s += "\n## History\n\n| Step | Kind | What | Prunable sparsity | Accuracy | Loss |\n|---|---|---|---|---|---|\n"
        for h in history {
            s +=
                "| \(h.id) | \(h.kind.rawValue) | \(h.summary.replacingOccurrences(of: "|", with: "/")) | \(pct(h.metrics.prunableSparsity)) | \(acc(h.metrics)) | \(loss(h.metrics)) |\n"
        }
        s += sparseInferenceMarkdown()
        s += robustnessMarkdown()
        if let allocation {
            s += "\n## Allocation from sensitivity\n\n```\n" + allocation.summaryLines.joined(separator: "\n") + "\n```\n"
        }
        if let removed = removedUnits {
            s += "\n## Physically smaller model\n\n"
            for k in removed.keys.sorted() { s += "- \(k): removed \(removed[k]?.count ?? 0) units\n" }
            if let n = smallerModelParameters { s += "- parameters: \(final.parameterTotal) -> \(n)\n" }
        }
        if !exports.isEmpty {
            s += "\n## Files\n\n"
            for k in exports.keys.sorted() { s += "- \(k): `\(exports[k] ?? "")`\n" }
        }
        return s
    }

    /// The "Measured inference" section: in total and per layer, the format
    /// and the measured speed-up with its spread; nothing when not measured.
    func sparseInferenceMarkdown() -> String {
        guard !sparseInference.isEmpty else { return "" }
        func ms(_ seconds: Double) -> String { String(format: "%.4f ms", seconds * 1000) }
        var s = "\n## Measured inference (final model)\n\n"
        s += "Each Dense layer runs in its format of the fastest whole pass measured at the batch size "
        s += "(each layer's fastest alone, one format throughout, or dense); "
        s += "speed-up = median of paired runs' dense / sparse time, ± half the interquartile range.\n\n"
        s += "| Batch | Dense (BLAS GEMM) | Sparse | Formats | Measured speed-up | BLAS threads | Max abs difference |\n"
        s += "|---|---|---|---|---|---|---|\n"
        for t in sparseInference {
            s += "| \(t.batch) | \(ms(t.denseSeconds)) | \(ms(t.sparseSeconds)) | \(t.formatSummary) | \(t.total.summary)"
            s += " | \(t.blasThreads) | \(t.maxAbsDifference) |\n"
        }
        for t in sparseInference {
            guard let trials = t.trials else { continue }
            let tried = trials.map { "\($0.label) (\($0.formats)) \(String(format: "%.2fx", $0.figure.speedup))" }
            s += "\nWhole passes tried at batch \(t.batch): " + tried.joined(separator: ", ") + ".\n"
        }
        s += "\nPer layer, each layer's product alone in its format against its dense GEMM: a layer can read below 1x "
        s += "when the whole pass ran faster with one format throughout.\n"
        s += "\n| Layer | Batch | Weight sparsity | Format | Dense layer | Format layer | Measured speed-up |\n"
        s += "|---|---|---|---|---|---|---|\n"
        for t in sparseInference {
            for l in t.layers {
                s +=
                    "| \(l.layer) | \(t.batch) | \(Format.percent(l.weightSparsity, digits: 2)) | \(l.format) | \(ms(l.figure.denseSeconds))"
                s += " | \(ms(l.figure.sparseSeconds)) | \(l.figure.summary) |\n"
            }
        }
        return s
    }

    /// Writes `report.json` and `report.md` into `directory`, atomically.
    public func write(to directory: String) throws {
        let dir = URL(fileURLWithPath: directory)
        try AtomicFile.write(try json(), to: dir.appendingPathComponent("report.json").path)
        try AtomicFile.write(Array(markdown().utf8), to: dir.appendingPathComponent("report.md").path)
    }
}
