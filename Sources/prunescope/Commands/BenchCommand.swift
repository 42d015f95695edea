import ArgumentParser
import CBLAS
import Foundation
import PruneKit

/// `prunescope bench [MODEL]`: training throughput and evaluation latency;
/// `prunescope bench --checkpoint`: inspection time and memory of a big
/// checkpoint (BenchCommand+Checkpoint.swift); `prunescope bench --sparse`:
/// dense vs sparse inference (BenchCommand+Sparse.swift).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure training throughput and evaluation latency of a model, or checkpoint inspection time and memory.",
        discussion: """
            Training: mini-batch SGD steps (forward, backward, optimiser update) \
            at the given batch size on the model's training set, from a copy of \
            its weights. One warm-up epoch, then timed epochs (at least --epochs, \
            and more until about 3 s have been measured); the table shows the \
            median, fastest and slowest in samples per second.

            Evaluation: the forward pass over 1000 samples (validation samples, \
            repeated if there are fewer) as `prunescope eval` runs it; one warm-up, \
            then at least 10 timed repetitions (more until about 1 s), in \
            milliseconds per 1000 samples.

            OpenBLAS runs matrix products with --threads threads and the kernel \
            set named in the first line (prunescope picks the best one this CPU \
            supports unless OPENBLAS_CORETYPE is set). Compare figures between \
            runs of the same build configuration and kernel set (use a release \
            build: swift build -c release). Takes well under 30 s for the sample models.

            Checkpoint (--checkpoint): writes a seeded BERT-style .safetensors of \
            --checkpoint-mb MB (hidden size 768 from about 76 MB, smaller below; \
            F32 with F16 word embeddings, a BF16 attention block and an I64 buffer) \
            to a temporary directory, removed afterwards, then times opening it \
            and computing every tensor's statistics and histograms as `prunescope \
            inspect` does: one warm-up and --runs timed runs, with the file in the \
            page cache (just written). Reports the median, fastest and slowest \
            time, the throughput, and the process's peak resident memory while \
            opening and inspecting. Then the inspector's first frame (open, list, \
            first render, statistics started in the background; median of --runs) \
            and one export of the file pruned by global magnitude (50 % of the \
            prunable tensors, streamed tensor by tensor as inspect --output does): \
            its time, its peak RSS growth (which counts the pages of the mapped \
            source it reads) and the peak growth of anonymous memory (sampled \
            every millisecond), beside the largest tensor. --checkpoint-file \
            measures an existing file instead.

            Sparse (--sparse): prunes copies of the model by global magnitude to \
            50, 70, 80, 90, 95, 98 and 99 % of the prunable weights (and 2:4 at \
            50 %) and times the forward pass at batch 1, 16 and 256 with every \
            Dense layer in CSR, 1x8 blocks, 2:4 (where the weights are 2:4) and \
            "auto" (each layer in the format measured fastest for it; that mix \
            is then timed as a whole pass beside each single format used \
            everywhere, and the fastest pass is kept, or dense when none beats \
            it), each against the dense OpenBLAS forward pass in the same run: --runs \
            paired runs (default 20), median and half the interquartile range \
            of the speed-up. JSON: {"rows": [{"sparsity", "batch", "format", \
            "dense_ms", "sparse_ms", "speedup", ...}]}.

            Examples:
              prunescope bench
              prunescope bench SampleModels/digits-cnn --threads 1
              prunescope bench --json
              prunescope bench --checkpoint
              prunescope bench --checkpoint --checkpoint-mb 500 --runs 3
              prunescope bench --checkpoint-file model.safetensors
              prunescope bench --sparse
              prunescope bench --sparse SampleModels/lenet-300-100 --json
            """
    )

    @Argument(
        help: ArgumentHelp(
            "A model directory, spec .json, or weights file beside a model.json (default: the lenet-300-100 sample).", valueName: "model"))
    var model: String?

    @Option(help: "OpenBLAS threads (with --checkpoint: inspection threads).")
    var threads: Int = 2

    @Option(help: "Samples per training step.")
    var batchSize: Int = 64

    @Option(help: "Minimum number of timed training epochs (after one warm-up epoch).")
    var epochs: Int = 5

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Flag(
        help:
            "Instead of a model, measure opening a generated BERT-style checkpoint and computing every tensor's statistics and histograms (inspection mode), and the peak memory."
    )
    var checkpoint = false

    @Option(
        name: .customLong("checkpoint-mb"),
        help: ArgumentHelp("With --checkpoint: size of the generated checkpoint in MB (10^6 bytes).", valueName: "MB"))
    var checkpointMB: Int = 100

    @Option(
        name: .customLong("checkpoint-file"),
        help: ArgumentHelp(
            "Measure this .safetensors/.pt/.npz/.npy file instead of a generated one (implies --checkpoint; the file is left as it is).",
            valueName: "PATH"))
    var checkpointFile: String?

    @Option(help: "With --checkpoint: timed runs (after one warm-up run); with --sparse: paired dense/sparse runs (default 20).")
    var runs: Int?

    @Flag(
        help:
            "Instead of training, measure dense (OpenBLAS) vs sparse inference at sparsities 50-99 % (global magnitude), batches 1, 16 and 256, per sparse format."
    )
    var sparse = false

    func validate() throws {
        if threads < 1 || threads > 1_024 { throw ValidationError("--threads must be between 1 and 1024") }
        if batchSize < 1 || batchSize > SpecLimits.batchSize {
            throw ValidationError("--batch-size must be between 1 and \(SpecLimits.batchSize)")
        }
        if epochs < 1 || epochs > 10_000 { throw ValidationError("--epochs must be between 1 and 10000") }
        if checkpointMB < 1 || checkpointMB > 100_000 { throw ValidationError("--checkpoint-mb must be between 1 and 100000") }
        if let runs, runs < 1 || runs > 10_000 { throw ValidationError("--runs must be between 1 and 10000") }
        if sparse && (checkpoint || checkpointFile != nil) {
            throw ValidationError("--sparse and --checkpoint measure different things: give one")
        }
    }

    struct Figure: Encodable {
        var median: Double
        var min: Double
        var max: Double
        var runs: Int
        init(_ values: [Double]) {
            let s = values.sorted()
            median = s.isEmpty ? 0 : (s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2)
            min = s.first ?? 0
            max = s.last ?? 0
            runs = s.count
        }
    }

    struct Report: Encodable {
        var model: String
        var parameters: Int
        var threads: Int
        /// OpenBLAS's kernel set, e.g. "SkylakeX" (figures depend on it).
        var blasCore: String
        var batchSize: Int
        var trainSamplesPerEpoch: Int
        var trainSamplesPerSecond: Figure
        var evalMillisecondsPer1000: Figure
    }

    func run() throws {
        if sparse {
            try CommandSupport.reportingErrors { try runSparseBenchmark() }
            return
        }
        if checkpoint || checkpointFile != nil {
            try CommandSupport.reportingErrors { try runCheckpointBenchmark() }
            return
        }
        try CommandSupport.reportingErrors {
            openblas_set_num_threads(Int32(threads))
            let bundle = try ModelBundle.load(path: try ModelLocation.resolve(model))
            try SpecLimits.checkBatchSize(batchSize, for: bundle.model, subject: "--batch-size")
            let trainTarget = Duration.seconds(3), evalTarget = Duration.seconds(1), cap = Duration.seconds(20)

            // Training: each timed run is one full epoch over the training set.
            var config = bundle.spec.training
            config.batchSize = batchSize
            config.epochs = 1
            let trainer = Trainer(model: bundle.model.copy(), config: config)
            _ = trainer.train(on: bundle.train, validation: nil)
            var trainRates: [Double] = []
            let trainStart = ContinuousClock.now
            while trainRates.count < 1_000 {
                let elapsed = ContinuousClock.now - trainStart
                if trainRates.count >= epochs && elapsed >= trainTarget { break }
                if trainRates.count >= 3 && elapsed >= cap { break }
                let t0 = ContinuousClock.now
                _ = trainer.train(on: bundle.train, validation: nil)
                trainRates.append(Double(bundle.train.count) / Self.seconds(ContinuousClock.now - t0))
            }

            // Evaluation: 1000 samples, the validation set repeated as needed.
            let source = bundle.validation.count > 0 ? bundle.validation : bundle.train
            let thousand = source.subset((0..<1000).map { $0 % source.count })
            let net = bundle.model
            _ = evaluate(net, on: thousand)
            var evalTimes: [Double] = []
            let evalStart = ContinuousClock.now
            while evalTimes.count < 10_000 {
                let elapsed = ContinuousClock.now - evalStart
                if evalTimes.count >= 10 && elapsed >= evalTarget { break }
                if evalTimes.count >= 3 && elapsed >= cap { break }
                let t0 = ContinuousClock.now
                _ = evaluate(net, on: thousand)
                evalTimes.append(1000 * Self.seconds(ContinuousClock.now - t0))
            }

            let report = Report(
                model: bundle.spec.name, parameters: net.parameterCount,
                threads: Int(openblas_get_num_threads()), blasCore: BLAS.coreName, batchSize: batchSize,
                trainSamplesPerEpoch: bundle.train.count,
                trainSamplesPerSecond: Figure(trainRates),
                evalMillisecondsPer1000: Figure(evalTimes))
            if json {
                print(try CommandSupport.json(report))
                return
            }
            print(
                "\(report.model): \(Format.grouped(report.parameters)) parameters, "
                    + "OpenBLAS threads \(report.threads), core \(report.blasCore)")
            let t = report.trainSamplesPerSecond, e = report.evalMillisecondsPer1000
            let rows = [
                [
                    "train, batch \(batchSize) (samples/s)", String(format: "%.0f", t.median),
                    String(format: "%.0f", t.min), String(format: "%.0f", t.max), "\(t.runs) epochs of \(report.trainSamplesPerEpoch)",
                ],
                [
                    "eval, 1000 samples (ms)", String(format: "%.2f", e.median),
                    String(format: "%.2f", e.min), String(format: "%.2f", e.max), "\(e.runs) runs",
                ],
            ]
            print(CommandSupport.table(rows, header: ["measure", "median", "min", "max", "runs"]), terminator: "")
        }
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
