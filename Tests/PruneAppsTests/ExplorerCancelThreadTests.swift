import Foundation
import PruneKit
import Synchronization
import Testing

@testable import PruneApps
@testable import PruneTUI

/// Background work on a real thread (`ThreadWorker`) that is no longer
/// wanted stops: when the app quits (the terminal is restored at once, but
/// the process waits for its threads), and when a new step makes the
/// measurement of the old one pointless.
@Suite(.serialized) struct ExplorerCancelThreadTests {
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

    @Test func aNewStepCancelsTheMeasurementOfTheOldOne() throws {
        let h = try H()
        let measured = Mutex<[(generation: Int, timings: Int)]>([])
        let driver = FrameDriver { post in
            ExplorerApp.make(
                session: h.session, bundle: h.bundle, size: Size(width: 120, height: 40), worker: ThreadWorker(),
                post: { message in
                    if case .inferenceMeasured(let g, let timings) = message {
                        measured.withLock { $0.append((g, timings.count)) }
                    }
                    post(message)
                })
        }
        func apply(_ target: String) {
            for key in [Key.char("t")] + target.map { Key.char($0) } + [.enter, .enter] { driver.step(.key(key)) }
        }
        apply("80%")
        #expect(driver.idle(upTo: 60) { $0.job == nil && $0.inference.inFlight != nil })
        let first = try #require(driver.app.model.inference.inFlight)
        // The next step is published while the first is still being timed
        // (seconds in a debug build): that measurement stops and posts nothing.
        apply("90%")
        #expect(driver.idle(upTo: 120) { $0.job == nil && !$0.inference.isPending && $0.inference.inFlight == nil })
        #expect(driver.shutDown())
        let posts = measured.withLock { $0 }
        #expect(posts.first { $0.generation == first }?.timings == 0, "\(posts)")
        // The published step's measurement finished: batch 1 and 256.
        let model = driver.app.model
        #expect(posts.last?.generation == model.inference.generation)
        #expect(model.inference.value?.count == 2)
    }

    @Test func quittingStopsAnExport() throws {
        let h = try H()
        let worker = ThreadWorker()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("prunescope-quit-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let messages = Mutex<[String]>([])
        let driver = FrameDriver { post in
            ExplorerApp.make(
                session: h.session, bundle: h.bundle, size: Size(width: 120, height: 40), worker: worker,
                post: { message in
                    if case .jobFinished(let text, _) = message { messages.withLock { $0.append(text) } }
                    post(message)
                }, exportDirectory: dir.path + "/export", sessionDirectory: dir.path + "/session", measureInference: false)
        }
        // A step, then e and Enter: the export writes its files, then times
        // sparse vs dense inference (seconds in a debug build).
        for key in [Key.char("t")] + "90%".map { Key.char($0) } + [.enter, .enter] { driver.step(.key(key)) }
        #expect(driver.idle(upTo: 60) { $0.job == nil })
        driver.step(.key(.char("e")))
        driver.step(.key(.enter))
        #expect(driver.app.model.job != nil)
        driver.step(.key(.char("q")))
        #expect(driver.app.model.modal == .confirm(.quit))
        var ctx = driver.context
        ctx.now = 100
        guard case .quit = driver.app.handle(.key(.char("y")), context: ctx) else {
            Issue.record("y to Quit? did not quit")
            return
        }
        #expect(worker.waitUntilIdle(timeout: 60))
        #expect(messages.withLock { $0.last } == "export cancelled: \(dir.path)/export is as it was")
        // Nothing of the set was left behind: no export, no temporary directory.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { !$0.hasPrefix("session") } == [])
    }
}
