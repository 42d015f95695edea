import Foundation
import PruneKit
import PruneTUI

/// Latency from a slider key to a finished frame in the explorer, and how
/// long the background accuracy preview takes.
public struct ExplorerBenchmarkResult: Sendable, CustomStringConvertible {
    /// Key-to-frame times of one sweep of the slider, in seconds.
    public struct Sweep: Sendable {
        /// "selected layer fc1 (235,200 weights)" or "global (266,200 weights)".
        public var slider: String
        /// The first move, which ranks the weights (builds the sorted index)
        /// and makes the masks the later moves update in place.
        public var first: Double
        /// Every later move: percentiles by nearest rank.
        public var moves: Int
        public var p50: Double
        public var p99: Double
        public var max: Double
        /// The same moves in CPU time of the UI thread: without the time
        /// other processes took the CPU away (a shared machine's p99 is
        /// mostly that).
        public var cpuP50: Double
        public var cpuP99: Double

        init(slider: String, times: [Double], cpuTimes: [Double]) {
            self.slider = slider
            first = times.first ?? 0
            let steady = Array(times.dropFirst()).sorted()
            moves = steady.count
            p50 = Sweep.percentile(steady, 0.50)
            p99 = Sweep.percentile(steady, 0.99)
            max = steady.last ?? 0
            let cpu = Array(cpuTimes.dropFirst()).sorted()
            cpuP50 = Sweep.percentile(cpu, 0.50)
            cpuP99 = Sweep.percentile(cpu, 0.99)
        }

        /// The nearest-rank percentile of ascending `values`.
        static func percentile(_ values: [Double], _ p: Double) -> Double {
            guard !values.isEmpty else { return 0 }
            let rank = Int((p * Double(values.count)).rounded(.up))
            return values[Swift.min(values.count, Swift.max(1, rank)) - 1]
        }
    }

    public var model: String
    public var parameters: Int
    public var size: Size
    public var sweeps: [Sweep]
    /// Seconds of one accuracy preview (masked copy + validation pass), median.
    public var previewMedian: Double
    public var validationSamples: Int
    /// Decision grids of screen 6 (two-input models only): the terminal
    /// size, the grid in points, and the median seconds of the grid's
    /// forward pass alone and of the whole background job (model copy,
    /// masks, grid, validation predictions).
    public var boundaryGrids: [(size: Size, columns: Int, rows: Int, grid: Double, job: Double)] = []

    public var description: String {
        let ms = { (s: Double) in Text.fixed(s * 1000, 3) + " ms" }
        var lines = [
            "explorer slider on \(model) (\(Format.grouped(parameters)) parameters), \(size.width)x\(size.height): "
                + "key to finished frame (re-mask, figures, histogram, heatmap, render, diff; accuracy preview excluded)"
        ]
        for s in sweeps {
            lines.append(
                "  \(s.slider): p50 \(ms(s.p50)), p99 \(ms(s.p99)), max \(ms(s.max)) over \(s.moves) moves "
                    + "(CPU time p50 \(ms(s.cpuP50)), p99 \(ms(s.cpuP99))); first move (ranks the weights) \(ms(s.first))")
        }
        lines.append(
            "accuracy preview (masked copy + \(validationSamples) validation samples, in the background): median \(ms(previewMedian))")
        for b in boundaryGrids {
            lines.append(
                "decision grid at \(b.size.width)x\(b.size.height) (\(b.columns)x\(b.rows) = \(Format.grouped(b.columns * b.rows)) points): "
                    + "median \(ms(b.grid)) forward pass, \(ms(b.job)) whole background job")
        }
        return lines.joined(separator: "\n")
    }
}

public enum ExplorerBenchmark {
    /// Sweeps the selected layer's slider, then the global one, `moves` keys
    /// each (right for 50 keys, then left for 50, and so on), timing each key
    /// through `handle`, `render` and the diff into an in-memory screen; then
    /// times `previews` accuracy previews.
    public static func run(
        session: PruningSession, bundle: ModelBundle?, size: Size = Size(width: 160, height: 48), moves: Int = 200,
        previews: Int = 10
    ) -> ExplorerBenchmarkResult {
        // Background values are never launched (no tick): the key, the update, the frame.
        var app = ExplorerApp.make(
            session: session, bundle: bundle, size: size, worker: InlineWorker(), post: { _ in },
            measureInference: false)
        let context = DrawContext(theme: app.theme, glyphs: .unicode, capability: .truecolor)
        var screen = CellBuffer(size: size)
        var previous: CellBuffer?
        var current = CellBuffer(size: size)
        let blank = Cell(" ", style: Style(fg: context.color(.foreground), bg: context.color(.background)))
        let clock = ContinuousClock()
        func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
        func frame() {
            current.clear(blank)
            app.render(into: &current, context: context)
            _ = screen.apply(current, diffingAgainst: previous)
            let shown = current
            current = previous ?? CellBuffer(size: size)
            previous = shown
        }
        func sweep() -> (wall: [Double], cpu: [Double]) {
            var times = [Double](), cpuTimes = [Double]()
            for i in 0..<max(2, moves) {
                let key: Key = (i / 50) % 2 == 0 ? .right : .left
                let cpuStart = threadCPUSeconds()
                let start = clock.now
                _ = app.handle(.key(key), context: context)
                frame()
                times.append(seconds(clock.now - start))
                cpuTimes.append(threadCPUSeconds() - cpuStart)
            }
            return (times, cpuTimes)
        }
        frame()
        var sweeps = [ExplorerBenchmarkResult.Sweep]()
        if let layer = app.model.selected {
            let name = "selected layer \(layer.name) (\(Format.grouped(layer.count)) weights)"
            let (wall, cpu) = sweep()
            sweeps.append(ExplorerBenchmarkResult.Sweep(slider: name, times: wall, cpuTimes: cpu))
        }
        // The previews of one scope are dropped when the scope changes (as a user's `g` does).
        _ = app.handle(.key(.char("g")), context: context)
        frame()
        let prunable = app.model.layers.reduce(0) { $0 + $1.count }
        let (wall, cpu) = sweep()
        sweeps.append(ExplorerBenchmarkResult.Sweep(slider: "global (\(Format.grouped(prunable)) weights)", times: wall, cpuTimes: cpu))

        var previewTimes = [Double]()
        let model = app.model
        if let validation = model.info.validation {
            for _ in 0..<max(1, previews) {
                let start = clock.now
                let net = model.preview.planner.model.copy()
                PrunePlanner.apply(model.preview.evaluationMasks().materialized(), to: net)
                _ = evaluate(net, on: validation)
                previewTimes.append(seconds(clock.now - start))
            }
        }
        let ps = previewTimes.sorted()
        var result = ExplorerBenchmarkResult(
            model: model.info.modelName, parameters: session.model.parameterCount, size: size, sweeps: sweeps,
            previewMedian: ps.isEmpty ? 0 : ps[ps.count / 2], validationSamples: model.info.validation?.count ?? 0)
        if model.boundaryUnsupported == nil {
            for gridSize in [Size(width: 80, height: 24), Size(width: 160, height: 48)] {
                _ = app.handle(.resize(gridSize), context: context)
                let request = app.model.boundaryRequest()
                var grids = [Double](), jobs = [Double]()
                for _ in 0..<max(1, previews) {
                    let start = clock.now
                    let net = app.model.preview.planner.model.copy()
                    PrunePlanner.apply(app.model.preview.evaluationMasks().materialized(), to: net)
                    let gridStart = clock.now
                    _ = DecisionGrid.evaluate(net, columns: request.columns, rows: request.rows, x: request.x, y: request.y)
                    grids.append(seconds(clock.now - gridStart))
                    if let validation = model.info.validation { _ = predictions(net, on: validation) }
                    jobs.append(seconds(clock.now - start))
                }
                grids.sort()
                jobs.sort()
                result.boundaryGrids.append((gridSize, request.columns, request.rows, grids[grids.count / 2], jobs[jobs.count / 2]))
            }
        }
        return result
    }
}

/// CPU time of the calling thread, in seconds.
private func threadCPUSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}
