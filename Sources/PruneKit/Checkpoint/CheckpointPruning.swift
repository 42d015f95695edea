/// Magnitude pruning of tensors read straight from a checkpoint, for
/// inspection mode (no model, no data): masks with 1 = keep, 0 = prune.
///
/// Ranking is by |w| of the stored values (widened to Float32 exactly for
/// F16/BF16). Ties are broken deterministically: among equal |w|, the
/// earlier element is pruned first, with tensors taken in the order given.
/// NaN ranks above every number, so it is pruned last.
/// Runs in a few streaming passes with fixed memory besides the masks
/// (a two-level radix select, not a sort).
public enum CheckpointPruning {
    /// Why pruning could not be done.
    public enum Failure: Error, CustomStringConvertible, Sendable, Equatable {
        case amountOutOfRange(Double)
        case notFloatingPoint(path: String, tensor: String, dtype: DType)
        case badNOfM(n: Int, m: Int)

        public var description: String {
            switch self {
            case let .amountOutOfRange(a):
                return "pruning amount \(a) is outside [0, 1]"
            case let .badNOfM(n, m):
                return "N:M pruning needs 0 <= N <= M and M >= 1, got \(n):\(m)"
            case let .notFloatingPoint(path, tensor, dtype):
                return "\(path): tensor \"\(tensor)\": \(dtype.rawValue) is not a floating-point weight; it cannot be magnitude-pruned"
            }
        }
    }

    /// Global unstructured magnitude pruning: one ranking of |w| over all
    /// `names`; the k = round(amount x total) smallest are pruned (PyTorch's
    /// `global_unstructured` with `L1Unstructured`).
    /// - Returns: a mask per name, shaped like the tensor.
    public static func globalMagnitudeMasks(_ archive: any TensorArchive, names: [String], amount: Double) throws -> [String: Tensor] {
        guard amount >= 0, amount <= 1, amount.isFinite else { throw Failure.amountOutOfRange(amount) }
        let infos = try names.map { name -> TensorInfo in
            guard let info = archive.info(named: name) else { throw SafetensorsError.tensorNotFound(path: archive.path, name: name) }
            guard info.dtype.isFloatingPoint else {
                throw Failure.notFloatingPoint(path: archive.path, tensor: name, dtype: info.dtype)
            }
            return info
        }
        let total = infos.reduce(0) { $0 + $1.elementCount }
        let k = Int((amount * Double(total)).rounded(.toNearestOrEven))
        return try masks(archive, infos: infos, pruneCounts: [k], groups: [infos.indices.map { $0 }])
    }

    /// Per-tensor unstructured magnitude pruning: in each tensor the
    /// round(amount x count) smallest |w| are pruned.
    public static func layerMagnitudeMasks(_ archive: any TensorArchive, names: [String], amount: Double) throws -> [String: Tensor] {
        guard amount >= 0, amount <= 1, amount.isFinite else { throw Failure.amountOutOfRange(amount) }
        var result: [String: Tensor] = [:]
        for name in names {
            let masks = try globalMagnitudeMasks(archive, names: [name], amount: amount)
            result.merge(masks) { a, _ in a }
        }
        return result
    }

    /// N:M semi-structured magnitude pruning, as the model pruner does it:
    /// each tensor is viewed as `[shape[0], rest]`; in every group of `m`
    /// consecutive elements of a row the `m - n` smallest |w| are pruned (a
    /// trailing shorter group keeps at most `n` too). Ties: earlier element first.
    public static func nOfMMasks(_ archive: any TensorArchive, names: [String], n: Int, m: Int) throws -> [String: Tensor] {
        guard n >= 0, m >= 1, n <= m else { throw Failure.badNOfM(n: n, m: m) }
        var result: [String: Tensor] = [:]
        for name in names {
            guard let info = archive.info(named: name) else { throw SafetensorsError.tensorNotFound(path: archive.path, name: name) }
            guard info.dtype.isFloatingPoint else {
                throw Failure.notFloatingPoint(path: archive.path, tensor: name, dtype: info.dtype)
            }
            let values = try archive.floatTensor(named: name).data
            var mask = [Float](repeating: 1, count: values.count)
            let rows = info.shape.isEmpty ? 1 : info.shape[0]
            let cols = rows == 0 ? 0 : values.count / rows
            var group: [(UInt32, Int)] = []
            group.reserveCapacity(m)
            for r in 0..<rows {
                var c0 = 0
                while c0 < cols {
                    let end = min(c0 + m, cols)
                    group.removeAll(keepingCapacity: true)
                    for c in c0..<end { group.append((key(values[r * cols + c]), r * cols + c)) }
                    if group.count > n {
                        group.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
                        for (_, e) in group.prefix(group.count - n) { mask[e] = 0 }
                    }
                    c0 = end
                }
            }
            result[name] = Tensor(shape: info.shape, data: mask)
        }
        return result
    }

    /// The ordering key of a value: |w| bits (monotone in |w| for non-negative
    /// floats; NaN above infinity).
    @inline(__always) static func key(_ v: Float) -> UInt32 { v.bitPattern & 0x7FFF_FFFF }

    private static func masks(
        _ archive: any TensorArchive, infos: [TensorInfo], pruneCounts: [Int], groups: [[Int]]
    ) throws -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for (group, k) in zip(groups, pruneCounts) {
            let members = group.map { infos[$0] }
            // Pass 1: counts by the top 15 bits of the key.
            var high = [Int](repeating: 0, count: 1 << 15)
            for info in members {
                try archive.withRawBytes(named: info.name) { bytes in
                    ElementStream.forEachChunk(info.dtype, bytes) { chunk in
                        high.withUnsafeMutableBufferPointer { h in
                            for v in chunk { h[Int(key(v) >> 16)] += 1 }
                        }
                    }
                }
            }
            var threshold: UInt32 = 0  // keys < threshold are pruned
            var tiesToPrune = 0  // then this many elements equal to threshold, earliest first
            if k > 0 {
                var below = 0
                var bin = 0
                while bin < high.count, below + high[bin] < k { below += high[bin]; bin += 1 }
                // Pass 2: counts of the low 16 bits inside that bin.
                var low = [Int](repeating: 0, count: 1 << 16)
                let target = UInt32(bin)
                for info in members {
                    try archive.withRawBytes(named: info.name) { bytes in
                        ElementStream.forEachChunk(info.dtype, bytes) { chunk in
                            low.withUnsafeMutableBufferPointer { l in
                                for v in chunk where key(v) >> 16 == target { l[Int(key(v) & 0xFFFF)] += 1 }
                            }
                        }
                    }
                }
                var j = 0
                while j < low.count, below + low[j] < k { below += low[j]; j += 1 }
                threshold = target << 16 | UInt32(j)
                tiesToPrune = k - below
            }
            // Pass 3: the masks.
            for info in members {
                var mask = [Float](repeating: 1, count: info.elementCount)
                if k > 0 {
                    var offset = 0
                    try archive.withRawBytes(named: info.name) { bytes in
                        ElementStream.forEachChunk(info.dtype, bytes) { chunk in
                            mask.withUnsafeMutableBufferPointer { m in
                                for (i, v) in chunk.enumerated() {
                                    let kv = key(v)
                                    if kv < threshold {
                                        m[offset + i] = 0
                                    } else if kv == threshold && tiesToPrune > 0 {
                                        m[offset + i] = 0
                                        tiesToPrune -= 1
                                    }
                                }
                            }
                            offset += chunk.count
                        }
                    }
                }
                result[info.name] = Tensor(shape: info.shape, data: mask)
            }
        }
        return result
    }
}
