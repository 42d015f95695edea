import CBLAS
import Foundation
import PruneKit

/// `prunescope bench --sparse`: dense vs sparse inference of a model pruned
/// by global magnitude to several sparsities, per batch size and format.
extension BenchCommand {
    /// Prunable-weight sparsities of the sweep (global magnitude).
    static let sparseSweepSparsities: [Double] = [0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99]
    /// Samples per forward pass.
    static let sparseSweepBatches = [1, 16, 256]

    struct SparseRow: Encodable {
        /// Target sparsity of the prunable weights.
        var sparsity: Double
        /// How the weights were pruned: "global magnitude" or "2:4 magnitude".
        var pruning: String
        var batch: Int
        /// "csr", "nm24", "block" or "auto" (the fastest whole pass of the trials).
        var format: String
        /// The formats the layers ran in, in layer order (e.g. "csr+dense").
        var layerFormats: String
        /// The dense pass timed: "model-forward" or "feature-major", whichever was faster.
        var baseline: String
        var denseMilliseconds: Double
        var sparseMilliseconds: Double
        /// Median over the runs of dense time / sparse time.
        var speedup: Double
        /// Half the interquartile range of the per-run ratios.
        var spread: Double
        var runs: Int
        /// "auto" only: the whole passes timed before choosing, e.g.
        /// {"label": "all csr", "formats": "csr", "speedup": 2.4}.
        var trials: [Trial]?

        struct Trial: Encodable {
            var label: String
            var formats: String
            var speedup: Double
        }

        enum CodingKeys: String, CodingKey {
            case sparsity, pruning, batch, format, baseline, speedup, spread, runs, trials
            case layerFormats = "layer_formats"
            case denseMilliseconds = "dense_ms"
            case sparseMilliseconds = "sparse_ms"
        }
    }

    struct SparseReport: Encodable {
        var model: String
        var threads: Int
        var blasCore: String
        /// The instructions the sparse kernels ran: "AVX-512F", "AVX2+FMA" or "baseline".
        var kernelInstructions: String
        var rows: [SparseRow]
    }

    func runSparseBenchmark() throws {
        let runs = self.runs ?? 20
        openblas_set_num_threads(Int32(threads))
        let bundle = try ModelBundle.load(path: try ModelLocation.resolve(model))
        let source = bundle.validation.count > 0 ? bundle.validation : bundle.train
        guard source.count > 0 else { throw PruningError(bundle.spec.name, "no samples to run") }
        guard bundle.model.layers.contains(where: { $0.kind == .dense }) else {
            throw PruningError(bundle.spec.name, "no Dense layer: the sparse kernels run Dense layers only")
        }
        let inputs = Dictionary(
            uniqueKeysWithValues: Self.sparseSweepBatches.map { batch in
                (batch, source.batch((0..<batch).map { $0 % source.count }).inputs)
            })
        var rows = [SparseRow]()
        func measure(_ net: Model, sparsity: Double, pruning: String, formats: [(String, FormatPolicy)]) {
            for batch in Self.sparseSweepBatches {
                guard let input = inputs[batch] else { continue }
                for (name, policy) in formats {
                    if !json { CommandSupport.writeStderr("\(Format.percent(sparsity)) \(pruning), batch \(batch), \(name)\n") }
                    let t = SparseInference.measure(net, input: input, runs: runs, policy: policy, threads: threads)
                    rows.append(
                        SparseRow(
                            sparsity: sparsity, pruning: pruning, batch: batch, format: name, layerFormats: t.formatSummary,
                            baseline: t.baseline?.rawValue ?? DenseBaseline.modelForward.rawValue,
                            denseMilliseconds: t.total.denseSeconds * 1000, sparseMilliseconds: t.total.sparseSeconds * 1000,
                            speedup: t.total.speedup, spread: t.total.spread, runs: t.total.runs,
                            trials: t.trials?.map { .init(label: $0.label, formats: $0.formats, speedup: $0.figure.speedup) }))
                }
            }
        }
        let formats: [(String, FormatPolicy)] = [("csr", .fixed(.csr)), ("block", .fixed(.block8)), ("auto", .fastest)]
        for sparsity in Self.sparseSweepSparsities {
            let net = bundle.model.copy()
            try PruningSession(model: net).prune(PruneRequest(scope: .global, amount: .sparsity(sparsity)))
            measure(net, sparsity: sparsity, pruning: "global magnitude", formats: formats)
            if sparsity == 0.5 {
                let nm = bundle.model.copy()
                try PruningSession(model: nm).prune(PruneRequest(granularity: .nOfM(n: 2, m: 4), amount: .implied))
                measure(nm, sparsity: 0.5, pruning: "2:4 magnitude", formats: [("nm24", .fixed(.nm24)), ("auto", .fastest)])
            }
        }
        let report = SparseReport(
            model: bundle.spec.name, threads: Int(openblas_get_num_threads()), blasCore: BLAS.coreName,
            kernelInstructions: SparseInference.kernelInstructions, rows: rows)
        if json {
            print(try CommandSupport.json(report))
            return
        }
        print(
            "\(report.model): dense = OpenBLAS (\(report.blasCore), \(report.threads) threads), the faster of the model's "
                + "pass and the feature-major one (dense pass); sparse kernels "
                + "\(report.kernelInstructions), \(report.threads) threads; median of \(runs) runs")
        let table = rows.map { r in
            [
                Format.percent(r.sparsity, digits: 0) + (r.pruning == "2:4 magnitude" ? " 2:4" : ""), "\(r.batch)", r.format,
                String(format: "%.4f", r.denseMilliseconds), String(format: "%.4f", r.sparseMilliseconds),
                String(format: "%.2fx ±%.2f", r.speedup, r.spread), r.layerFormats, r.baseline,
            ]
        }
        print(
            CommandSupport.table(
                table, header: ["sparsity", "batch", "format", "dense ms", "sparse ms", "speed-up", "layers", "dense pass"]),
            terminator: "")
    }
}
