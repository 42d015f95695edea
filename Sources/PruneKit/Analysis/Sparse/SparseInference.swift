import CSparseKernels
import Synchronization

/// Which formats the Dense layers of a measured forward pass use.
public enum FormatPolicy: Sendable, Equatable {
    /// Every Dense layer in this format where it applies, dense elsewhere.
    case fixed(SparseFormat)
    /// The fastest whole pass measured ("auto"): each layer in its fastest
    /// format, one format throughout, or dense (see `measure`).
    case fastest
}

/// Dense layers' weights in chosen formats, ready for `SparseInference.forward`.
public struct InferencePlan: Sendable {
    /// Kernels by weight tensor name; Dense layers not listed run as they are.
    public var kernels: [String: any SparseKernel]
    /// Threads the sparse kernels split rows over.
    public var threads: Int

    public init(kernels: [String: any SparseKernel], threads: Int = 1) {
        self.kernels = kernels
        self.threads = threads
    }
}

/// Runs models with sparse Dense layers and measures them against the dense
/// forward pass.
public enum SparseInference {
    /// The instructions the sparse kernels run on this CPU: "AVX-512F" (the
    /// batched products; single samples use AVX2), "AVX2+FMA" or "baseline".
    public static var kernelInstructions: String {
        psk_uses_avx512() != 0 ? "AVX-512F" : psk_uses_avx2() != 0 ? "AVX2+FMA" : "baseline"
    }

    /// Forward pass with every Dense layer's weight in CSR form (`matrices`
    /// keyed by weight name, e.g. from `compress`); other layers call `forward`.
    public static func forward(_ model: Model, _ input: Tensor, matrices: [String: any SparseKernel]) -> Tensor {
        forward(model, input, plan: InferencePlan(kernels: matrices))
    }

    /// Forward pass with the plan's kernels for Dense layers. Runs of Dense
    /// layers and element-wise activations (ReLU, Tanh, inference-mode
    /// Dropout) stay feature-major (`[features, batch]`), transposed once on
    /// entry and once on exit (no transposes at all for one sample).
    public static func forward(_ model: Model, _ input: Tensor, plan: InferencePlan) -> Tensor {
        CompiledForward(model, plan: plan).run(input)
    }

    /// CSR matrices of every Dense weight.
    public static func compress(_ model: Model) -> [String: any SparseKernel] {
        var out = [String: any SparseKernel]()
        for layer in model.layers where layer.kind == .dense {
            if let w = layer.weight { out[w.name] = SparseMatrix(dense: w.value) }
        }
        return out
    }

    /// Whether any Dense weight has a zero: nothing to measure otherwise
    /// (an unpruned model has no sparse speed-up to show).
    public static func hasSparseDense(_ model: Model) -> Bool {
        model.layers.contains { layer in
            layer.kind == .dense && (layer.weight.map { Mask.zeroCount($0.value) > 0 } ?? false)
        }
    }

    /// Times dense vs sparse inference on `input` (`[batch] + inputShape`):
    /// each Dense layer gets a format by `policy`, then `runs` paired runs of
    /// the whole forward pass give the median speed-up and its spread. Timing
    /// is reported, never asserted.
    ///
    /// For `.fastest` ("auto") every layer's product is timed in each format
    /// (or taken from `cache`) and the fastest kept; then that mix is timed
    /// as a whole pass beside every single format used everywhere it
    /// applies, and the fastest whole pass wins, or the dense pass when none
    /// beats it: a layer fastest alone can still lose in the pass (the
    /// transposes it needs are paid by the pass, not by the layer).
    ///
    /// - Parameters:
    ///   - threads: threads of the sparse kernels (default: as many as BLAS uses).
    ///   - cache: remembers each layer's measurement for the same weights, batch and threads.
    public static func measure(
        _ model: Model, input: Tensor, runs: Int = 20, policy: FormatPolicy = .fastest, threads: Int? = nil,
        cache: FormatCache? = nil
    ) -> SparseInferenceTiming {
        guard let timing = measure(model, input: input, runs: runs, policy: policy, threads: threads, cache: cache, isCancelled: { false })
        else { preconditionFailure("a measurement that cannot be cancelled was cancelled") }
        return timing
    }

    /// `measure`, stopping within one timed run once `isCancelled` turns
    /// true (then nil, and nothing is cached).
    public static func measure(
        _ model: Model, input: Tensor, runs: Int = 20, policy: FormatPolicy = .fastest, threads: Int? = nil,
        cache: FormatCache? = nil, isCancelled: () -> Bool
    ) -> SparseInferenceTiming? {
        let threads = max(1, threads ?? BLAS.threads)
        let batch = input.shape.first ?? 1
        let dense = model.layers.compactMap { layer in
            layer.kind == .dense ? layer.weight.map { (layer: layer.name, weight: $0) } : nil
        }
        let shelf = KernelShelf(Dictionary(dense.map { ($0.weight.name, $0.weight.value) }) { a, _ in a })
        var measured = [LayerMeasurement]()
        var denseKernels = [String: any SparseKernel]()
        for (layer, w) in dense {
            guard
                let layerMeasurement = FormatChooser.measure(
                    layer: layer, weight: w.name, values: w.value, batch: batch, runs: runs, threads: threads,
                    policy: policy, cache: cache, kernel: { shelf.kernel(w.name, $0) }, isCancelled: isCancelled)
            else { return nil }
            measured.append(layerMeasurement)
            denseKernels[w.name] = DenseWeights(dense: w.value)
        }
        // The dense baseline is the faster of the model's own pass (a
        // row-major GEMM per layer) and the sparse pass's own pipeline with
        // every layer dense (feature-major GEMMs): sparse must beat the best
        // dense layout, and a plan that keeps every layer dense reads ~1.0x.
        let featureMajorDense = CompiledForward(model, plan: InferencePlan(kernels: denseKernels, threads: threads))
        let layouts = Stopwatch.paired(runs: max(5, runs / 4), isCancelled: isCancelled) {
            _ = model.forward(input, training: false)
        } sparse: {
            _ = featureMajorDense.run(input)
        }
        let baseline: DenseBaseline = layouts.speedup > 1 ? .featureMajor : .modelForward
        let densePass: () -> Void =
            baseline == .featureMajor ? { _ = featureMajorDense.run(input) } : { _ = model.forward(input, training: false) }
        func plan(_ formats: [SparseFormat]) -> InferencePlan {
            var kernels = denseKernels
            for (m, format) in zip(measured, formats) where format != .dense {
                if let kernel = shelf.kernel(m.weight, format) { kernels[m.weight] = kernel }
            }
            return InferencePlan(kernels: kernels, threads: threads)
        }
        var formats: [SparseFormat]
        var trials: [PlanTrial]? = nil
        switch policy {
        case .fixed(let format): formats = measured.map { $0.figures[format] == nil ? .dense : format }
        case .fastest:
            formats = measured.map(\.fastest)
            if let cached = cache?.pass(measured.map(\.key)) {
                (formats, trials) = (cached.formats, cached.trials)
            } else if formats.contains(where: { $0 != .dense }) {
                let tried = wholePassTrials(perLayer: formats, measured: measured) { candidate in
                    let pass = CompiledForward(model, plan: plan(candidate))
                    return Stopwatch.paired(runs: max(5, runs / 4), isCancelled: isCancelled, dense: densePass) {
                        _ = pass.run(input)
                    }
                }
                if isCancelled() { return nil }
                (formats, trials) = (tried.formats, tried.trials)
                cache?.store(FormatCache.WholePass(formats: formats, trials: tried.trials), for: measured.map(\.key))
            }
        }
        let choices = zip(measured, formats).map { $0.choice($1) }
        let chosen = CompiledForward(model, plan: plan(formats))
        let denseOut = model.forward(input, training: false)
        let sparseOut = chosen.run(input)
        var diff: Float = 0
        for (a, b) in zip(denseOut.data, sparseOut.data) { diff = max(diff, abs(a - b)) }
        // A plan that keeps every layer dense is the dense pass: it runs as
        // the faster layout does rather than paying for the other one.
        let allDense = formats.allSatisfy { $0 == .dense }
        let total = Stopwatch.paired(runs: runs, isCancelled: isCancelled, dense: densePass) {
            if allDense { densePass() } else { _ = chosen.run(input) }
        }
        if isCancelled() { return nil }
        return SparseInferenceTiming(
            batch: batch, total: total, layers: choices, maxAbsDifference: diff, blasThreads: BLAS.threads,
            kernelThreads: threads, baseline: baseline, trials: trials)
    }

    /// "auto"'s whole-pass choice: the per-layer mix and each single format
    /// used everywhere it was measured (the distinct ones), each timed by
    /// `time` against the dense pass; the fastest wins, or every layer dense
    /// when none reaches 1x.
    static func wholePassTrials(
        perLayer: [SparseFormat], measured: [LayerMeasurement], time: ([SparseFormat]) -> SpeedFigure
    ) -> (formats: [SparseFormat], trials: [PlanTrial]) {
        var candidates: [(label: String, formats: [SparseFormat])] = [("per layer", perLayer)]
        for format in SparseFormat.allCases where format != .dense {
            let uniform = measured.map { $0.figures[format] == nil ? SparseFormat.dense : format }
            guard uniform.contains(format), !candidates.contains(where: { $0.formats == uniform }) else { continue }
            candidates.append(("all \(format)", uniform))
        }
        let trials = candidates.map { c in
            PlanTrial(label: c.label, formats: SparseInferenceTiming.summary(of: c.formats), figure: time(c.formats))
        }
        return (PlanTrial.winner(trials).map { candidates[$0].formats } ?? perLayer.map { _ in .dense }, trials)
    }
}
