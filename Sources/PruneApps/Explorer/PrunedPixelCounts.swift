import PruneKit
import PruneTUI

/// The "fraction pruned" heatmap of one layer, kept as counts per pixel and
/// moved with the slider: a move updates the pixels of the weights its cut
/// crosses instead of re-reading the layer.
///
/// Entries are grouped into pixels exactly as `Heatmap.pixels(width:height:)`
/// groups a downsampled matrix; an entry counts as pruned when its mask is 0
/// or its value is exactly 0, and NaN entries do not count (as there).
/// Building is one pass over the layer; `advance(to:order:)` costs the
/// entries between the old and the new cut. A view cache (held in a `Memo`),
/// used on the UI thread only.
final class PrunedPixelCounts {
    let width: Int
    let height: Int
    /// Entries before the cut through the ranking `order` that are pruned now.
    private(set) var k = 0
    private let columns: Int
    private let values: [Float]
    private let rowPixel: [Int32]
    private let columnPixel: [Int32]
    private var total: [Int32]
    private var pruned: [Int32]
    /// For each rank of the ranking the cut goes through: the pixel of its
    /// entry, or -1 for an entry that reads as pruned anyway (zero, NaN).
    /// Made on the first move (the ranking is fixed for this cache's key).
    private var rankPixels: [Int32]?

    /// Counts of `values` (rows x columns, row-major) under the committed
    /// `mask`, for an image of width x height pixels (each at most the
    /// matrix's extent: a downsampled image).
    init(values: Tensor, mask: Tensor?, rows: Int, columns: Int, width: Int, height: Int) {
        self.width = width
        self.height = height
        self.columns = columns
        self.values = values.data
        rowPixel = Heatmap.pixelOfEntry(entries: rows, pixels: height)
        columnPixel = Heatmap.pixelOfEntry(entries: columns, pixels: width)
        var total = [Int32](repeating: 0, count: width * height)
        var pruned = [Int32](repeating: 0, count: width * height)
        let (rowPixel, columnPixel) = (self.rowPixel, self.columnPixel)
        values.data.withUnsafeBufferPointer { v in
            for r in 0..<rows {
                let base = Int(rowPixel[r]) * width
                for c in 0..<columns {
                    let i = r * columns + c
                    if v[i].isNaN { continue }
                    let p = base + Int(columnPixel[c])
                    total[p] += 1
                    if v[i] == 0 || (mask?.data[i] ?? 1) == 0 { pruned[p] += 1 }
                }
            }
        }
        self.total = total
        self.pruned = pruned
    }

    /// Moves the cut to `newK` entries of `order` (the ranking's unpruned
    /// entries, lowest score first) pruned beyond the committed mask.
    func advance(to newK: Int, order: [Int]) {
        let target = min(max(0, newK), order.count)
        guard target != k else { return }
        if rankPixels?.count != order.count { rankPixels = pixels(of: order) }
        let delta: Int32 = target > k ? 1 : -1
        let (lo, hi) = (min(k, target), max(k, target))
        rankPixels?.withUnsafeBufferPointer { ranks in
            pruned.withUnsafeMutableBufferPointer { counts in
                for i in lo..<hi {
                    let p = Int(ranks[i])
                    if p >= 0 { counts[p] += delta }
                }
            }
        }
        k = target
    }

    /// The pixel of each entry of `order`, -1 for zeros and NaN (they read as pruned whatever the mask says).
    private func pixels(of order: [Int]) -> [Int32] {
        var out = [Int32](repeating: -1, count: order.count)
        let columns = self.columns, width = self.width
        // Bits, not the values: the lookups in rank order stay in cache.
        let prunedAnyway = values.withUnsafeBufferPointer { v in IncrementalMask.bits(count: v.count) { v[$0] == 0 || v[$0].isNaN } }
        order.withUnsafeBufferPointer { o in
            prunedAnyway.withUnsafeBufferPointer { z in
                for i in 0..<o.count {
                    let e = o[i]
                    guard z[e >> 6] & (1 << UInt64(e & 63)) == 0 else { continue }
                    out[i] = rowPixel[e / columns] * Int32(width) + columnPixel[e % columns]
                }
            }
        }
        return out
    }

    /// The pixels `Heatmap.pixels` computes for the fraction pruned.
    func pixels() -> [Double?] {
        (0..<total.count).map { p in total[p] == 0 ? .nan : Double(pruned[p]) / Double(total[p]) }
    }
}
