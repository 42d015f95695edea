/// Scores of a tensor's unpruned elements in ascending order, for live
/// threshold previews.
///
/// Built once per tensor and state (O(n log n)); afterwards
/// `sparsity(atThreshold:)` and `threshold(forSparsity:)` are O(log n) and
/// `mask(atThreshold:)` / `mask(forSparsity:)` are one pass over the tensor.
/// A threshold prunes scores strictly below it; "sparsity" here is the
/// fraction of the tensor's elements that would be masked, pruned ones
/// included.
public struct ScoreIndex: Sendable {
    /// Elements in the tensor.
    public let total: Int
    /// Elements already masked before this index was built.
    public let alreadyPruned: Int
    /// Scores of the unpruned elements, ascending.
    public let sortedScores: [Float]
    /// Element index of each entry of `sortedScores` (ties in index order).
    public let order: [Int]
    /// The mask the index was built on (`nil` = nothing pruned).
    public let baseMask: Tensor?
    /// Shape of the tensor.
    public let shape: [Int]

    /// Ranks `scores` (one per element of a tensor of `shape`), skipping
    /// elements that `mask` already prunes. Scores must be non-negative.
    public init(scores: [Float], shape: [Int], mask: Tensor?) {
        self.total = scores.count
        self.shape = shape
        self.baseMask = mask
        let (order, keys) = ScoreIndex.ascendingOrderAndKeys(scores, mask: mask?.data)
        self.order = order
        self.alreadyPruned = scores.count - order.count
        // A positive score is its key; the key-0 prefix (zeros, negatives,
        // NaN) is read back from the scores, so the sorted scores are the
        // scores themselves without gathering every one of them.
        var sorted = keys.map { Float(bitPattern: $0) }
        scores.withUnsafeBufferPointer { s in
            for i in 0..<keys.count {
                guard keys[i] == 0 else { break }
                sorted[i] = s[order[i]]
            }
        }
        self.sortedScores = sorted
    }

    /// Magnitude index of a parameter's current values under its mask.
    public init(magnitudeOf parameter: Parameter) {
        self.init(scores: parameter.value.data.map { abs($0) }, shape: parameter.value.shape, mask: parameter.mask)
    }

    /// Unpruned elements whose score is strictly below `t`.
    public func newlyPrunedCount(atThreshold t: Float) -> Int {
        var lo = 0, hi = sortedScores.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sortedScores[mid] < t { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Unpruned elements whose ranking key (`key(_:)` of the score) is at most `key`. O(log n).
    public func count(atMostKey key: UInt32) -> Int {
        var lo = 0, hi = sortedScores.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if ScoreIndex.key(sortedScores[mid]) <= key { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// The key a score is ranked by: its bit pattern, negatives (and NaN) as 0.
    @inline(__always) public static func key(_ score: Float) -> UInt32 { (score > 0 ? score : 0).bitPattern }

    /// Fraction of all elements masked if scores below `t` are pruned. O(log n).
    public func sparsity(atThreshold t: Float) -> Double {
        total == 0 ? 0 : Double(alreadyPruned + newlyPrunedCount(atThreshold: t)) / Double(total)
    }

    /// Number of elements to prune now to reach sparsity `s` of the whole
    /// tensor (0 if it is already reached), rounded half to even.
    public func newlyPrunedCount(forSparsity s: Double) -> Int {
        let target = Int((s * Double(total)).rounded(.toNearestOrEven))
        return min(max(0, target - alreadyPruned), sortedScores.count)
    }

    /// The smallest threshold whose "scores strictly below" reach sparsity
    /// `s` (ties at the boundary may push the sparsity slightly above). O(1).
    public func threshold(forSparsity s: Double) -> Float {
        let k = newlyPrunedCount(forSparsity: s)
        return k == 0 ? 0 : sortedScores[k - 1].nextUp
    }

    /// The base mask with the `k` lowest-scoring unpruned elements also pruned.
    public func mask(pruningLowest k: Int) -> Tensor {
        var m = baseMask ?? Mask.ones(shape)
        let k = min(max(k, 0), order.count)
        m.data.withUnsafeMutableBufferPointer { d in
            for i in 0..<k { d[order[i]] = 0 }
        }
        return m
    }

    /// The base mask with every element scoring strictly below `t` pruned.
    public func mask(atThreshold t: Float) -> Tensor {
        mask(pruningLowest: newlyPrunedCount(atThreshold: t))
    }

    /// The base mask pruned to sparsity `s` of the whole tensor (exact count).
    public func mask(forSparsity s: Double) -> Tensor {
        mask(pruningLowest: newlyPrunedCount(forSparsity: s))
    }

    /// Indices of the elements with `mask != 0` in ascending score order,
    /// ties broken by index. Scores are compared through their bit patterns
    /// (monotonic for non-negative floats; negatives count as 0). A stable
    /// least-significant-digit radix sort over the 32-bit keys (three 11-bit
    /// passes), so building the index of a 10M-weight layer takes a fraction
    /// of what a comparison sort would.
    static func ascendingOrder(_ scores: [Float], mask: [Float]?) -> [Int] {
        ascendingOrderAndKeys(scores, mask: mask).order
    }

    /// `ascendingOrder` and the sorted keys.
    static func ascendingOrderAndKeys(_ scores: [Float], mask: [Float]?) -> (order: [Int], keys: [UInt32]) {
        var keys = [UInt32]()
        var indices = [Int32]()
        keys.reserveCapacity(scores.count)
        indices.reserveCapacity(scores.count)
        precondition(scores.count <= Int(Int32.max), "a tensor of \(scores.count) elements is too large to rank")
        scores.withUnsafeBufferPointer { s in
            for i in 0..<s.count {
                if let mask, mask[i] == 0 { continue }
                keys.append(key(s[i]))
                indices.append(Int32(truncatingIfNeeded: i))
            }
        }
        let n = keys.count
        guard n > 1 else { return (indices.map { Int($0) }, keys) }
        var keysOut = [UInt32](repeating: 0, count: n)
        var indicesOut = [Int32](repeating: 0, count: n)
        var counts = [Int](repeating: 0, count: 2048)
        for shift in stride(from: UInt32(0), to: 33, by: 11) {
            counts.withUnsafeMutableBufferPointer { c in
                for b in 0..<c.count { c[b] = 0 }
                keys.withUnsafeBufferPointer { k in
                    for key in k { c[Int((key >> shift) & 0x7FF)] += 1 }
                }
                // Every key in one bucket: this digit orders nothing.
                if c.contains(n) { return }
                var total = 0
                for b in 0..<c.count {
                    let x = c[b]
                    c[b] = total
                    total += x
                }
                keys.withUnsafeBufferPointer { k in
                    indices.withUnsafeBufferPointer { ix in
                        keysOut.withUnsafeMutableBufferPointer { ko in
                            indicesOut.withUnsafeMutableBufferPointer { io in
                                for i in 0..<n {
                                    let b = Int((k[i] >> shift) & 0x7FF)
                                    let dst = c[b]
                                    c[b] = dst + 1
                                    ko[dst] = k[i]
                                    io[dst] = ix[i]
                                }
                            }
                        }
                    }
                }
                swap(&keys, &keysOut)
                swap(&indices, &indicesOut)
            }
        }
        return (indices.map { Int($0) }, keys)
    }
}
