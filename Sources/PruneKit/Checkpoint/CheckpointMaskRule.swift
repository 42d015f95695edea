/// Which elements of a checkpoint tensor magnitude pruning removes, as a
/// rule evaluated on the stored values front to back instead of a mask held
/// in memory: an export streams a tensor through it piece by piece, so
/// pruning a 1 GB checkpoint needs no mask of 1 G elements.
///
/// `CheckpointPruning` derives the rules (one ranking or one per tensor, or
/// N:M) and its mask functions are these rules written out, so a streamed
/// export and a mask agree element for element.
public enum CheckpointMaskRule: Sendable, Equatable {
    /// Prune every element whose ordering key (`CheckpointPruning.key`: the
    /// |w| bits, NaN above infinity) is below `belowKey`, and the first
    /// `ties` elements (in storage order) whose key equals it.
    case magnitude(belowKey: UInt32, ties: Int)
    /// In each row (the tensor viewed as `[shape[0], rest]`), in every group
    /// of `m` consecutive elements, prune all but the `n` largest |w| (ties:
    /// the earlier element goes first); a shorter trailing group keeps `n` too.
    case nOfM(n: Int, m: Int)

    /// Elements per piece (a few hundred KB of flags and values).
    static let pieceElements = 1 << 16

    /// Evaluates the rule over a tensor's stored bytes (`dtype`, `shape`),
    /// front to back: `body` gets each piece's first element index and one
    /// flag per element of the piece (true = pruned). Memory: one piece.
    public func forEachPiece(
        dtype: DType, shape: [Int], bytes: UnsafeRawBufferPointer,
        _ body: (_ start: Int, _ pruned: UnsafeBufferPointer<Bool>) throws -> Void
    ) rethrows {
        let count = bytes.count / dtype.byteSize
        guard count > 0 else { return }
        let size = dtype.byteSize
        switch self {
        case let .magnitude(belowKey, ties):
            var tiesLeft = ties
            try withUnsafeTemporaryAllocation(of: Bool.self, capacity: CheckpointMaskRule.pieceElements) { flags in
                var start = 0
                while start < count {
                    let n = min(CheckpointMaskRule.pieceElements, count - start)
                    let piece = UnsafeRawBufferPointer(rebasing: bytes[(start * size)..<((start + n) * size)])
                    var offset = 0
                    ElementStream.forEachChunk(dtype, piece) { chunk in
                        for v in chunk {
                            let key = CheckpointPruning.key(v)
                            var prune = key < belowKey
                            if !prune, key == belowKey, tiesLeft > 0 {
                                prune = true
                                tiesLeft -= 1
                            }
                            flags[offset] = prune
                            offset += 1
                        }
                    }
                    try body(start, UnsafeBufferPointer(rebasing: flags[0..<n]))
                    start += n
                }
            }
        case let .nOfM(n, m):
            let rows = shape.isEmpty ? 1 : shape[0]
            let cols = rows == 0 ? 0 : count / rows
            guard cols > 0 else { return }
            let rowsPerPiece = max(1, CheckpointMaskRule.pieceElements / cols)
            let capacity = rowsPerPiece * cols
            try withUnsafeTemporaryAllocation(of: Bool.self, capacity: capacity) { flags in
                try withUnsafeTemporaryAllocation(of: Float.self, capacity: capacity) { values in
                    var group: [(UInt32, Int)] = []
                    group.reserveCapacity(m)
                    var row = 0
                    while row < rows {
                        let pieceRows = min(rowsPerPiece, rows - row)
                        let start = row * cols, elements = pieceRows * cols
                        let piece = UnsafeRawBufferPointer(rebasing: bytes[(start * size)..<((start + elements) * size)])
                        var offset = 0
                        ElementStream.forEachChunk(dtype, piece) { chunk in
                            for v in chunk {
                                values[offset] = v
                                offset += 1
                            }
                        }
                        for i in 0..<elements { flags[i] = false }
                        for r in 0..<pieceRows {
                            var c0 = 0
                            while c0 < cols {
                                let end = min(c0 + m, cols)
                                group.removeAll(keepingCapacity: true)
                                for c in c0..<end { group.append((CheckpointPruning.key(values[r * cols + c]), r * cols + c)) }
                                if group.count > n {
                                    group.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
                                    for (_, e) in group.prefix(group.count - n) { flags[e] = true }
                                }
                                c0 = end
                            }
                        }
                        try body(start, UnsafeBufferPointer(rebasing: flags[0..<elements]))
                        row += pieceRows
                    }
                }
            }
        }
    }

    /// The rule written out as a mask (1 keep, 0 prune) of `shape`.
    public func mask(dtype: DType, shape: [Int], bytes: UnsafeRawBufferPointer) -> Tensor {
        var mask = [Float](repeating: 1, count: Tensor.elementCount(shape))
        mask.withUnsafeMutableBufferPointer { m in
            forEachPiece(dtype: dtype, shape: shape, bytes: bytes) { start, pruned in
                for i in 0..<pruned.count where pruned[i] { m[start + i] = 0 }
            }
        }
        return Tensor(shape: shape, data: mask)
    }
}
