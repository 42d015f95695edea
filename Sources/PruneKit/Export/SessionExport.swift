import Foundation

/// What `SessionExport.write` wrote.
public struct SessionExportResult {
    /// What was written, by kind ("weights", "masks", "session", "smaller model"), as paths relative to the directory.
    public var files: [String: String]
    /// The physically smaller model, when whole neurons or filters were removed.
    public var shrunk: ShrunkModel?
    /// Dense vs CSR inference timings, when measured.
    public var sparseInference: [SparseInferenceTiming]
}

/// Writes everything a pruning session produces into one directory, the
/// same way for the CLI (`prunescope prune`) and the explorer:
/// `model.safetensors` (zeros baked in, untouched tensors byte-identical to
/// `original`), `masks.safetensors` (`<tensor>_mask`, U8), `session/`
/// (resumable), `smaller/` when whole neurons or filters are gone (a
/// physically smaller model whose validation predictions are checked to be
/// identical), and `report.json` / `report.md`. Every file is written
/// atomically (temp file + rename).
public enum SessionExport {
    /// - Parameters:
    ///   - bundle: the model's spec and data (for the smaller model and the prediction check).
    ///   - original: the weights file the model was loaded from (for byte-identical copies).
    ///   - writeSmaller: `nil` writes the smaller model when some layer lost
    ///     whole units; `true` always tries; `false` never.
    ///   - measureInference: time dense vs CSR inference on the validation data.
    public static func write(
        session: PruningSession, bundle: ModelBundle, to directory: String,
        command: String, settings: [String: String], writeSmaller: Bool? = nil,
        measureInference: Bool = true, allocation: AllocationOutcome? = nil
    ) throws -> SessionExportResult {
        let net = session.model
        if let problem = FileKind.outputDirectoryProblem(directory) { throw PruningError(directory, problem) }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw PruningError(directory, "cannot create the export directory: \(ErrorText.plain(error))")
        }
        let out = URL(fileURLWithPath: directory)
        var files = [String: String]()
        let original = try? SafetensorsFile(contentsOf: bundle.weightsURL.path)
        try PrunedWeightsExport.write(
            model: net, original: original, to: out.appendingPathComponent("model.safetensors").path,
            extraMetadata: ["prunescope": "pruned weights, zeros baked in"])
        files["weights"] = "model.safetensors"
        try PrunedWeightsExport.writeMasks(model: net, to: out.appendingPathComponent("masks.safetensors").path)
        files["masks"] = "masks.safetensors"
        try session.save(to: out.appendingPathComponent("session").path)
        files["session"] = "session/"

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
        if measureInference, bundle.validation.count > 0, net.layers.contains(where: { $0.kind == .dense }) {
            for batch in Set([1, min(256, bundle.validation.count)]).sorted() {
                timings.append(
                    SparseInference.measure(
                        net, input: bundle.validation.batch(0..<batch).inputs,
                        repeats: batch == 1 ? 50 : 5))
            }
        }
        var report = PruningReport(
            session: session, command: command, settings: settings, exports: files,
            sparseInference: timings, shrunk: shrunk)
        report.allocation = allocation
        try report.write(to: directory)
        return SessionExportResult(files: files, shrunk: shrunk, sparseInference: timings)
    }
}
