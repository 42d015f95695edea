import Foundation
import PruneKit
import Testing

@testable import PruneApps
@testable import PruneTUI

/// Quitting while background work runs on a real thread (`ThreadWorker`):
/// the work stops rather than holding the exit (the terminal is restored at
/// once, but the process waits for its threads).
@Suite(.serialized) struct ExplorerQuitThreadTests {
    typealias H = ExplorerHarness

    @Test func quittingStopsTheInferenceMeasurement() throws {
        let h = try H()
        let worker = ThreadWorker()
        let driver = FrameDriver { post in
            ExplorerApp.make(session: h.session, bundle: h.bundle, size: Size(width: 120, height: 40), worker: worker, post: post)
        }
        // Apply a step: its sparse-vs-dense measurement starts in the background.
        for key in [Key.char("t")] + "90%".map { Key.char($0) } + [.enter, .enter] { driver.step(.key(key)) }
        #expect(driver.idle(upTo: 60) { $0.job == nil && $0.inference.inFlight != nil })
        // Frames go on; then q, and y to the Quit? question (the step is unsaved).
        for _ in 0..<3 { driver.step(nil) }
        driver.step(.key(.char("q")))
        #expect(driver.app.model.modal == .confirm(.quit))
        var ctx = driver.context
        ctx.now = 100
        let action = driver.app.handle(.key(.char("y")), context: ctx)
        guard case .quit = action else {
            Issue.record("y to Quit? did not quit")
            return
        }
        // As `prunescope open` does after the app returns: wait for the
        // worker. The measurement was cut short and posted nothing to show.
        #expect(worker.waitUntilIdle(timeout: 60))
        for m in driver.mailbox.drain() { _ = driver.app.handle(.message(m), context: ctx) }
        let generation = driver.app.model.inference.generation
        #expect(driver.app.model.inference.inFlight == nil)
        #expect(driver.app.model.inference.value?.isEmpty == true, "generation \(generation)")
    }
}
