import Foundation

/// How a Dense layer's weight is stored for inference.
public enum SparseFormat: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
    /// The full matrix, one BLAS GEMM.
    case dense
    /// The matrix without its all-zero rows and columns (the physically
    /// smaller layer of structured pruning), one BLAS GEMM.
    case smallerDense = "smaller-dense"
    /// Compressed sparse rows.
    case csr
    /// Compressed 2:4 (at most 2 non-zeros in every 4 columns of a row).
    case nm24 = "2:4"
    /// 1x8 blocks of a row holding a non-zero.
    case block8 = "block-1x8"

    public var description: String { rawValue }

    /// The weight in this format, or nil when the format does not apply
    /// (2:4 to a matrix that is not 2:4 sparse, blocks to fewer than 8 columns).
    public func kernel(for weight: Tensor) -> (any SparseKernel)? {
        switch self {
        case .dense: DenseWeights(dense: weight)
        case .smallerDense: SmallerDenseWeights(dense: weight)
        case .csr: SparseMatrix(dense: weight)
        case .nm24: NMSparseMatrix(dense: weight, n: 2, m: 4)
        case .block8: BlockSparseMatrix(dense: weight)
        }
    }
}

/// A measured speed-up: `runs` paired runs of a dense and a sparse variant,
/// alternating, each run long enough to time reliably (several calls when
/// one is short).
public struct SpeedFigure: Codable, Sendable, Equatable {
    /// Median seconds of one dense call.
    public var denseSeconds: Double
    /// Median seconds of one sparse call.
    public var sparseSeconds: Double
    /// Median over the runs of dense time / sparse time (> 1: sparse is faster).
    public var speedup: Double
    /// Half the interquartile range of the per-run ratios (the "±").
    public var spread: Double
    /// Paired runs measured.
    public var runs: Int

    public init(denseSeconds: Double, sparseSeconds: Double, speedup: Double, spread: Double, runs: Int) {
        self.denseSeconds = denseSeconds
        self.sparseSeconds = sparseSeconds
        self.speedup = speedup
        self.spread = spread
        self.runs = runs
    }

    /// From per-run times of both variants (same count, paired by index).
    public init(dense: [Double], sparse: [Double]) {
        let ratios = zip(dense, sparse).map { $1 > 0 ? $0 / $1 : 0 }
        denseSeconds = Self.quantile(dense, 0.5)
        sparseSeconds = Self.quantile(sparse, 0.5)
        speedup = Self.quantile(ratios, 0.5)
        spread = (Self.quantile(ratios, 0.75) - Self.quantile(ratios, 0.25)) / 2
        runs = ratios.count
    }

    /// Linear-interpolated quantile `q` in [0, 1] (0 for no values).
    static func quantile(_ values: [Double], _ q: Double) -> Double {
        let sorted = values.sorted()
        guard let first = sorted.first else { return 0 }
        guard sorted.count > 1 else { return first }
        let position = q * Double(sorted.count - 1)
        let low = Int(position.rounded(.down)), high = min(low + 1, sorted.count - 1)
        return sorted[low] + (sorted[high] - sorted[low]) * (position - Double(low))
    }
}

/// One Dense layer's format in a measured pass at one batch size, with the
/// layer's product timed alone in each format.
public struct LayerFormatChoice: Codable, Sendable, Equatable {
    /// Layer name.
    public var layer: String
    /// Weight tensor name.
    public var weight: String
    public var format: SparseFormat
    /// Sparsity of the weight (zeros / total).
    public var weightSparsity: Double
    /// The layer's product alone: chosen format vs dense GEMM (BLAS).
    public var figure: SpeedFigure
    /// Median seconds of every format tried, by format.
    public var candidates: [SparseFormat: Double]
}

/// Which dense forward pass a sparse one was timed against: the faster of
/// the two, measured in the same run.
public enum DenseBaseline: String, Codable, Sendable {
    /// The model's own pass: one row-major BLAS GEMM per Dense layer.
    case modelForward = "model-forward"
    /// The sparse pass's pipeline with every Dense layer a BLAS GEMM on
    /// feature-major activations (no transposes between layers).
    case featureMajor = "feature-major"
}

/// Dense vs sparse inference of a model at one batch size: every Dense
/// layer in the format listed in `layers`, the rest as they are.
public struct SparseInferenceTiming: Codable, Sendable, Equatable {
    /// Samples per forward pass.
    public var batch: Int
    /// The whole forward pass: sparse vs the faster dense one (`baseline`).
    public var total: SpeedFigure
    /// Per Dense layer, its format and the layer's product alone.
    public var layers: [LayerFormatChoice]
    /// Largest absolute difference between the two outputs.
    public var maxAbsDifference: Float
    /// BLAS threads during the dense measurement.
    public var blasThreads: Int
    /// Threads the sparse kernels split rows over.
    public var kernelThreads: Int
    /// The dense pass `total` compares with (nil in timings saved before it was recorded).
    public var baseline: DenseBaseline? = nil
    /// "auto" only: the whole passes it timed before choosing (nil for a
    /// fixed format, or when every layer was slower than dense alone).
    public var trials: [PlanTrial]? = nil

    /// Median seconds of one dense forward pass.
    public var denseSeconds: Double { total.denseSeconds }
    /// Median seconds of one sparse forward pass.
    public var sparseSeconds: Double { total.sparseSeconds }
    /// Measured speed-up of the forward pass (median of per-run ratios).
    public var measuredSpeedup: Double { total.speedup }

    /// The formats used, e.g. "csr" or "csr+dense" (each once, in layer order).
    public var formatSummary: String { Self.summary(of: layers.map(\.format)) }

    /// "csr+dense": each format once, in order.
    static func summary(of formats: [SparseFormat]) -> String {
        var seen = [SparseFormat]()
        for f in formats where !seen.contains(f) { seen.append(f) }
        return seen.map(\.rawValue).joined(separator: "+")
    }
}

/// One whole forward pass "auto" timed before choosing: the per-layer mix
/// or one format everywhere it applies, against the dense pass.
public struct PlanTrial: Codable, Sendable, Equatable {
    /// "per layer", or "all csr" and so on.
    public var label: String
    /// The formats of the pass, e.g. "csr+dense".
    public var formats: String
    public var figure: SpeedFigure

    /// Index of the fastest trial (highest median speed-up, the earlier on a
    /// tie), or nil when none reaches 1x: then the dense pass is fastest.
    public static func winner(_ trials: [PlanTrial]) -> Int? {
        var best: Int?
        for (i, t) in trials.enumerated() where t.figure.speedup >= 1 {
            if best.map({ t.figure.speedup > trials[$0].figure.speedup }) ?? true { best = i }
        }
        return best
    }
}

extension SpeedFigure {
    /// "4.8x ±0.3, 20 runs" (the speed-up and its spread, one decimal).
    public var summary: String {
        let ratio = speedup.isFinite ? String(format: "%.1fx", speedup) : "inf"
        return "\(ratio) ±\(String(format: "%.1f", spread)), \(Format.count(runs, "run"))"
    }
}
