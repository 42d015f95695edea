import Foundation
import PruneKit
import PruneTUI

/// How soon the inspector shows a checkpoint: from opening the file to the
/// first finished frame, with the statistics pass started in the background
/// as `prunescope open FILE` starts it (it keeps running meanwhile).
public enum InspectorBenchmark {
    /// Seconds from opening `path` to the first frame rendered and diffed
    /// into an in-memory screen of `size`. The background pass is cancelled
    /// and waited for afterwards (not timed).
    public static func firstFrame(path: String, size: Size = Size(width: 160, height: 48)) throws -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        let archive = try openTensorArchive(path: path)
        var app = InspectorApp.make(archive: archive, size: size, worker: ThreadWorker(), post: { _ in })
        app.startLoading()
        let context = DrawContext(theme: app.theme, glyphs: .unicode, capability: .truecolor)
        var frame = CellBuffer(size: size)
        app.render(into: &frame, context: context)
        var screen = CellBuffer(size: size)
        _ = screen.apply(frame, diffingAgainst: nil)
        let elapsed = clock.now - start
        _ = app.runner.shutDown(timeout: 60)
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }
}
