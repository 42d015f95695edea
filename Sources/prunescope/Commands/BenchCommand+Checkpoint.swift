import Foundation
import PruneApps
import PruneKit
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `prunescope bench --checkpoint`: how long inspection mode takes to open a
/// big checkpoint and compute every tensor's statistics and histograms, and
/// how much memory it needs.
extension BenchCommand {
    struct CheckpointReport: Encodable {
        /// The file measured.
        var file: String
        /// True when the file was generated for this run (and removed after).
        var generated: Bool
        /// How the generated file is laid out, e.g. "BERT-style, hidden 768, 2 layers".
        var layout: String?
        var fileBytes: Int
        var tensors: Int
        var parameters: Int
        /// Worker threads of the inspection.
        var threads: Int
        /// Histogram bins per tensor (a value and a magnitude histogram each).
        var bins: Int
        /// Opening (header parse and validation, memory map) plus statistics
        /// and histograms of every tensor, seconds per run.
        var openStatsHistogramsSeconds: Figure
        /// File bytes per second at the median time, in MB (10^6 bytes) per second.
        var medianMegabytesPerSecond: Double
        /// Peak resident memory of the process while opening and inspecting
        /// (getrusage ru_maxrss, after resetting the peak once the file was
        /// written), and the resident memory just before the first open.
        var peakRSSBytes: Int
        var rssBeforeBytes: Int
        /// False when the peak could not be reset, so it includes writing the file.
        var peakExcludesGeneration: Bool
        /// Seconds from opening the file to the inspector's first frame
        /// (statistics started in the background), per run.
        var firstFrameSeconds: Figure
        /// Writing a pruned copy as `inspect --output` does.
        var export: ExportReport
    }

    /// One export of the checkpoint pruned by global magnitude, streamed.
    struct ExportReport: Encodable {
        /// Fraction of the prunable tensors' elements pruned (global magnitude).
        var amount: Double
        var prunedTensors: Int
        var seconds: Double
        var outputBytes: Int
        /// Bytes of the largest tensor of the file.
        var largestTensorBytes: Int
        /// Peak resident memory during the export minus the resident memory
        /// just before it (peak reset first): pages of the mapped source read
        /// (at most the file's size) plus everything else.
        var peakRSSGrowthBytes: Int
        /// Peak of the process's anonymous resident memory (RssAnon, sampled
        /// every millisecond) minus its value before: the memory beyond the
        /// mapped file.
        var peakAnonymousGrowthBytes: Int
    }

    /// Bins per histogram, as `prunescope inspect --json` uses by default.
    static let checkpointBins = 32

    func runCheckpointBenchmark() throws {
        var directory: URL?
        defer { if let directory { try? FileManager.default.removeItem(at: directory) } }
        let path: String
        var generatedShape: String?
        if let checkpointFile {
            path = checkpointFile
        } else {
            let dir = FileManager.default.temporaryDirectory
                .appendingPathComponent("prunescope-bench-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            directory = dir
            path = dir.appendingPathComponent("bert-\(checkpointMB)mb.safetensors").path
            if !json {
                CommandSupport.writeStderr("generating a \(checkpointMB) MB BERT-style checkpoint in \(dir.path) ...\n")
            }
            let bytes = checkpointMB * 1_000_000
            let hidden = CheckpointSynthesis.hiddenSize(approximateBytes: bytes)
            let layout = try CheckpointSynthesis.writeBERT(to: path, approximateBytes: bytes, hidden: hidden, intermediate: 4 * hidden)
            generatedShape =
                "BERT-style, hidden \(hidden), \(layout.filter { $0.name.hasSuffix(".attention.self.query.weight") }.count) layers"
        }
        let fileBytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0

        // Measure the peak from here on, not the generation's buffers.
        let peakReset = ResidentMemory.resetPeak()
        let before = ResidentMemory.current

        var times: [Double] = []
        var shape = (tensors: 0, parameters: 0)
        for run in 0...(runs ?? 5) {  // run 0 is a warm-up
            let t0 = ContinuousClock.now
            let archive = try openTensorArchive(path: path)
            let inspection = try CheckpointInspector.inspect(archive, bins: Self.checkpointBins, threads: threads)
            let elapsed = Self.seconds(ContinuousClock.now - t0)
            shape = (inspection.entries.count, inspection.totalElements)
            if run > 0 { times.append(elapsed) }
        }
        let peakWhileInspecting = ResidentMemory.peak
        let figure = Figure(times)
        let export = try measureExport(path: path, fileBytes: fileBytes)
        var frames: [Double] = []
        for run in 0...(runs ?? 5) {  // run 0 is a warm-up
            let seconds = try InspectorBenchmark.firstFrame(path: path)
            if run > 0 { frames.append(seconds) }
        }
        let report = CheckpointReport(
            file: path, generated: checkpointFile == nil, layout: generatedShape, fileBytes: fileBytes, tensors: shape.tensors,
            parameters: shape.parameters, threads: threads, bins: Self.checkpointBins,
            openStatsHistogramsSeconds: figure,
            medianMegabytesPerSecond: figure.median > 0 ? Double(fileBytes) / 1e6 / figure.median : 0,
            peakRSSBytes: peakWhileInspecting, rssBeforeBytes: before, peakExcludesGeneration: peakReset || checkpointFile != nil,
            firstFrameSeconds: Figure(frames), export: export)
        if json {
            print(try CommandSupport.json(report))
            return
        }
        let mb = { (bytes: Int) in String(format: "%.1f MB", Double(bytes) / 1e6) }
        print(
            "checkpoint: \(generatedShape.map { "generated safetensors (\($0))" } ?? path), \(mb(fileBytes)) "
                + "(\(Format.grouped(fileBytes)) bytes), \(report.tensors) tensors, "
                + "\(Format.grouped(report.parameters)) parameters; \(threads) thread\(threads == 1 ? "" : "s"), \(Self.checkpointBins) histogram bins"
        )
        let rate = { (s: Double) in s > 0 ? String(format: "%.0f", Double(fileBytes) / 1e6 / s) : "-" }
        let rows = [
            [
                "open + statistics + histograms (s)", String(format: "%.3f", figure.median),
                String(format: "%.3f", figure.min), String(format: "%.3f", figure.max), "\(figure.runs) runs",
            ],
            ["throughput (MB/s)", rate(figure.median), rate(figure.max), rate(figure.min), "\(figure.runs) runs"],
        ]
        print(CommandSupport.table(rows, header: ["measure", "median", "min", "max", "runs"]), terminator: "")
        print(
            "peak memory (RSS): \(mb(report.peakRSSBytes)) while opening and inspecting " + "(\(mb(before)) before the first open"
                + (report.peakExcludesGeneration ? "" : "; includes generating the file") + ")")
        let f = report.firstFrameSeconds
        print(
            "inspector first frame (open, list, first render; statistics in the background): median "
                + String(format: "%.3f s, min %.3f, max %.3f over %d runs", f.median, f.min, f.max, f.runs))
        let e = report.export
        print(
            "export (global magnitude \(Format.percent(e.amount)) of \(e.prunedTensors) tensors, streamed): "
                + String(format: "%.2f s, ", e.seconds) + "\(mb(e.outputBytes)) written; peak RSS growth \(mb(e.peakRSSGrowthBytes)) "
                + "(mapped source pages included, file \(mb(fileBytes))), anonymous memory peak growth \(mb(e.peakAnonymousGrowthBytes)) "
                + "(largest tensor \(mb(e.largestTensorBytes)))")
    }
}

extension BenchCommand {
    /// Exports the checkpoint pruned by global magnitude (half of the
    /// prunable weights, as `inspect --output` prunes by default) to a
    /// temporary file beside nothing else, and measures time and memory.
    func measureExport(path: String, fileBytes: Int) throws -> ExportReport {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("prunescope-bench-export-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let output = dir.appendingPathComponent("pruned.safetensors").path
        let amount = 0.5
        // Names and rules first (statistics and ranking are not the export).
        let (rules, record, largest): ([String: CheckpointMaskRule], CheckpointExport.Record, Int) = try {
            let archive = try openTensorArchive(path: path)
            let names = PrunableRules.default.prunable(archive.tensors).map(\.name)
            let (rules, record) = try CheckpointPruning.magnitudeRules(archive, names: names, scope: .global, nOfM: nil, amount: amount)
            return (rules, record, archive.tensors.map(\.byteCount).max() ?? 0)
        }()
        _ = ResidentMemory.resetPeak()
        let before = ResidentMemory.current
        let anonymous = AnonymousMemorySampler()
        let t0 = ContinuousClock.now
        let archive = try openTensorArchive(path: path)
        try CheckpointExport.write(archive, changes: rules.mapValues { .rule($0) }, record: record, to: output)
        let seconds = Self.seconds(ContinuousClock.now - t0)
        let anonymousGrowth = anonymous.stop()
        let peak = ResidentMemory.peak
        let outputBytes = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? 0
        return ExportReport(
            amount: amount, prunedTensors: rules.count, seconds: seconds, outputBytes: outputBytes, largestTensorBytes: largest,
            peakRSSGrowthBytes: max(0, peak - before), peakAnonymousGrowthBytes: anonymousGrowth)
    }
}

/// Samples this process's anonymous resident memory (RssAnon) every
/// millisecond on a thread of its own until stopped; the peak growth over
/// the value at the start. A sampled peak: a spike shorter than a
/// millisecond can be missed.
final class AnonymousMemorySampler: Sendable {
    private let state = Mutex((stop: false, peak: 0))
    private let done = DispatchSemaphore(value: 0)
    private let start: Int

    init() {
        start = ResidentMemory.anonymous
        state.withLock { $0.peak = start }
        let thread = Thread { [self] in
            while !state.withLock({ $0.stop }) {
                let now = ResidentMemory.anonymous
                state.withLock { $0.peak = max($0.peak, now) }
                usleep(1000)
            }
            done.signal()
        }
        thread.start()
    }

    /// Stops sampling; the peak growth in bytes.
    func stop() -> Int {
        let now = ResidentMemory.anonymous
        state.withLock {
            $0.stop = true
            $0.peak = max($0.peak, now)
        }
        done.wait()
        return max(0, state.withLock { $0.peak } - start)
    }
}

/// This process's resident memory, from Linux's /proc and getrusage.
enum ResidentMemory {
    /// Peak resident set size so far (getrusage ru_maxrss), in bytes.
    static var peak: Int {
        var usage = rusage()
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return 0 }
        return Int(usage.ru_maxrss) * 1024
    }

    /// Current resident set size (VmRSS in /proc/self/status), in bytes; 0 if unknown.
    static var current: Int { status("VmRSS:") }

    /// Current anonymous resident memory (RssAnon: not pages of mapped files), in bytes; 0 if unknown.
    static var anonymous: Int { status("RssAnon:") }

    /// A "kB" line of /proc/self/status, in bytes; 0 if unknown.
    private static func status(_ key: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix(key) }),
            let kb = Int(line.dropFirst(key.count).trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "")
        else { return 0 }
        return kb * 1024
    }

    /// Resets the peak to the current size (writes 5 to /proc/self/clear_refs,
    /// Linux 4.0 and later). Returns false if that was refused.
    static func resetPeak() -> Bool {
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        do {
            try handle.write(contentsOf: Data("5".utf8))
            return true
        } catch {
            return false
        }
    }
}
