import Foundation
import PruneKit
import Testing

@testable import PruneApps
@testable import PruneTUI

/// Decision grids on real threads (`ThreadWorker`) while frames are drawn
/// and keys arrive without pause: slider moves, scope, layers, resizes,
/// screen switches, an apply. No crash; frames meanwhile show the last
/// finished grid; at rest the picture is the current state's, and equals
/// the grid computed here on the UI thread.
@Suite(.serialized) struct ExplorerBoundaryThreadTests {
    typealias H = ExplorerHarness

    static let storm: [AppEvent<ExplorerMessage>] = [
        .key(.right), .key(.right), .key(.right), .key(.char("g")), .key(.right), .key(.end), .key(.left),
        .resize(Size(width: 120, height: 40)), .key(.right), .key(.down), .key(.right), .key(.char("1")), .key(.right),
        .key(.char("6")), .resize(Size(width: 160, height: 48)), .key(.home), .key(.char("g")), .key(.right),
        .key(.char("2")), .key(.char("6")), .key(.up), .key(.right), .key(.right),
    ]

    @Test func gridsOnARealThreadWithFramesAndKeys() throws {
        let repetitions = Int(ProcessInfo.processInfo.environment["STRESS_REPETITIONS"] ?? "") ?? 5
        for repetition in 0..<repetitions {
            let h = try H("spirals-mlp")
            let driver = FrameDriver { post in
                ExplorerApp.make(
                    session: h.session, bundle: h.bundle, size: Size(width: 160, height: 48), worker: ThreadWorker(), post: post,
                    measureInference: false)
            }
            var framesWithAnOlderGrid = 0
            driver.afterFrame = { m, buffer in
                if m.screen == .boundary, let shown = m.boundaryShown, shown.generation < m.boundary.generation {
                    framesWithAnOlderGrid += 1
                    // The frame says what it shows: the older grid's own label.
                    #expect(buffer.text.contains("Decision boundary · " + shown.request.label))
                }
            }
            // The first grid, at rest: from then on there is a finished grid to show while others compute.
            driver.step(.key(.char("6")))
            driver.idle(upTo: 60) { $0.boundaryShown != nil }
            #expect(driver.app.model.boundaryShown?.request.label == "step 0")
            // Keys a few milliseconds apart (a held key repeats every 30-50 ms):
            // a grid at 160x48 takes longer than that in a debug build, so
            // several arrive while one computes, and some grids finish meanwhile.
            for event in Self.storm + Self.storm + [.key(.enter)] + Self.storm {
                driver.step(event)
                Thread.sleep(forTimeInterval: 0.004)
            }
            // Then at rest: until the job and the grids are done.
            driver.idle(upTo: 120) { m in
                m.job == nil && !m.boundary.isPending && m.boundary.inFlight == nil && !m.previewAccuracy.isPending
            }
            #expect(driver.shutDown())
            let model = driver.app.model
            #expect(model.screen == .boundary)
            let picture = try #require(model.boundaryShown, "repetition \(repetition)")
            #expect(picture.generation == model.boundary.generation, "repetition \(repetition): the last grid is not the current one")
            let request = model.boundaryRequest()
            #expect(picture.request == request, "repetition \(repetition)")
            let net = request.preview ? model.preview.planner.model.copy() : model.session.model.copy()
            if request.preview { PrunePlanner.apply(model.preview.evaluationMasks().materialized(), to: net) }
            let inline = DecisionGrid.evaluate(net, columns: request.columns, rows: request.rows, x: request.x, y: request.y)
            #expect(picture.grid == inline, "repetition \(repetition): the thread's grid differs from the inline one")
            #expect(framesWithAnOlderGrid > 0, "repetition \(repetition): no frame was drawn while a grid computed")
        }
    }
}
