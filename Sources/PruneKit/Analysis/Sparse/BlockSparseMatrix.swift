import CSparseKernels

/// A matrix stored as 1x8 blocks: runs of 8 consecutive columns of a row
/// with at least one non-zero, kept whole (zeros included).
///
/// The batch-1 product is one 8-wide multiply-add per block, so it pays
/// when non-zeros cluster along rows (block pruning, or dense-ish layers);
/// for scattered non-zeros it does up to 8x the work of CSR. Blocks start
/// at multiples of 8, except a last partial block, which is moved left to
/// end at the last column (its columns before the move are zeros).
public struct BlockSparseMatrix: SparseKernel {
    /// Columns per block.
    public static let width = 8
    public let rows: Int
    public let cols: Int
    /// Start of each row in `blockColumns`, `rows + 1` entries.
    public let blockStart: [Int32]
    /// First column of each block.
    public let blockColumns: [Int32]
    /// `8 x blocks` values, block by block.
    public let values: [Float]

    public var format: SparseFormat { .block8 }

    /// Stored blocks.
    public var blocks: Int { blockColumns.count }

    /// Compresses `dense` (viewed as `[shape[0], rest]`), or nil when it is
    /// narrower than one block.
    public init?(dense: Tensor) {
        let width = Self.width
        guard dense.rank >= 1 else { return nil }
        let rows = dense.shape[0]
        let cols = rows == 0 ? 0 : dense.count / rows
        guard cols >= width else { return nil }
        var start = [Int32](repeating: 0, count: rows + 1)
        var blockColumns = [Int32]()
        var values = [Float]()
        dense.data.withUnsafeBufferPointer { d in
            for r in 0..<rows {
                var c0 = 0
                while c0 < cols {
                    let end = min(c0 + width, cols)
                    if (c0..<end).contains(where: { d[r * cols + $0] != 0 }) {
                        let first = min(c0, cols - width)
                        blockColumns.append(Int32(first))
                        for c in first..<(first + width) { values.append(c >= c0 ? d[r * cols + c] : 0) }
                    }
                    c0 += width
                }
                start[r + 1] = Int32(blockColumns.count)
            }
        }
        self.rows = rows
        self.cols = cols
        self.blockStart = start
        self.blockColumns = blockColumns
        self.values = values
    }

    public func work(beforeRow row: Int) -> Int { Self.width * Int(blockStart[row]) }

    public func multiplyRows(
        _ range: Range<Int>, xt: UnsafePointer<Float>, batch: Int, bias: UnsafePointer<Float>?,
        into yt: UnsafeMutablePointer<Float>
    ) {
        blockStart.withUnsafeBufferPointer { bs in
            blockColumns.withUnsafeBufferPointer { bc in
                values.withUnsafeBufferPointer { vs in
                    let (lo, hi) = (Int32(range.lowerBound), Int32(range.upperBound))
                    if batch == 1 {
                        psk_block8_spmv(lo, hi, bs.baseAddress, bc.baseAddress, vs.baseAddress, xt, bias, yt)
                    } else {
                        psk_block8_spmm(lo, hi, bs.baseAddress, bc.baseAddress, vs.baseAddress, xt, Int32(batch), Int32(cols), bias, yt)
                    }
                }
            }
        }
    }
}
