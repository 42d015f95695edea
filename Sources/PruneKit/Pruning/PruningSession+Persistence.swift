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
}

extension PruningSession {
    /// Saves the whole session into `directory` (created if needed):
    /// `session.json` (history, metrics, seed, cursor, optimiser settings)
    /// and `tensors.safetensors` (every step's values, masks and optimiser
    /// buffers as F32, plus the rewind points). Both files are written
    /// atomically; the safetensors file is written first, so a crash leaves
    /// either the old pair or a new tensors file with the old JSON.
    ///
    /// Tensor names in the file: `step<i>/value/<tensor>`,
    /// `step<i>/mask/<tensor>`, `step<i>/optimizer/<key>`, `rewind/<point>/<tensor>`.
    public func save(to directory: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw PruningError(directory, "cannot create the session directory: \(error.localizedDescription)")
        }
        var entries = [SafetensorsEntry]()
        var maskedTensors = [[String]]()
        var optimizerKeys = [[String]]()
        let paramNames = model.parameters.map(\.name)
        for (i, snap) in snapshots.enumerated() {
            for name in paramNames {
                if let v = snap.values[name] { entries.append(SafetensorsEntry(name: "step\(i)/value/\(name)", tensor: v)) }
            }
            let masked = paramNames.filter { snap.masks[$0] != nil }
            for name in masked {
                if let m = snap.masks[name] { entries.append(SafetensorsEntry(name: "step\(i)/mask/\(name)", tensor: m)) }
            }
            let keys = snap.optimizerState.keys.sorted()
            for key in keys {
                if let t = snap.optimizerState[key] { entries.append(SafetensorsEntry(name: "step\(i)/optimizer/\(key)", tensor: t)) }
            }
            maskedTensors.append(masked)
            optimizerKeys.append(keys)
        }
        var points = [String: [String]]()
        for (point, weights) in rewindPoints.sorted(by: { $0.key < $1.key }) {
            let names = weights.keys.sorted()
            points[point] = names
            for name in names {
                if let t = weights[name] { entries.append(SafetensorsEntry(name: "rewind/\(point)/\(name)", tensor: t)) }
            }
        }
        var shapes = [String: [Int]]()
        for p in model.parameters { shapes[p.name] = p.value.shape }
        let file = SessionFile(
            format: "prunescope-session", version: 1, modelName: model.name, seed: seed,
            cursor: cursor, steps: steps, optimizerConfig: optimizerConfig,
            optimizerStepCounts: snapshots.map(\.optimizerStepCount),
            maskedTensors: maskedTensors, optimizerKeys: optimizerKeys,
            rewindPoints: points, parameterShapes: shapes)
        let dir = URL(fileURLWithPath: directory)
        try SafetensorsWriter.write(
            entries, metadata: ["format": "prunescope-session"],
            to: dir.appendingPathComponent("tensors.safetensors").path)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let json = try encoder.encode(file)
        try AtomicFile.write([UInt8](json), to: dir.appendingPathComponent("session.json").path)
    }

    /// Resumes a session saved with `save(to:)` on `model` (the same
    /// architecture: tensor names and shapes must match), restoring the
    /// current step's weights, masks and optimiser state bit for bit, the
    /// history, the rewind points and the seed.
    public static func load(
        from directory: String, model: Model, train: Dataset? = nil,
        validation: Dataset? = nil
    ) throws -> PruningSession {
        let dir = URL(fileURLWithPath: directory)
        let jsonPath = dir.appendingPathComponent("session.json").path
        guard let data = FileManager.default.contents(atPath: jsonPath) else {
            throw PruningError(jsonPath, "cannot read the session file")
        }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let file: SessionFile
        do { file = try decoder.decode(SessionFile.self, from: data) } catch {
            throw PruningError(jsonPath, "not a PruneScope session: \(error)")
        }
        guard file.format == "prunescope-session", file.version == 1 else {
            throw PruningError(jsonPath, "unsupported session format \(file.format) v\(file.version)")
        }
        for p in model.parameters {
            guard let shape = file.parameterShapes[p.name] else {
                throw PruningError(p.name, "the session was saved on a model without this tensor")
            }
            guard shape == p.value.shape else {
                throw PruningError(p.name, "the session has shape \(shape), the model \(p.value.shape)")
            }
        }
        let count = file.steps.count
        guard count >= 1, file.cursor >= 0, file.cursor < count, file.optimizerStepCounts.count == count,
            file.maskedTensors.count == count, file.optimizerKeys.count == count
        else {
            throw PruningError(jsonPath, "inconsistent step counts")
        }
        let tensors = try SafetensorsFile(contentsOf: dir.appendingPathComponent("tensors.safetensors").path)
        var snapshots = [SessionSnapshot]()
        let names = model.parameters.map(\.name)
        for i in 0..<count {
            var values = [String: Tensor]()
            for name in names { values[name] = try tensors.floatTensor(named: "step\(i)/value/\(name)") }
            var masks = [String: Tensor]()
            for name in file.maskedTensors[i] { masks[name] = try tensors.floatTensor(named: "step\(i)/mask/\(name)") }
            var state = [String: Tensor]()
            for key in file.optimizerKeys[i] { state[key] = try tensors.floatTensor(named: "step\(i)/optimizer/\(key)") }
            snapshots.append(
                SessionSnapshot(
                    values: values, masks: masks, optimizerState: state,
                    optimizerStepCount: file.optimizerStepCounts[i]))
        }
        var points = [String: [String: Tensor]]()
        for (point, tensorNames) in file.rewindPoints {
            var w = [String: Tensor]()
            for name in tensorNames { w[name] = try tensors.floatTensor(named: "rewind/\(point)/\(name)") }
            points[point] = w
        }
        return PruningSession(
            model: model, train: train, validation: validation, seed: file.seed, steps: file.steps,
            snapshots: snapshots, cursor: file.cursor, rewindPoints: points,
            optimizerConfig: file.optimizerConfig)
    }
}
