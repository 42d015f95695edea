import Foundation

/// What `SessionJournal.recover` found.
public struct JournalRecovery: Sendable, Equatable {
    /// Steps recorded after the last save, now back in the session.
    public var steps = 0
    /// Undo, redo and jump moves replayed.
    public var moves = 0
    /// Rewind points restored.
    public var rewindPoints = 0
    /// Why some or all of the journal was not used (a torn last record, a
    /// journal of another save...), one line; nil when all of it was.
    public var note: String?

    /// The status line: "recovered 3 unsaved steps from the journal", plus the note.
    public var summary: String? {
        var parts = [String]()
        if steps > 0 || moves > 0 {
            var text = "recovered \(steps) unsaved step\(steps == 1 ? "" : "s")"
            if moves > 0 { text += " and \(moves) undo/redo move\(moves == 1 ? "" : "s")" }
            parts.append(text + " from the journal")
        }
        if let note { parts.append(note) }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }
}

extension SessionJournal {
    /// Replays the journal in `directory` onto `session` (just opened from
    /// that directory's save, or fresh when there is none) and attaches a
    /// journal for the steps to come, so the session continues where the
    /// last run stopped.
    ///
    /// Records are checked before use (frame hash, the model's tensor
    /// names and shapes, finite values, 0/1 masks, indices within the
    /// history). A torn or damaged record ends the replay: it and anything
    /// after it are cut off with a note, never an error. A journal whose
    /// base is not this session's (another save, another model) is kept
    /// aside as `journal.psj.stale` and a new one started.
    /// - Throws: only when the journal cannot be reopened for appending.
    public static func recover(in directory: String, into session: PruningSession) throws -> JournalRecovery {
        let path = URL(fileURLWithPath: directory).appendingPathComponent(fileName).path
        var recovery = JournalRecovery()
        session.journal?.finish()
        session.journal = nil
        guard FileKind.inputProblem(path) == nil, let data = FileManager.default.contents(atPath: path) else {
            session.journal = start(in: directory, for: session)
            return recovery
        }
        let bytes = [UInt8](data)
        var offset = 0
        var first = true
        let base = base(of: session)
        replay: while offset < bytes.count {
            guard let (entry, tensors, end) = readRecord(bytes, at: offset) else {
                recovery.note = "ignored a torn or damaged journal record (\(bytes.count - offset) bytes at the end)"
                break
            }
            if first {
                guard entry.kind == .base, entry.base == base else {
                    _ = rename(path, path + ".stale")
                    recovery.note = "the journal in \(directory) belongs to another save; kept as \(fileName).stale"
                    session.journal = start(in: directory, for: session)
                    return recovery
                }
                first = false
                offset = end
                continue
            }
            do {
                switch try apply(entry, tensors, to: session) {
                case .step: recovery.steps += 1
                case .cursor: recovery.moves += 1
                case .rewind: recovery.rewindPoints += 1
                case .base: break
                }
            } catch {
                recovery.note = "ignored the journal from a record it could not use: \(ErrorText.oneLine(error))"
                break replay
            }
            offset = end
        }
        if first {
            session.journal = start(in: directory, for: session)
        } else {
            session.journal = try appending(path: path, base: base, modelName: session.model.name, length: offset)
        }
        return recovery
    }

    /// The record at `offset`: its entry, its tensors and where the next
    /// record starts; nil when the frame is cut short or fails its hash.
    static func readRecord(_ bytes: [UInt8], at offset: Int) -> (JournalEntry, [Tensor], Int)? {
        let headerSize = 4 + 8 + 8
        guard bytes.count - offset >= headerSize, Array(bytes[offset..<offset + 4]) == magic else { return nil }
        let length = readInteger(UInt64.self, bytes, at: offset + 4)
        let expected = readInteger(UInt64.self, bytes, at: offset + 12)
        let start = offset + headerSize
        guard length <= UInt64(bytes.count - start) else { return nil }
        let end = start + Int(length)
        guard hash(bytes[start..<end]) == expected, end - start >= 4 else { return nil }
        let jsonLength = Int(readInteger(UInt32.self, bytes, at: start))
        guard jsonLength <= end - start - 4 else { return nil }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        guard let entry = try? decoder.decode(JournalEntry.self, from: Data(bytes[(start + 4)..<(start + 4 + jsonLength)])) else {
            return nil
        }
        var tensors = [Tensor]()
        var position = start + 4 + jsonLength
        for ref in entry.tensors {
            guard ref.shape.allSatisfy({ $0 >= 0 }) else { return nil }
            let (count, overflow) = ref.shape.reduce((1, false)) { acc, d in
                let (p, o) = acc.0.multipliedReportingOverflow(by: d)
                return (p, acc.1 || o)
            }
            guard !overflow, count <= (end - position) / 4 else { return nil }
            var values = [Float](repeating: 0, count: count)
            values.withUnsafeMutableBytes { $0.copyBytes(from: bytes[position..<(position + count * 4)]) }
            tensors.append(Tensor(shape: ref.shape, data: values))
            position += count * 4
        }
        guard position == end else { return nil }
        return (entry, tensors, end)
    }

    private static func readInteger<T: FixedWidthInteger>(_: T.Type, _ bytes: [UInt8], at offset: Int) -> T {
        var value: T = 0
        for i in (0..<MemoryLayout<T>.size).reversed() { value = (value << 8) | T(bytes[offset + i]) }
        return value
    }

    /// Applies one checked record to the session.
    private static func apply(_ entry: JournalEntry, _ tensors: [Tensor], to session: PruningSession) throws -> JournalEntry.Kind {
        let shapes = Dictionary(uniqueKeysWithValues: session.model.parameters.map { ($0.name, $0.value.shape) })
        func checked(_ ref: JournalEntry.TensorRef, _ tensor: Tensor, isMask: Bool) throws -> Tensor {
            let owner = ref.role == "optimizer" ? shapes.keys.filter { ref.name.hasPrefix($0 + ".") }.max { $0.count < $1.count } : ref.name
            guard let owner, let shape = shapes[owner], shape == tensor.shape else {
                throw PruningError(ref.name, "is not a tensor of the model with this shape")
            }
            let bad = tensor.data.contains { isMask ? ($0 != 0 && $0 != 1) : !$0.isFinite }
            if bad { throw PruningError(ref.name, isMask ? "holds a mask value other than 0 or 1" : "holds a non-finite value") }
            return tensor
        }
        switch entry.kind {
        case .base:
            throw PruningError("journal", "a second base record")
        case .step:
            guard let index = entry.index, let step = entry.step, index >= 1, index <= session.steps.count else {
                throw PruningError("journal", "a step record outside the history")
            }
            var values = [String: Tensor](), masks = [String: Tensor](), state = [String: Tensor]()
            for (ref, tensor) in zip(entry.tensors, tensors) {
                switch ref.role {
                case "value": values[ref.name] = try checked(ref, tensor, isMask: false)
                case "mask": masks[ref.name] = try checked(ref, tensor, isMask: true)
                case "optimizer": state[ref.name] = try checked(ref, tensor, isMask: false)
                default: throw PruningError(ref.name, "has an unknown role \(ref.role)")
                }
            }
            guard Set(values.keys) == Set(shapes.keys) else { throw PruningError("journal", "a step record without every tensor") }
            let snapshot = SessionSnapshot(
                values: values, masks: masks, optimizerState: state, optimizerStepCount: max(0, entry.optimizerStepCount ?? 0))
            session.steps.removeSubrange(index...)
            session.snapshots.removeSubrange(index...)
            session.steps.append(step)
            session.snapshots.append(snapshot)
            if let config = entry.optimizerConfig { session.optimizerConfig = config }
            session.restore(index)
        case .cursor:
            guard let index = entry.index, session.steps.indices.contains(index) else {
                throw PruningError("journal", "an undo/redo record outside the history")
            }
            session.restore(index)
        case .rewind:
            guard let name = entry.rewindName else { throw PruningError("journal", "a rewind record without a name") }
            var weights = [String: Tensor]()
            for (ref, tensor) in zip(entry.tensors, tensors) { weights[ref.name] = try checked(ref, tensor, isMask: false) }
            session.setRewindPoint(name, weights: weights)
        }
        return entry.kind
    }
}
