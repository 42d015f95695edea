import CSparseKernels

/// A matrix with at most `n` non-zeros in every group of `m` consecutive
/// columns of a row (N:M, e.g. 2:4), compressed to `n` values per group and
/// each value's column within its group (`log2(m)` bits of information,
/// stored as one byte here), as Ampere's sparse tensor cores and
/// cuSPARSELt store 2:4 weights.
///
/// Every row holds exactly `cols / m * n` slots, so no row pointers are
/// needed; a group with fewer than `n` non-zeros pads with zeros.
public struct NMSparseMatrix: SparseKernel {
    public let rows: Int
    public let cols: Int
    /// Kept values per group.
    public let n: Int
    /// Group width in columns.
    public let m: Int
    /// `rows x cols / m x n` values, row by row, group by group.
    public let values: [Float]
    /// Column of each value within its group, `0..<m`.
    public let offsets: [UInt8]

    public var format: SparseFormat { .nm24 }

    /// Slots per row (`cols / m * n`).
    public var slotsPerRow: Int { cols / m * n }

    /// Compresses `dense` (viewed as `[shape[0], rest]`), or nil when it does
    /// not fit: the width is not a multiple of `m`, or some group has more
    /// than `n` non-zeros.
    public init?(dense: Tensor, n: Int = 2, m: Int = 4) {
        guard n >= 1, m > n, m <= 256, dense.rank >= 1 else { return nil }
        let rows = dense.shape[0]
        let cols = rows == 0 ? 0 : dense.count / rows
        guard cols % m == 0 else { return nil }
        let slots = cols / m * n
        var values = [Float](repeating: 0, count: rows * slots)
        var offsets = [UInt8](repeating: 0, count: rows * slots)
        let fits = dense.data.withUnsafeBufferPointer { d -> Bool in
            for r in 0..<rows {
                for g in 0..<(cols / m) {
                    var kept = 0
                    let slot = r * slots + g * n
                    for j in 0..<m where d[r * cols + g * m + j] != 0 {
                        if kept == n { return false }
                        values[slot + kept] = d[r * cols + g * m + j]
                        offsets[slot + kept] = UInt8(j)
                        kept += 1
                    }
                    // Padding slots point at distinct columns with value 0.
                    var next = 0
                    while kept < n {
                        while (0..<kept).contains(where: { offsets[slot + $0] == UInt8(next) }) { next += 1 }
                        offsets[slot + kept] = UInt8(next)
                        kept += 1
                    }
                }
            }
            return true
        }
        guard fits else { return nil }
        self.rows = rows
        self.cols = cols
        self.n = n
        self.m = m
        self.values = values
        self.offsets = offsets
    }

    public func work(beforeRow row: Int) -> Int { row * slotsPerRow }

    public func multiplyRows(
        _ range: Range<Int>, xt: UnsafePointer<Float>, batch: Int, bias: UnsafePointer<Float>?,
        into yt: UnsafeMutablePointer<Float>
    ) {
        values.withUnsafeBufferPointer { vs in
            offsets.withUnsafeBufferPointer { os in
                let (lo, hi) = (Int32(range.lowerBound), Int32(range.upperBound))
                let (slots, n32, m32) = (Int32(slotsPerRow), Int32(n), Int32(m))
                if batch == 1 {
                    psk_nm_spmv(lo, hi, slots, n32, m32, os.baseAddress, vs.baseAddress, xt, bias, yt)
                } else {
                    psk_nm_spmm(lo, hi, slots, n32, m32, os.baseAddress, vs.baseAddress, xt, Int32(batch), Int32(cols), bias, yt)
                }
            }
        }
    }
}
