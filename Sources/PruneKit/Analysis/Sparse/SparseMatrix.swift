import CSparseKernels

/// A matrix in compressed sparse row (CSR) form, for measured sparse inference.
///
/// Built from a dense `[rows, cols]` tensor keeping the non-zeros only. The
/// product costs O(batch x nonzeros), against the dense GEMM's
/// O(batch x rows x cols); batch 1 runs row dot products (SpMV), batches the
/// feature-major SpMM of `SparseKernel`.
public struct SparseMatrix: SparseKernel {
    public let rows: Int
    public let cols: Int
    /// Start of each row in `columns`/`values`, `rows + 1` entries.
    public let rowStart: [Int32]
    /// Column of each non-zero.
    public let columns: [Int32]
    /// Value of each non-zero.
    public let values: [Float]

    public var format: SparseFormat { .csr }

    /// Non-zero count.
    public var nonzeros: Int { values.count }

    /// Compresses a rank-2 tensor (or any tensor viewed as `[shape[0], rest]`).
    public init(dense: Tensor) {
        let rows = dense.rank == 0 ? 1 : dense.shape[0]
        let cols = rows == 0 ? 0 : dense.count / rows
        var start = [Int32](repeating: 0, count: rows + 1)
        var columns = [Int32]()
        var values = [Float]()
        dense.data.withUnsafeBufferPointer { d in
            for r in 0..<rows {
                for c in 0..<cols {
                    let v = d[r * cols + c]
                    if v != 0 { columns.append(Int32(c)); values.append(v) }
                }
                start[r + 1] = Int32(values.count)
            }
        }
        self.rows = rows
        self.cols = cols
        self.rowStart = start
        self.columns = columns
        self.values = values
    }

    public func work(beforeRow row: Int) -> Int { Int(rowStart[row]) }

    public func multiplyRows(
        _ range: Range<Int>, xt: UnsafePointer<Float>, batch: Int, bias: UnsafePointer<Float>?,
        into yt: UnsafeMutablePointer<Float>
    ) {
        rowStart.withUnsafeBufferPointer { rs in
            columns.withUnsafeBufferPointer { cs in
                values.withUnsafeBufferPointer { vs in
                    let (lo, hi) = (Int32(range.lowerBound), Int32(range.upperBound))
                    if batch == 1 {
                        psk_csr_spmv(lo, hi, rs.baseAddress, cs.baseAddress, vs.baseAddress, xt, bias, yt)
                    } else {
                        psk_csr_spmm(lo, hi, rs.baseAddress, cs.baseAddress, vs.baseAddress, xt, Int32(batch), Int32(cols), bias, yt)
                    }
                }
            }
        }
    }
}
