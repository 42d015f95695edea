import Foundation
import PruneKit
import PruneTUI

/// Latency from a slider key to a finished frame in the explorer, and how
/// long the background accuracy preview takes.
public struct ExplorerBenchmarkResult: Sendable, CustomStringConvertible {
    public var model: String
    public var size: Size
    public var moves: Int
    /// Seconds from the key to the diffed frame: re-mask, figures, render, diff.
    public var median: Double
    public var worst: Double
    /// Seconds of one accuracy preview (masked copy + validation pass), median.
    public var previewMedian: Double
    public var validationSamples: Int

    public var description: String {
        let ms = { (s: Double) in Text.fixed(s * 1000, 3) + " ms" }
        return """
            explorer slider on \(model), \(size.width)x\(size.height): key to frame median \(ms(median)), worst \(ms(worst)) over \(moves) moves \
            (re-mask, sparsity/FLOPs figures, histogram, heatmap, render, diff; accuracy preview excluded)
            accuracy preview (masked copy + \(validationSamples) validation samples, in the background): median \(ms(previewMedian))
            """
    }
}

public enum ExplorerBenchmark {
    /// Moves the selected layer's slider `moves` times (sweeping right, then
    /// left), timing each key through `handle`, `render` and the diff into an
    /// in-memory screen; then times `previews` accuracy previews.
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
        frame()
        var times = [Double]()
        for i in 0..<max(1, moves) {
            let key: Key = (i / 50) % 2 == 0 ? .right : .left
            let start = clock.now
            _ = app.handle(.key(key), context: context)
            frame()
            times.append(seconds(clock.now - start))
        }
        var previewTimes = [Double]()
        let model = app.model
        if let validation = model.info.validation {
            for _ in 0..<max(1, previews) {
                let start = clock.now
                _ = evaluate(model.preview.planner.previewModel(masks: model.preview.preview.masks), on: validation)
                previewTimes.append(seconds(clock.now - start))
            }
        }
        let sorted = times.sorted(), ps = previewTimes.sorted()
        return ExplorerBenchmarkResult(
            model: model.info.modelName, size: size, moves: times.count, median: sorted[sorted.count / 2],
            worst: sorted.last ?? 0, previewMedian: ps.isEmpty ? 0 : ps[ps.count / 2],
            validationSamples: model.info.validation?.count ?? 0)
    }
}
