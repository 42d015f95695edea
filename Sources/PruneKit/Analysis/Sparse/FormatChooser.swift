import Synchronization

/// Remembered layer measurements, so moving back to a step (or measuring
/// the same weights again) costs no new measurement. Shared between threads.
public final class FormatCache: Sendable {
    struct Key: Hashable {
        var weight: String
        var fingerprint: Int
        var batch: Int
        var threads: Int
        var policy: String
    }
    private let entries = Mutex<[Key: LayerMeasurement]>([:])
    private let passes = Mutex<[[Key]: WholePass]>([:])

    /// "auto"'s whole-pass choice for one set of layers.
    struct WholePass: Sendable {
        var formats: [SparseFormat]
        var trials: [PlanTrial]
    }

    public init() {}

    /// Layers held.
    public var count: Int { entries.withLock { $0.count } }

    func value(_ key: Key) -> LayerMeasurement? { entries.withLock { $0[key] } }
    func store(_ measurement: LayerMeasurement, for key: Key) { entries.withLock { $0[key] = measurement } }
    func pass(_ layers: [Key]) -> WholePass? { passes.withLock { $0[layers] } }
    func store(_ pass: WholePass, for layers: [Key]) { passes.withLock { $0[layers] = pass } }
}

/// One Dense layer's product timed in every format that applies to it,
/// each against the dense GEMM (paired runs).
struct LayerMeasurement: Sendable {
    var layer: String
    var weight: String
    /// Zeros / total of the weight.
    var weightSparsity: Double
    /// Each applicable sparse format's figure against the dense GEMM.
    var figures: [SparseFormat: SpeedFigure]
    /// Paired runs per figure.
    var runs: Int
    /// Where a cache keeps it (the weights' fingerprint, batch, threads, policy).
    var key: FormatCache.Key

    /// The format whose figure is fastest, or dense when none beats it.
    var fastest: SparseFormat {
        let best = figures.max { ($0.value.speedup, $1.key.rawValue) < ($1.value.speedup, $0.key.rawValue) }
        guard let best, best.value.speedup >= 1 else { return .dense }
        return best.key
    }

    /// This layer in `format` (dense when the format was not measured for it).
    func choice(_ format: SparseFormat) -> LayerFormatChoice {
        var candidates = figures.mapValues(\.sparseSeconds)
        let dense = figures.values.map(\.denseSeconds).min() ?? 0
        candidates[.dense] = dense
        let figure =
            figures[format]
            ?? SpeedFigure(denseSeconds: dense, sparseSeconds: dense, speedup: 1, spread: 0, runs: runs)
        return LayerFormatChoice(
            layer: layer, weight: weight, format: figures[format] == nil ? .dense : format,
            weightSparsity: weightSparsity, figure: figure, candidates: candidates)
    }
}

/// The weights of one measurement in the formats asked for, each built once:
/// the layer timings, the whole-pass trials and the pass kept share them.
final class KernelShelf {
    private let weights: [String: Tensor]
    private var built: [String: [SparseFormat: (any SparseKernel)?]] = [:]

    /// `weights` by name.
    init(_ weights: [String: Tensor]) { self.weights = weights }

    /// `weight` in `format`, or nil where the format does not apply.
    func kernel(_ weight: String, _ format: SparseFormat) -> (any SparseKernel)? {
        if let known = built[weight]?[format] { return known }
        let made = weights[weight].flatMap { format.kernel(for: $0) }
        built[weight, default: [:]][format] = .some(made)
        return made
    }
}

/// Times a Dense layer's product in each format.
enum FormatChooser {
    /// The layer's product in every applicable format of `policy` (one for
    /// `.fixed`, all sparse ones for `.fastest`) at `batch`, each against the
    /// dense GEMM, on a seeded input with values in [0, 1) (as after a ReLU);
    /// nil when `isCancelled` turned true meanwhile. `kernel` gives the
    /// weight in a format (nil where it does not apply).
    static func measure(
        layer: String, weight: String, values: Tensor, batch: Int, runs: Int, threads: Int, policy: FormatPolicy,
        cache: FormatCache?, kernel: (SparseFormat) -> (any SparseKernel)?, isCancelled: () -> Bool = { false }
    ) -> LayerMeasurement? {
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
        var figures = [SparseFormat: SpeedFigure]()
        for format in formats where format != .dense {
            guard let kernel = kernel(format) else { continue }
            // Smaller-dense is the dense GEMM when no row or column is zero.
            if let smaller = kernel as? SmallerDenseWeights,
                smaller.keptRows.count == smaller.rows && smaller.keptColumns.count == smaller.cols
            {
                continue
            }
            figures[format] = Stopwatch.paired(runs: runs, isCancelled: isCancelled) {
                _ = dense.multiplyFeatureMajor(input, threads: threads)
            } sparse: {
                _ = kernel.multiplyFeatureMajor(input, threads: threads)
            }
        }
        // Cut short: remembered nowhere, used nowhere.
        if isCancelled() { return nil }
        let zeros = Mask.zeroCount(values)
        let measurement = LayerMeasurement(
            layer: layer, weight: weight,
            weightSparsity: values.count == 0 ? 0 : Double(zeros) / Double(values.count), figures: figures,
            runs: max(1, runs), key: key)
        cache?.store(measurement, for: key)
        return measurement
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
    /// Stops after the run in progress once `isCancelled` (fewer runs).
    static func paired(
        runs: Int, isCancelled: () -> Bool = { false }, dense: () -> Void, sparse: () -> Void
    ) -> SpeedFigure {
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
        for _ in 0..<max(1, runs) where !isCancelled() {
            d.append(time(calls, dense))
            s.append(time(calls, sparse))
        }
        return SpeedFigure(dense: d, sparse: s)
    }
}
