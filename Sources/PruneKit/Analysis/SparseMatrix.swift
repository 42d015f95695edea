/// A matrix in compressed sparse row (CSR) form, for measured sparse inference.
///
/// Built from a dense `[rows, cols]` tensor keeping the non-zeros only.
/// `multiplyTransposed` computes `x W^T` (a Dense layer's product) in
/// O(batch x nonzeros), against the dense GEMM's O(batch x rows x cols).
public struct SparseMatrix: Sendable {
    public let rows: Int
    public let cols: Int
    /// Start of each row in `columns`/`values`, `rows + 1` entries.
    public let rowStart: [Int32]
    /// Column of each non-zero.
    public let columns: [Int32]
    /// Value of each non-zero.
    public let values: [Float]

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

    /// `x W^T (+ bias)` for `x` of shape `[batch, cols]`: output `[batch, rows]`.
    ///
    /// For a batch, the input is transposed once to `[cols, batch]` so each
    /// non-zero adds `v * x[:, c]` to `y[:, r]` along contiguous memory (a
    /// loop the compiler vectorises); a single sample uses the row dot products.
    public func multiplyTransposed(_ x: Tensor, bias: Tensor? = nil) -> Tensor {
        let batch = cols == 0 ? 0 : x.count / cols
        var out = [Float](repeating: 0, count: batch * rows)
        if batch <= 1 {
            x.data.withUnsafeBufferPointer { xs in
                out.withUnsafeMutableBufferPointer { o in
                    rowStart.withUnsafeBufferPointer { rs in
                        columns.withUnsafeBufferPointer { cs in
                            values.withUnsafeBufferPointer { vs in
                                for b in 0..<batch {
                                    for r in 0..<rows {
                                        var acc: Float = 0
                                        var k = Int(rs[r])
                                        let end = Int(rs[r + 1])
                                        while k < end { acc += vs[k] * xs[b * cols + Int(cs[k])]; k += 1 }
                                        o[b * rows + r] = acc
                                    }
                                }
                            }
                        }
                    }
                }
            }
        } else {
            var xt = [Float](repeating: 0, count: batch * cols)
            var yt = [Float](repeating: 0, count: batch * rows)
            x.data.withUnsafeBufferPointer { xs in
                xt.withUnsafeMutableBufferPointer { t in
                    for b in 0..<batch { for c in 0..<cols { t[c * batch + b] = xs[b * cols + c] } }
                }
            }
            xt.withUnsafeBufferPointer { t in
                yt.withUnsafeMutableBufferPointer { y in
                    rowStart.withUnsafeBufferPointer { rs in
                        columns.withUnsafeBufferPointer { cs in
                            values.withUnsafeBufferPointer { vs in
                                guard let tb = t.baseAddress, let yb = y.baseAddress else { return }
                                for r in 0..<rows {
                                    let yr = yb + r * batch
                                    for k in Int(rs[r])..<Int(rs[r + 1]) {
                                        let v = vs[k]
                                        let xc = tb + Int(cs[k]) * batch
                                        for b in 0..<batch { yr[b] += v * xc[b] }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            yt.withUnsafeBufferPointer { y in
                out.withUnsafeMutableBufferPointer { o in
                    for r in 0..<rows { for b in 0..<batch { o[b * rows + r] = y[r * batch + b] } }
                }
            }
        }
        if let bias {
            out.withUnsafeMutableBufferPointer { o in
                bias.data.withUnsafeBufferPointer { bs in
                    for b in 0..<batch { for r in 0..<rows { o[b * rows + r] += bs[r] } }
                }
            }
        }
        return Tensor(shape: [batch, rows], data: out)
    }
}

extension SparseMatrix {
    /// `W x (+ bias)` in feature-major layout: `xt` is `[cols, batch]`,
    /// the result `[rows, batch]`. Each non-zero is one contiguous axpy over
    /// the batch, so a chain of sparse layers needs no transposes between them.
    public func multiplyFeatureMajor(_ xt: Tensor, bias: Tensor? = nil) -> Tensor {
        let batch = cols == 0 ? 0 : xt.count / cols
        var yt = [Float](repeating: 0, count: rows * batch)
        xt.data.withUnsafeBufferPointer { t in
            yt.withUnsafeMutableBufferPointer { y in
                rowStart.withUnsafeBufferPointer { rs in
                    columns.withUnsafeBufferPointer { cs in
                        values.withUnsafeBufferPointer { vs in
                            guard let tb = t.baseAddress, let yb = y.baseAddress else { return }
                            for r in 0..<rows {
                                let yr = yb + r * batch
                                if let bias { let b = bias.data[r]; for i in 0..<batch { yr[i] = b } }
                                for k in Int(rs[r])..<Int(rs[r + 1]) {
                                    let v = vs[k]
                                    let xc = tb + Int(cs[k]) * batch
                                    for i in 0..<batch { yr[i] += v * xc[i] }
                                }
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: [rows, batch], data: yt)
    }
}

/// Transposes a rank-2 tensor.
func transposed2D(_ x: Tensor) -> Tensor {
    let r = x.shape[0], c = x.count / max(x.shape[0], 1)
    var out = [Float](repeating: 0, count: x.count)
    x.data.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            let block = 32
            var i0 = 0
            while i0 < r {
                var j0 = 0
                while j0 < c {
                    for i in i0..<min(i0 + block, r) { for j in j0..<min(j0 + block, c) { dst[j * r + i] = src[i * c + j] } }
                    j0 += block
                }
                i0 += block
            }
        }
    }
    return Tensor(shape: [c, r], data: out)
}

/// Wall-clock comparison of a model's dense forward pass with a forward pass
/// whose Dense layers use `SparseMatrix` (other layers run as usual).
public struct SparseInferenceTiming: Codable, Sendable, Equatable {
    /// Samples per forward pass.
    public var batch: Int
    /// Best-of-`repeats` seconds for one dense forward pass (BLAS GEMM).
    public var denseSeconds: Double
    /// Best-of-`repeats` seconds for one sparse (CSR) forward pass.
    public var sparseSeconds: Double
    /// Largest absolute difference between the two outputs.
    public var maxAbsDifference: Float
    /// BLAS threads during the dense measurement.
    public var blasThreads: Int

    /// Measured speed-up: dense time / sparse time (> 1 means sparse is faster).
    public var measuredSpeedup: Double { sparseSeconds > 0 ? denseSeconds / sparseSeconds : 0 }
}

/// Runs models with CSR Dense layers.
public enum SparseInference {
    /// Forward pass with every Dense layer's weight in CSR form (`matrices`
    /// keyed by weight name, from `compress`); other layers call `forward`.
    /// Runs of Dense layers and element-wise activations (ReLU, Tanh,
    /// inference-mode Dropout) stay in feature-major layout, transposed once
    /// on entry and once on exit.
    public static func forward(_ model: Model, _ input: Tensor, matrices: [String: SparseMatrix]) -> Tensor {
        var x = input
        var featureMajor = false
        let batch = input.shape.first ?? 1
        if batch <= 1 {
            // One sample: row dot products, no transposes.
            for layer in model.layers {
                if layer.kind == .dense, let w = layer.weight, let m = matrices[w.name] {
                    x = m.multiplyTransposed(x.reshaped([batch, x.count / max(batch, 1)]), bias: layer.bias?.value)
                } else {
                    x = layer.forward(x, training: false)
                }
            }
            return x
        }
        for layer in model.layers {
            if layer.kind == .dense, let w = layer.weight, let m = matrices[w.name] {
                if !featureMajor {
                    x = transposed2D(x.reshaped([batch, x.count / max(batch, 1)]))
                    featureMajor = true
                }
                x = m.multiplyFeatureMajor(x, bias: layer.bias?.value)
            } else if featureMajor, [.relu, .tanh, .dropout].contains(layer.kind) {
                x = layer.forward(x, training: false)
            } else {
                if featureMajor { x = transposed2D(x); featureMajor = false }
                x = layer.forward(x, training: false)
            }
        }
        if featureMajor { x = transposed2D(x) }
        return x
    }

    /// CSR matrices of every Dense weight.
    public static func compress(_ model: Model) -> [String: SparseMatrix] {
        var out = [String: SparseMatrix]()
        for layer in model.layers where layer.kind == .dense {
            if let w = layer.weight { out[w.name] = SparseMatrix(dense: w.value) }
        }
        return out
    }

    /// Times dense vs sparse inference on `input` (`[batch] + inputShape`),
    /// best of `repeats` runs each after one warm-up. Timing is reported,
    /// never asserted.
    public static func measure(_ model: Model, input: Tensor, repeats: Int = 5) -> SparseInferenceTiming {
        let matrices = compress(model)
        let clock = ContinuousClock()
        func best(_ body: () -> Tensor) -> (Double, Tensor) {
            var out = body()
            var bestTime = Double.infinity
            for _ in 0..<max(1, repeats) {
                let t0 = clock.now
                out = body()
                let d = clock.now - t0
                let secs = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
                bestTime = min(bestTime, secs)
            }
            return (bestTime, out)
        }
        let (dt, dOut) = best { model.forward(input, training: false) }
        let (st, sOut) = best { forward(model, input, matrices: matrices) }
        var diff: Float = 0
        for (a, b) in zip(dOut.data, sOut.data) { diff = max(diff, abs(a - b)) }
        return SparseInferenceTiming(
            batch: input.shape.first ?? 1, denseSeconds: dt, sparseSeconds: st,
            maxAbsDifference: diff, blasThreads: BLAS.threads)
    }
}
