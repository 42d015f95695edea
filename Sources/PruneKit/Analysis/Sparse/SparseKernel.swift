import CSparseKernels
import Dispatch

/// A weight matrix `W` (`[rows, cols]`, a Dense layer's `[out, in]`) stored
/// in some format, with a kernel for `W x + b`.
///
/// Activations are feature-major: `xt` is `[cols, batch]` and the result
/// `[rows, batch]`, so a chain of layers needs no transposes between them and
/// every non-zero `w_ij` adds `w_ij * xt[j, :]` to `yt[i, :]` along contiguous
/// memory. For batch 1 this is the plain vector `x`. Formats: `DenseWeights`
/// (BLAS), `SmallerDenseWeights` (zero rows and columns removed), CSR
/// (`SparseMatrix`), compressed N:M (`NMSparseMatrix`) and 1x8 blocks
/// (`BlockSparseMatrix`); `SparseFormat` names them.
public protocol SparseKernel: Sendable {
    var rows: Int { get }
    var cols: Int { get }
    /// Which format this is.
    var format: SparseFormat { get }
    /// Multiply-accumulates per sample for rows `0..<row` (for splitting rows
    /// across threads in equal shares of work).
    func work(beforeRow row: Int) -> Int
    /// Whether the kernel spreads over threads by itself (BLAS) rather than
    /// by rows.
    var threadsItself: Bool { get }
    /// Writes rows `rows` of `yt = W xt (+ bias)`; `yt` is `[self.rows, batch]`.
    func multiplyRows(
        _ rows: Range<Int>, xt: UnsafePointer<Float>, batch: Int, bias: UnsafePointer<Float>?,
        into yt: UnsafeMutablePointer<Float>)
}

extension SparseKernel {
    public var threadsItself: Bool { false }

    /// `W xt (+ bias)` for feature-major `xt` (`[cols, batch]`): `[rows, batch]`.
    ///
    /// Rows are split into `threads` runs of about equal work when the product
    /// is large enough to pay for the threads (about 2^17 multiply-adds); each
    /// row is summed in the same order whatever the split, so the result does
    /// not depend on `threads`.
    public func multiplyFeatureMajor(_ xt: Tensor, bias: Tensor? = nil, threads: Int = 1) -> Tensor {
        let batch = cols == 0 ? 0 : xt.count / cols
        precondition(batch * cols == xt.count, "\(format) kernel: input \(xt.shape) is not [\(cols), batch]")
        precondition(bias == nil || bias?.count == rows, "\(format) kernel: bias needs \(rows) values")
        let out = [Float](unsafeUninitializedCapacity: rows * batch) { y, initialized in
            initialized = y.count
            guard let yBase = y.baseAddress, batch > 0 else { return }
            xt.data.withUnsafeBufferPointer { x in
                guard let xBase = x.baseAddress else { return }
                let run = { (biasBase: UnsafePointer<Float>?) in
                    let splits = threadsItself ? 1 : splitCount(threads: threads, batch: batch)
                    if splits <= 1 {
                        multiplyRows(0..<rows, xt: xBase, batch: batch, bias: biasBase, into: yBase)
                        return
                    }
                    let ranges = rowRanges(splits)
                    // Each thread writes its own rows of the output only.
                    let x = Int(bitPattern: xBase), y = Int(bitPattern: yBase), b = biasBase.map { Int(bitPattern: $0) }
                    DispatchQueue.concurrentPerform(iterations: ranges.count) { part in
                        guard let xp = UnsafePointer<Float>(bitPattern: x), let yp = UnsafeMutablePointer<Float>(bitPattern: y)
                        else { return }
                        multiplyRows(
                            ranges[part], xt: xp, batch: batch, bias: b.flatMap { UnsafePointer<Float>(bitPattern: $0) }, into: yp)
                    }
                }
                if let bias { bias.data.withUnsafeBufferPointer { run($0.baseAddress) } } else { run(nil) }
            }
        }
        return Tensor(shape: [rows, batch], data: out)
    }

    /// `x W^T (+ bias)` for row-major `x` (`[batch, cols]`): `[batch, rows]`,
    /// a Dense layer's product (transposes around `multiplyFeatureMajor`).
    public func multiplyTransposed(_ x: Tensor, bias: Tensor? = nil, threads: Int = 1) -> Tensor {
        let batch = cols == 0 ? 0 : x.count / cols
        let yt = multiplyFeatureMajor(featureMajor(x, batch: batch, features: cols), bias: bias, threads: threads)
        return rowMajor(yt, batch: batch)
    }

    private func splitCount(threads: Int, batch: Int) -> Int {
        guard threads > 1, rows > 1 else { return 1 }
        return work(beforeRow: rows) * batch >= 1 << 17 ? min(threads, rows) : 1
    }

    /// `parts` consecutive row ranges of about equal work.
    private func rowRanges(_ parts: Int) -> [Range<Int>] {
        let total = work(beforeRow: rows)
        var bounds = [0]
        for part in 1..<parts {
            let target = total * part / parts
            var lo = bounds[bounds.count - 1], hi = rows
            while lo < hi {
                let mid = (lo + hi) / 2
                if work(beforeRow: mid) < target { lo = mid + 1 } else { hi = mid }
            }
            bounds.append(lo)
        }
        bounds.append(rows)
        return zip(bounds, bounds.dropFirst()).map { $0..<$1 }.filter { !$0.isEmpty }
    }
}

/// `x`, `batch` samples of `features` values, as feature-major
/// `[features, batch]` (a reshape for one sample).
func featureMajor(_ x: Tensor, batch: Int, features: Int) -> Tensor {
    batch == 1 ? x.reshaped([features, 1]) : transposed2D(x.reshaped([batch, features]))
}

/// Feature-major `xt` (`[features, batch]`) back to `[batch, features]`.
func rowMajor(_ xt: Tensor, batch: Int) -> Tensor {
    batch == 1 ? xt.reshaped([1, xt.count]) : transposed2D(xt)
}

/// Transposes a rank-2 tensor (or any tensor viewed as `[shape[0], rest]`).
func transposed2D(_ x: Tensor) -> Tensor {
    let rows = x.rank == 0 ? 1 : x.shape[0], cols = rows == 0 ? 0 : x.count / rows
    let out = [Float](unsafeUninitializedCapacity: x.count) { dst, initialized in
        initialized = dst.count
        x.data.withUnsafeBufferPointer { src in
            guard let s = src.baseAddress, let d = dst.baseAddress else { return }
            psk_transpose(Int32(rows), Int32(cols), s, d)
        }
    }
    return Tensor(shape: [cols, rows], data: out)
}
