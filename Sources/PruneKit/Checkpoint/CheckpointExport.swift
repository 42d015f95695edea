import Foundation

/// Writes a pruned copy of a checkpoint as safetensors, keeping everything
/// not pruned exactly as it was.
///
/// Tensors without a change are copied byte for byte. A masked tensor keeps
/// its dtype: the bytes of each pruned element are set to zero in the
/// original bytes (all-zero bits are +0 in every float dtype), so every kept
/// element stays bit-identical.
///
/// The file is written tensor by tensor and each changed tensor piece by
/// piece (two passes: the counts for the header's metadata, then the data),
/// straight from the source's mapped bytes: besides the source and the
/// changes the caller holds, memory stays at a few pieces of 64k elements,
/// and a `.rule` change needs no mask in memory at all. Tensors are written in the original order
/// with the original names, shapes and dtypes; the original `__metadata__`
/// is kept and PruneScope's record added under keys starting `prunescope.`.
public enum CheckpointExport {
    /// What to do to one tensor.
    public enum Change: Sendable {
        /// Zero the elements where the mask is 0 (mask shaped like the tensor).
        case mask(Tensor)
        /// Replace the values (same shape), encoded in the tensor's dtype
        /// (F32, F64, F16 and BF16 round to nearest even).
        case values(Tensor)
        /// Zero the elements a magnitude rule prunes, evaluated on the stored
        /// values as they are written (`CheckpointPruning.magnitudeRules`).
        case rule(CheckpointMaskRule)
    }

    /// How the pruning was done, recorded in the file's metadata.
    public struct Record: Sendable, Equatable {
        /// E.g. "magnitude".
        public var criterion: String
        /// One ranking over all pruned tensors, or one per tensor.
        public var scope: Scope
        /// E.g. "unstructured", "2:4".
        public var granularity: String
        /// The requested amount as a fraction, if there was one.
        public var amount: Double?

        public init(criterion: String, scope: Scope, granularity: String = "unstructured", amount: Double? = nil) {
            self.criterion = criterion
            self.scope = scope
            self.granularity = granularity
            self.amount = amount
        }
    }

    /// Why an export failed. One line naming the file and the problem.
    public enum Failure: Error, CustomStringConvertible, Sendable, Equatable {
        case shapeMismatch(path: String, tensor: String, expected: [Int], got: [Int])
        case cannotEncode(path: String, tensor: String, dtype: DType)
        case sameFile(path: String)

        public var description: String {
            switch self {
            case let .shapeMismatch(path, tensor, expected, got):
                return "\(path): tensor \"\(tensor)\": change has shape \(got), the tensor \(expected)"
            case let .cannotEncode(path, tensor, dtype):
                return "\(path): tensor \"\(tensor)\": new values cannot be written as \(dtype.rawValue); use a mask"
            case let .sameFile(path):
                return "\(path): refusing to overwrite the checkpoint being read; choose another output path"
            }
        }
    }

    /// Metadata key prefix for PruneScope's own entries.
    public static let metadataPrefix = "prunescope."

    /// Writes `archive` with `changes` applied to `path`, atomically.
    ///
    /// Metadata added: `prunescope.criterion`, `.scope`, `.granularity`,
    /// `.amount` (if given), `.pruned_tensors` (how many tensors changed),
    /// `.pruned_elements` (how many elements the pruning set to zero: the
    /// zeros of the masks; for new values, elements now zero that were not),
    /// `.pruned_tensor_elements` (all elements of the changed tensors),
    /// `.sparsity` (exact zeros / elements over the changed tensors, 6
    /// decimals, zeros that were there before included) and `.tensors` (a
    /// JSON object: name -> {"pruned", "zeros", "count"}).
    /// Older `prunescope.` keys of the source are replaced.
    /// - Returns: the metadata written.
    @discardableResult
    public static func write(
        _ archive: any TensorArchive, changes: [String: Change], record: Record,
        to path: String
    ) throws -> [String: String] {
        try refuseSource(archive, as: path)
        for name in changes.keys where archive.info(named: name) == nil {
            throw SafetensorsError.tensorNotFound(path: archive.path, name: name)
        }
        // Validate every change before writing anything.
        for info in archive.tensors {
            guard let change = changes[info.name] else { continue }
            switch change {
            case let .mask(mask):
                guard mask.shape == info.shape else {
                    throw Failure.shapeMismatch(path: archive.path, tensor: info.name, expected: info.shape, got: mask.shape)
                }
            case let .values(values):
                guard values.shape == info.shape else {
                    throw Failure.shapeMismatch(path: archive.path, tensor: info.name, expected: info.shape, got: values.shape)
                }
                guard [.F32, .F64, .F16, .BF16].contains(info.dtype) else {
                    throw Failure.cannotEncode(path: archive.path, tensor: info.name, dtype: info.dtype)
                }
            case .rule:
                guard info.dtype.isFloatingPoint else {
                    throw CheckpointPruning.Failure.notFloatingPoint(path: archive.path, tensor: info.name, dtype: info.dtype)
                }
            }
        }
        var zeroCounts: [String: Int] = [:]
        var prunedCounts: [String: Int] = [:]
        var metadata = archive.metadata.filter { !$0.key.hasPrefix(metadataPrefix) }
        // Count zeros of the result first so the metadata (in the header) is complete.
        for info in archive.tensors {
            guard let change = changes[info.name] else { continue }
            var zeros = 0
            let pruned = try archive.withRawBytes(named: info.name) { original in
                try forEachNewPiece(change, of: original, info: info) { piece in
                    zeros += TensorStatistics.zeroCount(dtype: info.dtype, bytes: piece)
                }
            }
            zeroCounts[info.name] = zeros
            prunedCounts[info.name] = pruned
        }
        let changedCount = changes.keys.reduce(0) { $0 + (archive.info(named: $1)?.elementCount ?? 0) }
        let changedZeros = zeroCounts.values.reduce(0, +)
        metadata[metadataPrefix + "criterion"] = record.criterion
        metadata[metadataPrefix + "scope"] = record.scope.rawValue
        metadata[metadataPrefix + "granularity"] = record.granularity
        if let amount = record.amount { metadata[metadataPrefix + "amount"] = String(amount) }
        metadata[metadataPrefix + "pruned_tensors"] = String(changes.count)
        metadata[metadataPrefix + "pruned_elements"] = String(prunedCounts.values.reduce(0, +))
        metadata[metadataPrefix + "pruned_tensor_elements"] = String(changedCount)
        metadata[metadataPrefix + "sparsity"] = String(format: "%.6f", changedCount == 0 ? 0 : Double(changedZeros) / Double(changedCount))
        let perTensor = archive.tensors.compactMap { info -> String? in
            guard let z = zeroCounts[info.name], let p = prunedCounts[info.name] else { return nil }
            return "\(SafetensorsWriter.quote(info.name)):{\"pruned\":\(p),\"zeros\":\(z),\"count\":\(info.elementCount)}"
        }
        metadata[metadataPrefix + "tensors"] = "{" + perTensor.joined(separator: ",") + "}"

        let header = try SafetensorsWriter.layoutHeader(
            archive.tensors.map { ($0.name, $0.dtype, $0.shape, $0.byteCount) }, metadata: metadata, path: path)
        try AtomicFile.write(to: path) { sink in
            try sink.append(header)
            for info in archive.tensors {
                try archive.withRawBytes(named: info.name) { original in
                    if let change = changes[info.name] {
                        _ = try forEachNewPiece(change, of: original, info: info) { try sink.append($0) }
                    } else {
                        try sink.append(original)
                    }
                }
            }
        }
        return metadata
    }

    /// Calls `body` with the tensor's new bytes, front to back, in pieces of
    /// at most 64k elements: the original bytes with pruned elements zeroed,
    /// or the encoded new values (encoded whole: the caller holds them anyway).
    /// - Returns: how many elements the change prunes (the zeros of a mask,
    ///   the elements a rule prunes, or for new values the elements now zero
    ///   that were not).
    static func forEachNewPiece(
        _ change: Change, of original: UnsafeRawBufferPointer, info: TensorInfo,
        _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> Int {
        let size = info.dtype.byteSize
        let count = original.count / size
        let pieceElements = CheckpointMaskRule.pieceElements
        switch change {
        case let .values(values):
            let bytes = try SafetensorsEntry(name: info.name, tensor: values, dtype: info.dtype).bytes
            try bytes.withUnsafeBytes { try body($0) }
            return bytes.withUnsafeBytes { newlyZero(dtype: info.dtype, before: original, after: $0) }
        case let .mask(mask):
            var pruned = 0
            try withUnsafeTemporaryAllocation(byteCount: pieceElements * size, alignment: 16) { scratch in
                try mask.data.withUnsafeBufferPointer { m in
                    var start = 0
                    while start < count {
                        let n = min(pieceElements, count - start)
                        let out = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<(n * size)])
                        out.copyMemory(from: UnsafeRawBufferPointer(rebasing: original[(start * size)..<((start + n) * size)]))
                        for i in 0..<n where m[start + i] == 0 {
                            pruned += 1
                            for b in 0..<size { out[i * size + b] = 0 }
                        }
                        try body(UnsafeRawBufferPointer(out))
                        start += n
                    }
                }
            }
            return pruned
        case let .rule(rule):
            var pruned = 0
            try withUnsafeTemporaryAllocation(byteCount: pieceElements * size, alignment: 16) { scratch in
                var written = 0
                try rule.forEachPiece(dtype: info.dtype, shape: info.shape, bytes: original) { start, flags in
                    // Pieces come in order and cover the tensor (an N:M piece is whole rows).
                    var offset = start
                    while offset < start + flags.count {
                        let n = min(pieceElements, start + flags.count - offset)
                        let out = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<(n * size)])
                        out.copyMemory(from: UnsafeRawBufferPointer(rebasing: original[(offset * size)..<((offset + n) * size)]))
                        for i in 0..<n where flags[offset - start + i] {
                            pruned += 1
                            for b in 0..<size { out[i * size + b] = 0 }
                        }
                        try body(UnsafeRawBufferPointer(out))
                        offset += n
                    }
                    written = offset
                }
                // A rule that stops early (no rows) leaves the rest as it was.
                if written < count {
                    try body(UnsafeRawBufferPointer(rebasing: original[(written * size)..<(count * size)]))
                }
            }
            return pruned
        }
    }
}

extension CheckpointExport {
    /// Elements exactly zero in `after` but not in `before` (same dtype and count).
    static func newlyZero(dtype: DType, before: UnsafeRawBufferPointer, after: UnsafeRawBufferPointer) -> Int {
        let size = dtype.byteSize
        let count = min(before.count, after.count) / size
        var result = 0
        var start = 0
        // Chunks of both decoded side by side; ElementStream converts any dtype to Float32.
        while start < count {
            let n = min(ElementStream.chunkSize, count - start)
            let range = (start * size)..<((start + n) * size)
            var old = [Float](), new = [Float]()
            old.reserveCapacity(n); new.reserveCapacity(n)
            ElementStream.forEachChunk(dtype, UnsafeRawBufferPointer(rebasing: before[range])) { old.append(contentsOf: $0) }
            ElementStream.forEachChunk(dtype, UnsafeRawBufferPointer(rebasing: after[range])) { new.append(contentsOf: $0) }
            for i in 0..<min(old.count, new.count) where new[i] == 0 && old[i] != 0 { result += 1 }
            start += n
        }
        return result
    }
}

extension TensorStatistics {
    /// Exactly-zero elements of stored bytes of `dtype`.
    public static func zeroCount(dtype: DType, bytes: UnsafeRawBufferPointer) -> Int {
        var zeros = 0
        ElementStream.forEachChunk(dtype, bytes) { chunk in
            for v in chunk where v == 0 { zeros += 1 }
        }
        return zeros
    }
}
