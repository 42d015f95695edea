/// A weight matrix kept dense: the product is one BLAS GEMM (OpenBLAS
/// threads it by itself). The baseline every sparse format is measured against.
public struct DenseWeights: SparseKernel {
    public let rows: Int
    public let cols: Int
    /// The `[rows, cols]` values, row-major.
    public let values: Tensor

    public var format: SparseFormat { .dense }
    public var threadsItself: Bool { true }

    /// Keeps `dense` (viewed as `[shape[0], rest]`) as it is.
    public init(dense: Tensor) {
        rows = dense.rank == 0 ? 1 : dense.shape[0]
        cols = rows == 0 ? 0 : dense.count / rows
        values = dense
    }

    public func work(beforeRow row: Int) -> Int { row * cols }

    public func multiplyRows(
        _ range: Range<Int>, xt: UnsafePointer<Float>, batch: Int, bias: UnsafePointer<Float>?,
        into yt: UnsafeMutablePointer<Float>
    ) {
        denseProduct(
            values.data, rows: range, cols: cols, xt: xt, batch: batch, bias: bias, into: yt + range.lowerBound * batch)
    }
}

/// A weight matrix without its all-zero rows and columns: the dense GEMM of
/// the physically smaller layer that structured pruning leaves (removed
/// neurons and the inputs nothing reads), run in place of the full one.
/// Rows that are all zero output their bias.
public struct SmallerDenseWeights: SparseKernel {
    public let rows: Int
    public let cols: Int
    /// Rows with a non-zero, ascending.
    public let keptRows: [Int]
    /// Columns with a non-zero, ascending.
    public let keptColumns: [Int]
    /// `[keptRows.count, keptColumns.count]` values.
    public let values: [Float]

    public var format: SparseFormat { .smallerDense }
    public var threadsItself: Bool { true }

    /// Packs `dense` (viewed as `[shape[0], rest]`) without its zero rows and columns.
    public init(dense: Tensor) {
        let rows = dense.rank == 0 ? 1 : dense.shape[0]
        let cols = rows == 0 ? 0 : dense.count / rows
        var rowAlive = [Bool](repeating: false, count: rows), colAlive = [Bool](repeating: false, count: cols)
        for r in 0..<rows {
            for c in 0..<cols where dense.data[r * cols + c] != 0 {
                rowAlive[r] = true
                colAlive[c] = true
            }
        }
        keptRows = rowAlive.indices.filter { rowAlive[$0] }
        keptColumns = colAlive.indices.filter { colAlive[$0] }
        var packed = [Float]()
        packed.reserveCapacity(keptRows.count * keptColumns.count)
        for r in keptRows { for c in keptColumns { packed.append(dense.data[r * cols + c]) } }
        values = packed
        self.rows = rows
        self.cols = cols
    }

    public func work(beforeRow row: Int) -> Int { row * keptColumns.count }

    /// Gathers the kept input rows, multiplies, scatters the kept output rows.
    public func multiplyRows(
        _ range: Range<Int>, xt: UnsafePointer<Float>, batch: Int, bias: UnsafePointer<Float>?,
        into yt: UnsafeMutablePointer<Float>
    ) {
        for r in range { (yt + r * batch).update(repeating: bias?[r] ?? 0, count: batch) }
        let inner = keptColumns.count
        guard inner > 0, !keptRows.isEmpty else { return }
        let gathered = [Float](unsafeUninitializedCapacity: inner * batch) { g, initialized in
            initialized = g.count
            guard let base = g.baseAddress else { return }
            for (i, c) in keptColumns.enumerated() { (base + i * batch).update(from: xt + c * batch, count: batch) }
        }
        let product = [Float](unsafeUninitializedCapacity: keptRows.count * batch) { p, initialized in
            initialized = p.count
            gathered.withUnsafeBufferPointer { g in
                guard let gBase = g.baseAddress, let pBase = p.baseAddress else { return }
                denseProduct(values, rows: 0..<keptRows.count, cols: inner, xt: gBase, batch: batch, bias: nil, into: pBase)
            }
        }
        product.withUnsafeBufferPointer { p in
            for (i, r) in keptRows.enumerated() where range.contains(r) {
                let row = yt + r * batch
                for s in 0..<batch { row[s] += p[i * batch + s] }
            }
        }
    }
}
/// `yt = W[rows] xt (+ bias[rows])` through BLAS; `yt` points at the first row written.
func denseProduct(
    _ weights: [Float], rows: Range<Int>, cols: Int, xt: UnsafePointer<Float>, batch: Int,
    bias: UnsafePointer<Float>?, into yt: UnsafeMutablePointer<Float>
) {
    var beta: Float = 0
    if let bias {
        for (i, r) in rows.enumerated() { (yt + i * batch).update(repeating: bias[r], count: batch) }
        beta = 1
    }
    guard cols > 0 else {
        if bias == nil { yt.update(repeating: 0, count: rows.count * batch) }
        return
    }
    weights.withUnsafeBufferPointer { w in
        guard let wBase = w.baseAddress else { return }
        BLAS.gemm(m: rows.count, n: batch, k: cols, a: wBase + rows.lowerBound * cols, b: xt, c: yt, beta: beta)
    }
}
