import Foundation

/// The JSON half of a saved session (`session.json`); tensors live in
/// `tensors.safetensors` beside it.
struct SessionFile: Codable {
    var format: String
    var version: Int
    var modelName: String
    var seed: UInt64
    var cursor: Int
    var steps: [HistoryStep]
    var optimizerConfig: OptimizerConfig?
    /// Per step: optimiser step count.
    var optimizerStepCounts: [Int]
    /// Per step: names of the masked parameters.
    var maskedTensors: [[String]]
    /// Per step: names of the optimiser buffers.
    var optimizerKeys: [[String]]
    /// Rewind point names and the tensors each holds.
    var rewindPoints: [String: [String]]
    /// Tensor names and shapes of the model the session was made on.
    var parameterShapes: [String: [Int]]
    /// Since version 2: the content hash (`Tensor.contentHash`) of every
    /// tensor in `tensors.safetensors`, by its name there.
    var tensorHashes: [String: String]?
    /// Since version 2: a random identifier of the save, also in the
    /// tensors file's metadata (`prunescope.save_id`); a pair whose
    /// identifiers differ is torn (the two files are from different saves).
    var saveID: String?
}

extension PruningSession {
    /// Saves the whole session into `directory` (created if needed):
    /// `session.json` (history, metrics, seed, cursor, optimiser settings)
    /// and `tensors.safetensors` (every step's values, masks and optimiser
    /// buffers as F32, plus the rewind points). The pair is written as one
    /// set (`OutputSet`): a crash leaves the old pair or the new one. The
    /// save replaces the session's journal (it holds nothing unsaved now).
    /// - Returns: the save's identifier (`saveID` in `session.json`).
    ///
    /// Tensor names in the file: `step<i>/value/<tensor>`,
    /// `step<i>/mask/<tensor>`, `step<i>/optimizer/<key>`, `rewind/<point>/<tensor>`.
    @discardableResult
    public func save(to directory: String) throws -> String {
        let id = try writeSet(to: directory)
        saveID = id
        return id
    }

    /// `save(to:)` without making the save the session's own (an export's copy).
    func writeSet(to directory: String) throws -> String {
        if let problem = FileKind.outputDirectoryProblem(directory) { throw PruningError(directory, problem) }
        let parent = URL(fileURLWithPath: directory).deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        } catch {
            throw PruningError(directory, "cannot create the session directory: \(ErrorText.plain(error))")
        }
        return try OutputSet.write(to: directory, owned: PruningSession.ownedNames) { temporary in
            try saveFiles(to: temporary)
        }
    }

    /// The names a saved session owns in its directory (replaced as a
    /// whole by the next save; other files there are kept). The journal is
    /// one of them, so a save also clears it, in the same swap.
    public static let ownedNames: Set<String> = ["session.json", "tensors.safetensors", SessionJournal.fileName]

    /// Writes the pair into `directory` (the temporary directory of the swap); returns the save ID.
    private func saveFiles(to directory: String) throws -> String {
        var entries = [SafetensorsEntry]()
        var hashes = [String: String]()
        func add(_ name: String, _ tensor: Tensor) {
            entries.append(SafetensorsEntry(name: name, tensor: tensor))
            hashes[name] = tensor.contentHash
        }
        var maskedTensors = [[String]]()
        var optimizerKeys = [[String]]()
        let paramNames = model.parameters.map(\.name)
        for (i, snap) in snapshots.enumerated() {
            for name in paramNames {
                if let v = snap.values[name] { add("step\(i)/value/\(name)", v) }
            }
            let masked = paramNames.filter { snap.masks[$0] != nil }
            for name in masked {
                if let m = snap.masks[name] { add("step\(i)/mask/\(name)", m) }
            }
            let keys = snap.optimizerState.keys.sorted()
            for key in keys {
                if let t = snap.optimizerState[key] { add("step\(i)/optimizer/\(key)", t) }
            }
            maskedTensors.append(masked)
            optimizerKeys.append(keys)
        }
        var points = [String: [String]]()
        for (point, weights) in rewindPoints.sorted(by: { $0.key < $1.key }) {
            let names = weights.keys.sorted()
            points[point] = names
            for name in names {
                if let t = weights[name] { add("rewind/\(point)/\(name)", t) }
            }
        }
        var shapes = [String: [Int]]()
        for p in model.parameters { shapes[p.name] = p.value.shape }
        let saveID = UUID().uuidString
        let file = SessionFile(
            format: "prunescope-session", version: 2, modelName: model.name, seed: seed,
            cursor: cursor, steps: steps, optimizerConfig: optimizerConfig,
            optimizerStepCounts: snapshots.map(\.optimizerStepCount),
            maskedTensors: maskedTensors, optimizerKeys: optimizerKeys,
            rewindPoints: points, parameterShapes: shapes, tensorHashes: hashes, saveID: saveID)
        let dir = URL(fileURLWithPath: directory)
        try SafetensorsWriter.write(
            entries, metadata: ["format": "prunescope-session", "prunescope.save_id": saveID],
            to: dir.appendingPathComponent("tensors.safetensors").path)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let json = try encoder.encode(file)
        try AtomicFile.write([UInt8](json), to: dir.appendingPathComponent("session.json").path)
        return saveID
    }

    /// Resumes a session saved with `save(to:)` on `model` (the same
    /// architecture: tensor names and shapes must match), restoring the
    /// current step's weights, masks and optimiser state bit for bit, the
    /// history, the rewind points and the seed.
    ///
    /// Nothing is trusted before it is checked (see `SessionTensorReader`):
    /// both files must be regular files from the same save, every tensor
    /// F32 with the model's shape, finite, and (since version 2) equal to
    /// its content hash in `session.json`.
    /// - Throws: `PruningError` naming the file at fault and the problem.
    public static func load(
        from directory: String, model: Model, train: Dataset? = nil,
        validation: Dataset? = nil
    ) throws -> PruningSession {
        let dir = URL(fileURLWithPath: directory)
        let jsonPath = dir.appendingPathComponent("session.json").path
        let tensorsPath = dir.appendingPathComponent("tensors.safetensors").path
        for path in [jsonPath, tensorsPath] {
            if let problem = FileKind.inputProblem(path) { throw PruningError(path, problem) }
        }
        guard let data = FileManager.default.contents(atPath: jsonPath) else {
            throw PruningError(jsonPath, "cannot read the session file")
        }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let file: SessionFile
        do { file = try decoder.decode(SessionFile.self, from: data) } catch {
            throw PruningError(jsonPath, "not a PruneScope session: \(ErrorText.plain(error))")
        }
        guard file.format == "prunescope-session", file.version == 1 || file.version == 2 else {
            throw PruningError(jsonPath, "unsupported session format \(file.format) v\(file.version)")
        }
        guard file.version == 1 || (file.tensorHashes != nil && file.saveID != nil) else {
            throw PruningError(jsonPath, "a version 2 session needs tensorHashes and saveID")
        }
        var shapes = [String: [Int]]()
        for p in model.parameters {
            guard let shape = file.parameterShapes[p.name] else {
                throw PruningError(jsonPath, "saved on a model without tensor \"\(p.name)\"")
            }
            guard shape == p.value.shape else {
                throw PruningError(
                    jsonPath, "tensor \"\(p.name)\" has shape \(shape.shapeText) in the session, \(p.value.shape.shapeText) in the model")
            }
            shapes[p.name] = shape
        }
        let count = file.steps.count
        guard count >= 1, file.cursor >= 0, file.cursor < count, file.optimizerStepCounts.count == count,
            file.maskedTensors.count == count, file.optimizerKeys.count == count,
            file.optimizerStepCounts.allSatisfy({ $0 >= 0 })
        else {
            throw PruningError(jsonPath, "inconsistent step counts")
        }
        let tensors = try SafetensorsFile(contentsOf: tensorsPath)
        if let saveID = file.saveID, tensors.metadata["prunescope.save_id"] != saveID {
            throw PruningError(
                tensorsPath, "is not from the same save as session.json (torn session: one file was replaced without the other)")
        }
        let reader = SessionTensorReader(file: tensors, path: tensorsPath, hashes: file.tensorHashes, shapes: shapes)
        var snapshots = [SessionSnapshot]()
        let names = model.parameters.map(\.name)
        for i in 0..<count {
            var values = [String: Tensor]()
            for name in names { values[name] = try reader.read("step\(i)/value/\(name)", parameter: name) }
            var masks = [String: Tensor]()
            for name in file.maskedTensors[i] { masks[name] = try reader.read("step\(i)/mask/\(name)", parameter: name, isMask: true) }
            var state = [String: Tensor]()
            for key in file.optimizerKeys[i] {
                guard let owner = reader.parameter(ofOptimizerKey: key) else {
                    throw PruningError(jsonPath, "optimiser buffer \"\(key)\" of step \(i) belongs to no tensor of the model")
                }
                state[key] = try reader.read("step\(i)/optimizer/\(key)", parameter: owner)
            }
            snapshots.append(
                SessionSnapshot(
                    values: values, masks: masks, optimizerState: state,
                    optimizerStepCount: file.optimizerStepCounts[i]))
        }
        var points = [String: [String: Tensor]]()
        for (point, tensorNames) in file.rewindPoints {
            var w = [String: Tensor]()
            for name in tensorNames { w[name] = try reader.read("rewind/\(point)/\(name)", parameter: name) }
            points[point] = w
        }
        let session = PruningSession(
            model: model, train: train, validation: validation, seed: file.seed, steps: file.steps,
            snapshots: snapshots, cursor: file.cursor, rewindPoints: points,
            optimizerConfig: file.optimizerConfig)
        session.loadedWithoutContentHashes = file.tensorHashes == nil
        session.saveID = file.saveID
        return session
    }
}
