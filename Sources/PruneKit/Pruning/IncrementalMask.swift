/// The mask a cut through a `ScoreIndex` gives (the index's base mask with
/// its `k` lowest-scoring unpruned elements also pruned), kept up to date as
/// the cut moves: moving from k to k' touches only the |k' - k| elements in
/// between, not the tensor. A live slider over a 10M-weight layer costs the
/// weights it moves over.
///
/// It also counts what the figures of the masked tensor need without a pass
/// over it: how many of the newly pruned elements are non-zero (the zeros the
/// cut adds) and how many rows still hold a non-zero (units alive).
///
/// Building one is a pass over the tensor (copy of the base mask, non-zeros
/// per row); every `move(to:)` after that is O(|k' - k|). The mask's storage
/// is mutated in place while nobody else holds it (copy-on-write otherwise).
public struct IncrementalMask: Sendable {
    /// The ranking the cut goes through.
    public let index: ScoreIndex
    /// Elements pruned beyond the base mask: `index.order[0..<k]`.
    public private(set) var k = 0
    /// The base mask with the `k` lowest-scoring unpruned elements pruned.
    public private(set) var mask: Tensor
    /// Newly pruned elements whose value is not zero: the zeros the cut adds.
    public private(set) var newlyZeroed = 0
    /// Rows (first dimension: neurons, filters) with at least one non-zero
    /// value left under the mask.
    public private(set) var rowsWithNonzero: Int
    /// For each rank of the index (`index.order[i]`): the row of its element,
    /// or -1 when its value is zero. Read front to back as the cut moves, so
    /// the only scattered access of a move is the mask's own store.
    private let rankRows: [Int32]
    /// Non-zero values left in each row under the mask.
    private var rowNonzero: [Int32]

    /// A cut at k = 0 through `index`, over the tensor's current `values`
    /// (same element count as the index).
    public init(index: ScoreIndex, values: Tensor) {
        precondition(values.count == index.total, "values have \(values.count) elements, the index \(index.total)")
        let base = index.baseMask ?? Mask.ones(index.shape)
        let rows = max(1, index.shape.first ?? 1)
        let width = index.total / rows
        var counts = [Int32](repeating: 0, count: rows)
        values.data.withUnsafeBufferPointer { v in
            base.data.withUnsafeBufferPointer { m in
                for r in 0..<rows {
                    var n: Int32 = 0
                    for i in (r * width)..<((r + 1) * width) where v[i] != 0 && m[i] != 0 { n += 1 }
                    counts[r] = n
                }
            }
        }
        // Which values are zero, as bits (an eighth of a MB per million
        // weights, so the lookups in rank order stay in cache).
        let zero = IncrementalMask.bits(count: values.count) { values.data[$0] == 0 }
        var ranks = [Int32](repeating: -1, count: index.order.count)
        index.order.withUnsafeBufferPointer { order in
            zero.withUnsafeBufferPointer { z in
                for i in 0..<order.count {
                    let e = order[i]
                    if z[e >> 6] & (1 << UInt64(e & 63)) == 0 { ranks[i] = Int32(width == 0 ? 0 : e / width) }
                }
            }
        }
        self.index = index
        rankRows = ranks
        mask = base
        rowNonzero = counts
        rowsWithNonzero = counts.reduce(0) { $0 + ($1 > 0 ? 1 : 0) }
    }

    /// Moves the cut so that the `newK` lowest-scoring unpruned elements are
    /// pruned (clamped to 0...order.count). O(|newK - k|).
    public mutating func move(to newK: Int) {
        let target = min(max(newK, 0), index.order.count)
        guard target != k else { return }
        var zeroed = newlyZeroed, alive = rowsWithNonzero
        let from = k
        index.order.withUnsafeBufferPointer { order in
            rankRows.withUnsafeBufferPointer { ranks in
                mask.data.withUnsafeMutableBufferPointer { m in
                    rowNonzero.withUnsafeMutableBufferPointer { rows in
                        if target > from {
                            for i in from..<target {
                                m[order[i]] = 0
                                let r = Int(ranks[i])
                                guard r >= 0 else { continue }
                                zeroed += 1
                                rows[r] -= 1
                                if rows[r] == 0 { alive -= 1 }
                            }
                        } else {
                            for i in target..<from {
                                m[order[i]] = 1
                                let r = Int(ranks[i])
                                guard r >= 0 else { continue }
                                zeroed -= 1
                                if rows[r] == 0 { alive += 1 }
                                rows[r] += 1
                            }
                        }
                    }
                }
            }
        }
        k = target
        newlyZeroed = zeroed
        rowsWithNonzero = alive
    }

    /// A bit set of `count` bits, bit i set where `test(i)` holds (read front to back).
    public static func bits(count: Int, _ test: (Int) -> Bool) -> [UInt64] {
        var out = [UInt64](repeating: 0, count: (count + 63) / 64)
        for i in 0..<count where test(i) { out[i >> 6] |= 1 << UInt64(i & 63) }
        return out
    }
}
