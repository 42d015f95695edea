import Foundation

/// Timing of drawing and diffing frames of the demo screen.
public struct FrameBenchmarkResult: Sendable, CustomStringConvertible {
    public var size: Size
    public var frames: Int
    /// Seconds per frame (render into the buffer + diff against the previous frame).
    public var median: Double
    public var worst: Double
    /// Median cells that changed per frame.
    public var medianChangedCells: Int

    public var description: String {
        let ms = { (s: Double) in Text.fixed(s * 1000, 3) + " ms" }
        return
            "demo frame \(size.width)x\(size.height): median \(ms(median)), worst \(ms(worst)) over \(frames) frames (render + diff; median \(medianChangedCells) changed cells per frame)"
    }
}

/// Measures the demo screen: each frame moves the threshold one step (so the
/// histogram shading, mask heatmap, gauges and readout change), renders the
/// whole screen into a cell buffer and diffs it against the previous frame
/// into an in-memory screen. No terminal output is included.
public enum FrameBenchmark {
    public static func run(
        size: Size = Size(width: 200, height: 60), frames: Int = 500,
        capability: ColorCapability = .truecolor
    ) -> FrameBenchmarkResult {
        var app = DemoApp()
        let context = DrawContext(theme: app.theme, glyphs: .unicode, capability: capability)
        var screen = CellBuffer(size: size)
        var previous: CellBuffer?
        var current = CellBuffer(size: size)
        let blank = Cell(" ", style: Style(fg: context.color(.foreground), bg: context.color(.background)))
        var times: [Double] = []
        var changed: [Int] = []
        times.reserveCapacity(frames)
        let clock = ContinuousClock()
        for i in 0..<max(1, frames) {
            // Sweep the threshold back and forth.
            let key: Key = (i / 40) % 2 == 0 ? .right : .left
            _ = app.handle(.key(key), context: context)
            let start = clock.now
            current.clear(blank)
            app.render(into: &current, context: context)
            let n = screen.apply(current, diffingAgainst: previous)
            let d = clock.now - start
            times.append(Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18)
            changed.append(n)
            let shown = current
            current = previous ?? CellBuffer(size: size)
            previous = shown
        }
        // The first frame draws everything; report steady-state frames.
        let steady = times.count > 1 ? Array(times.dropFirst()) : times
        let sorted = steady.sorted()
        let changedSorted = changed.dropFirst().sorted()
        return FrameBenchmarkResult(
            size: size, frames: steady.count, median: sorted[sorted.count / 2], worst: sorted.last ?? 0,
            medianChangedCells: changedSorted.isEmpty ? changed[0] : changedSorted[changedSorted.count / 2])
    }
}
