import CBLAS

/// Matrix products through OpenBLAS `cblas_sgemm`.
public enum BLAS {
    /// C = alpha * op(A) * op(B) + beta * C, all row-major.
    ///
    /// - Parameters:
    ///   - m, n, k: op(A) is m x k, op(B) is k x n, C is m x n.
    ///   - transA, transB: whether A (stored k x m) / B (stored n x k) are transposed.
    @inlinable
    public static func gemm(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, transA: Bool = false,
        b: UnsafePointer<Float>, transB: Bool = false,
        c: UnsafeMutablePointer<Float>,
        alpha: Float = 1, beta: Float = 0
    ) {
        if m == 0 || n == 0 { return }
        let lda = transA ? m : k
        let ldb = transB ? k : n
        cblas_sgemm(
            CblasRowMajor,
            transA ? CblasTrans : CblasNoTrans,
            transB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k),
            alpha, a, Int32(max(lda, 1)), b, Int32(max(ldb, 1)),
            beta, c, Int32(max(n, 1)))
    }

    /// Sets how many threads OpenBLAS may use (benchmarks pin this).
    public static func setThreads(_ count: Int) {
        openblas_set_num_threads(Int32(count))
    }

    /// Threads OpenBLAS currently uses.
    public static var threads: Int { Int(openblas_get_num_threads()) }

    /// The kernel set OpenBLAS runs, e.g. "SkylakeX" or "Prescott" (chosen
    /// when the library loads; see `BLASCoreType`).
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }
}

extension Tensor {
    /// Matrix product of two rank-2 tensors: `op(a) x op(b)`.
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        precondition(a.rank == 2 && b.rank == 2, "matmul needs rank-2 tensors, got \(a.shape) and \(b.shape)")
        let m = transposeA ? a.shape[1] : a.shape[0]
        let k = transposeA ? a.shape[0] : a.shape[1]
        let kb = transposeB ? b.shape[1] : b.shape[0]
        let n = transposeB ? b.shape[0] : b.shape[1]
        precondition(k == kb, "matmul inner dimensions differ: \(a.shape) x \(b.shape)")
        var out = Tensor.zeros([m, n])
        a.data.withUnsafeBufferPointer { pa in
            b.data.withUnsafeBufferPointer { pb in
                out.data.withUnsafeMutableBufferPointer { pc in
                    BLAS.gemm(
                        m: m, n: n, k: k,
                        a: pa.baseAddress!, transA: transposeA,
                        b: pb.baseAddress!, transB: transposeB,
                        c: pc.baseAddress!)
                }
            }
        }
        return out
    }
}
