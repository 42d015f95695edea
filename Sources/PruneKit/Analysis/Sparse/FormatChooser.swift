import Synchronization

/// Remembered format choices, so moving back to a step (or measuring the
/// same weights again) costs no new measurement. Shared between threads.
public final class FormatCache: Sendable {
    struct Key: Hashable {
        var weight: String
        var fingerprint: Int
        var batch: Int
        var threads: Int
        var policy: String
    }
    private let entries = Mutex<[Key: LayerFormatChoice]>([:])

    public init() {}

    /// Choices held.
    public var count: Int { entries.withLock { $0.count } }

    func value(_ key: Key) -> LayerFormatChoice? { entries.withLock { $0[key] } }
    func store(_ choice: LayerFormatChoice, for key: Key) { entries.withLock { $0[key] = choice } }
}

/// Picks a Dense layer's format by timing the layer's product in each.
enum FormatChooser {
    /// The fastest applicable format of `values` (or the fixed one of
    /// `policy`) at `batch`, against the dense GEMM, on a seeded input with
    /// values in [0, 1) (as after a ReLU).
    static func choose(
        layer: String, weight: String, values: Tensor, batch: Int, runs: Int, threads: Int, policy: FormatPolicy,
        cache: FormatCache?
    ) -> LayerFormatChoice {
        let key = FormatCache.Key(
            weight: weight, fingerprint: fingerprint(values), batch: batch, threads: threads, policy: "\(policy)")
        if let cached = cache?.value(key) { return cached }
        let dense = DenseWeights(dense: values)
        var rng = SeededRandom(seed: 0x5eed_f0a7)
        let input = Tensor(shape: [dense.cols, batch], data: (0..<(dense.cols * batch)).map { _ in rng.uniform(0, 1) })
        let formats: [SparseFormat]
        switch policy {
        case .fixed(let format): formats = [format]
        case .fastest: formats = SparseFormat.allCases.filter { $0 != .dense }
        }
        var candidates: [SparseFormat: Double] = [:]
        var best: (format: SparseFormat, figure: SpeedFigure)?
        for format in formats {
            guard let kernel = format.kernel(for: values) else { continue }
            // Smaller-dense is the dense GEMM when no row or column is zero.
            if let smaller = kernel as? SmallerDenseWeights,
                smaller.keptRows.count == smaller.rows && smaller.keptColumns.count == smaller.cols
            {
                continue
            }
            let figure = Stopwatch.paired(runs: runs) {
                _ = dense.multiplyFeatureMajor(input, threads: threads)
            } sparse: {
                _ = kernel.multiplyFeatureMajor(input, threads: threads)
            }
            candidates[format] = figure.sparseSeconds
            candidates[.dense] = min(candidates[.dense] ?? .infinity, figure.denseSeconds)
            if best == nil || figure.speedup > best?.figure.speedup ?? 0 { best = (format, figure) }
        }
        let zeros = Mask.zeroCount(values)
        var chosen = best ?? (.dense, SpeedFigure(denseSeconds: 0, sparseSeconds: 0, speedup: 1, spread: 0, runs: 0))
        if policy == .fastest, chosen.figure.speedup < 1 {
            // Slower than dense in every sparse format: keep it dense.
            let d = candidates[.dense] ?? 0
            chosen = (.dense, SpeedFigure(denseSeconds: d, sparseSeconds: d, speedup: 1, spread: 0, runs: chosen.figure.runs))
        }
        let choice = LayerFormatChoice(
            layer: layer, weight: weight, format: chosen.format,
            weightSparsity: values.count == 0 ? 0 : Double(zeros) / Double(values.count),
            figure: chosen.figure, candidates: candidates)
        cache?.store(choice, for: key)
        return choice
    }

    /// A hash of the values' bits (FNV-1a over 64-bit words).
    static func fingerprint(_ values: Tensor) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        hash = (hash ^ UInt64(values.count)) &* 0x100_0000_01b3
        values.data.withUnsafeBufferPointer { v in
            for x in v { hash = (hash ^ UInt64(x.bitPattern)) &* 0x100_0000_01b3 }
        }
        return Int(truncatingIfNeeded: hash)
    }
}

/// Paired wall-clock measurement of two variants of the same work.
enum Stopwatch {
    /// One warm-up call of each, then `runs` runs alternating dense and
    /// sparse. A run repeats a call until it lasts about 50 µs (calls of a
    /// few microseconds are too short to time one by one), the same count for both.
    static func paired(runs: Int, dense: () -> Void, sparse: () -> Void) -> SpeedFigure {
        let clock = ContinuousClock()
        func seconds(_ d: Duration) -> Double {
            Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        }
        func time(_ calls: Int, _ body: () -> Void) -> Double {
            let start = clock.now
            for _ in 0..<calls { body() }
            return seconds(clock.now - start) / Double(calls)
        }
        let warm = min(time(1, dense), time(1, sparse))
        let calls = warm > 0 ? max(1, min(1000, Int(50e-6 / warm))) : 1
        var d = [Double](), s = [Double]()
        for _ in 0..<max(1, runs) {
            d.append(time(calls, dense))
            s.append(time(calls, sparse))
        }
        return SpeedFigure(dense: d, sparse: s)
    }
}
