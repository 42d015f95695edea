/// Magnitude pruning of tensors read straight from a checkpoint, for
/// inspection mode (no model, no data): masks with 1 = keep, 0 = prune.
///
/// Ranking is by |w| of the stored values (widened to Float32 exactly for
/// F16/BF16). Ties are broken deterministically: among equal |w|, the
/// earlier element is pruned first, with tensors taken in the order given.
/// NaN ranks above every number, so it is pruned last.
/// Runs in a few streaming passes with fixed memory (a two-level radix
/// select, not a sort) and yields `CheckpointMaskRule`s, which an export
/// streams; the mask functions write those rules out as masks.
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
        let infos = try floatInfos(archive, names: names)
        return try masks(archive, rules: globalMagnitudeRules(archive, infos: infos, amount: amount))
    }

    /// The rules of `globalMagnitudeMasks`: a threshold over all `infos` and
    /// how many of its ties each tensor prunes.
    static func globalMagnitudeRules(
        _ archive: any TensorArchive, infos: [TensorInfo], amount: Double
    ) throws -> [String: CheckpointMaskRule] {
        let total = infos.reduce(0) { $0 + $1.elementCount }
        let k = Int((amount * Double(total)).rounded(.toNearestOrEven))
        return try rules(archive, members: infos, prune: k)
    }

    /// The rules of `layerMagnitudeMasks`: one ranking per tensor.
    static func layerMagnitudeRules(
        _ archive: any TensorArchive, infos: [TensorInfo], amount: Double
    ) throws -> [String: CheckpointMaskRule] {
        var result: [String: CheckpointMaskRule] = [:]
        for info in infos {
            result.merge(try globalMagnitudeRules(archive, infos: [info], amount: amount)) { a, _ in a }
        }
        return result
    }

    /// Tensor infos of `names`, each a floating-point tensor of `archive`.
    static func floatInfos(_ archive: any TensorArchive, names: [String]) throws -> [TensorInfo] {
        try names.map { name -> TensorInfo in
            guard let info = archive.info(named: name) else { throw SafetensorsError.tensorNotFound(path: archive.path, name: name) }
            guard info.dtype.isFloatingPoint else {
                throw Failure.notFloatingPoint(path: archive.path, tensor: name, dtype: info.dtype)
            }
            return info
        }
    }

    /// Writes `rules` out as masks.
    static func masks(_ archive: any TensorArchive, rules: [String: CheckpointMaskRule]) throws -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for (name, rule) in rules {
            guard let info = archive.info(named: name) else { throw SafetensorsError.tensorNotFound(path: archive.path, name: name) }
            result[name] = try archive.withRawBytes(named: name) { rule.mask(dtype: info.dtype, shape: info.shape, bytes: $0) }
        }
        return result
    }

    /// Per-tensor unstructured magnitude pruning: in each tensor the
    /// round(amount x count) smallest |w| are pruned.
    public static func layerMagnitudeMasks(_ archive: any TensorArchive, names: [String], amount: Double) throws -> [String: Tensor] {
        guard amount >= 0, amount <= 1, amount.isFinite else { throw Failure.amountOutOfRange(amount) }
        return try masks(archive, rules: layerMagnitudeRules(archive, infos: floatInfos(archive, names: names), amount: amount))
    }

    /// N:M semi-structured magnitude pruning, as the model pruner does it:
    /// each tensor is viewed as `[shape[0], rest]`; in every group of `m`
    /// consecutive elements of a row the `m - n` smallest |w| are pruned (a
    /// trailing shorter group keeps at most `n` too). Ties: earlier element first.
    public static func nOfMMasks(_ archive: any TensorArchive, names: [String], n: Int, m: Int) throws -> [String: Tensor] {
        guard n >= 0, m >= 1, n <= m else { throw Failure.badNOfM(n: n, m: m) }
        let infos = try floatInfos(archive, names: names)
        return try masks(archive, rules: Dictionary(infos.map { ($0.name, CheckpointMaskRule.nOfM(n: n, m: m)) }) { a, _ in a })
    }

    /// The ordering key of a value: |w| bits (monotone in |w| for non-negative
    /// floats; NaN above infinity).
    @inline(__always) static func key(_ v: Float) -> UInt32 { v.bitPattern & 0x7FFF_FFFF }

    /// The rule that prunes the `k` smallest |w| over `members` (ties: the
    /// earlier tensor, then the earlier element first).
    private static func rules(_ archive: any TensorArchive, members: [TensorInfo], prune k: Int) throws -> [String: CheckpointMaskRule] {
        guard k > 0 else { return Dictionary(members.map { ($0.name, .magnitude(belowKey: 0, ties: 0)) }) { a, _ in a } }
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
        // Keys below the threshold are pruned, then this many equal to it, earliest first.
        let threshold = target << 16 | UInt32(j)
        var tiesLeft = k - below
        // Pass 3 (only while ties are left to share out): each tensor's share.
        var result: [String: CheckpointMaskRule] = [:]
        for info in members {
            var ties = 0
            if tiesLeft > 0 {
                ties = try archive.withRawBytes(named: info.name) { bytes in
                    var equal = 0
                    ElementStream.forEachChunk(info.dtype, bytes) { chunk in
                        for v in chunk where key(v) == threshold { equal += 1 }
                    }
                    return min(equal, tiesLeft)
                }
                tiesLeft -= ties
            }
            result[info.name] = .magnitude(belowKey: threshold, ties: ties)
        }
        return result
    }
}
