import Foundation

/// What `SessionExport.write` wrote.
public struct SessionExportResult {
    /// What was written, by kind ("weights", "masks", "session", "smaller model"), as paths relative to the directory.
    public var files: [String: String]
    /// The physically smaller model, when whole neurons or filters were removed.
    public var shrunk: ShrunkModel?
    /// Dense vs sparse inference timings, when measured (none for an unpruned model).
    public var sparseInference: [SparseInferenceTiming]
}

/// Writes everything a pruning session produces into one directory, the
/// same way for the CLI (`prunescope prune`) and the explorer:
/// `model.safetensors` (zeros baked in, untouched tensors byte-identical to
/// `original`), `masks.safetensors` (`<tensor>_mask`, U8), `session/`
/// (resumable), `smaller/` when whole neurons or filters are gone (a
/// physically smaller model whose validation predictions are checked to be
/// identical), and `report.json` / `report.md`. The set is written as a
/// whole (`OutputSet`): a reader or a kill finds the previous export or
/// this one, never a mix; other files in the directory are kept.
public enum SessionExport {
    /// - Parameters:
    ///   - bundle: the model's spec and data (for the smaller model and the prediction check).
    ///   - original: the weights file the model was loaded from (for byte-identical copies).
    ///   - writeSmaller: `nil` writes the smaller model when some layer lost
    ///     whole units; `true` always tries; `false` never.
    ///   - robustness: every step's robustness and privacy, for the report.
    ///   - measureInference: time dense vs sparse inference (each Dense layer
    ///     in its fastest format) on the validation data, batch 1 and 256.
    ///   - isCancelled: checked between the files and within the inference
    ///     timing (the long part on a big model); once true the write stops
    ///     with `CancellationError` and the directory is left as it was.
    public static func write(
        session: PruningSession, bundle: ModelBundle, to directory: String,
        command: String, settings: [String: String], writeSmaller: Bool? = nil,
        measureInference: Bool = true, allocation: AllocationOutcome? = nil,
        robustness: [StepRobustness]? = nil, isCancelled: () -> Bool = { false }
    ) throws -> SessionExportResult {
        if let problem = FileKind.outputDirectoryProblem(directory) { throw PruningError(directory, problem) }
        let parent = URL(fileURLWithPath: directory).deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        } catch {
            throw PruningError(directory, "cannot create the export directory: \(ErrorText.plain(error))")
        }
        return try OutputSet.write(to: directory, owned: ownedNames) { temporary in
            try writeSet(
                session: session, bundle: bundle, to: temporary, command: command, settings: settings,
                writeSmaller: writeSmaller, measureInference: measureInference, allocation: allocation,
                robustness: robustness, isCancelled: isCancelled)
        }
    }

    /// The names an export owns in its directory: replaced as a whole by
    /// the next export there (any other file in the directory is kept).
    public static let ownedNames: Set<String> = [
        "model.safetensors", "masks.safetensors", "report.json", "report.md", "session", "smaller",
    ]

    /// Writes the set into `directory` (the temporary directory of the swap).
    private static func writeSet(
        session: PruningSession, bundle: ModelBundle, to directory: String,
        command: String, settings: [String: String], writeSmaller: Bool?,
        measureInference: Bool, allocation: AllocationOutcome?, robustness: [StepRobustness]?,
        isCancelled: () -> Bool
    ) throws -> SessionExportResult {
        func stopIfCancelled() throws { if isCancelled() { throw CancellationError() } }
        let net = session.model
        let out = URL(fileURLWithPath: directory)
        var files = [String: String]()
        let original = try? SafetensorsFile(contentsOf: bundle.weightsURL.path)
        try PrunedWeightsExport.write(
            model: net, original: original, to: out.appendingPathComponent("model.safetensors").path,
            extraMetadata: ["prunescope": "pruned weights, zeros baked in"])
        files["weights"] = "model.safetensors"
        try PrunedWeightsExport.writeMasks(model: net, to: out.appendingPathComponent("masks.safetensors").path)
        files["masks"] = "masks.safetensors"
        _ = try session.writeSet(to: out.appendingPathComponent("session").path)
        files["session"] = "session/"
        try stopIfCancelled()

        var shrunk: ShrunkModel?
        let unitsGone = session.current.metrics.layers.contains { $0.unitsAlive < $0.units }
        if writeSmaller ?? unitsGone {
            let s = try StructuralShrink.shrink(net)
            let dir = out.appendingPathComponent("smaller")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let same = predictions(s.model, on: bundle.validation) == predictions(net, on: bundle.validation)
            guard same else { throw PruningError("smaller model", "predictions differ from the masked model; not exported") }
            try SmallerModelExport.write(s.model, like: bundle, to: dir.path)
            files["smaller model"] = "smaller/model.json"
            shrunk = s
        }
        var timings = [SparseInferenceTiming]()
        // Nothing to measure for an unpruned model: no Dense weight has a zero.
        if measureInference, bundle.validation.count > 0, SparseInference.hasSparseDense(net) {
            for batch in Set([1, min(256, bundle.validation.count)]).sorted() {
                guard
                    let timing = SparseInference.measure(
                        net, input: bundle.validation.batch(0..<batch).inputs, runs: 20, isCancelled: isCancelled)
                else { throw CancellationError() }
                timings.append(timing)
            }
        }
        try stopIfCancelled()
        var report = PruningReport(
            session: session, command: command, settings: settings, exports: files,
            sparseInference: timings, shrunk: shrunk)
        report.allocation = allocation
        report.robustness = robustness
        try report.write(to: directory)
        return SessionExportResult(files: files, shrunk: shrunk, sparseInference: timings)
    }
}
