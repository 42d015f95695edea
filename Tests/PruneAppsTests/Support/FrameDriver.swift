import Foundation
import PruneKit

@testable import PruneApps
@testable import PruneTUI

/// The explorer driven as the real app loop drives it, for tests whose jobs
/// and background values run on a real thread: each `step` is one frame (the
/// event if any, the messages the worker posted meanwhile, a tick, a full
/// render), 31 ms of app time after the one before.
final class FrameDriver {
    var app: ExplorerApp
    let mailbox: Mailbox<ExplorerMessage>
    private(set) var buffer: CellBuffer
    private(set) var now = 0.0
    let context = DrawContext(theme: .builtinDefault, glyphs: .unicode, capability: .truecolor)
    /// Called after each frame is drawn, with the model and the frame.
    var afterFrame: ((ExplorerModel, CellBuffer) -> Void)?

    /// `make` builds the app around the `post` it is given.
    init(make: (_ post: @escaping @Sendable (ExplorerMessage) -> Void) -> ExplorerApp) {
        let mailbox = Mailbox<ExplorerMessage>()
        self.mailbox = mailbox
        app = make { mailbox.post($0) }
        buffer = CellBuffer(size: app.model.size)
    }

    func step(_ event: AppEvent<ExplorerMessage>?) {
        now += 0.031
        var ctx = context
        ctx.now = now
        if let event { _ = app.handle(event, context: ctx) }
        for m in mailbox.drain() { _ = app.handle(.message(m), context: ctx) }
        _ = app.tick(now: now)
        buffer.resize(to: app.model.size, fill: Cell(" "))
        app.render(into: &buffer, context: ctx)
        afterFrame?(app.model, buffer)
    }

    /// Frames 2 ms apart until `done` holds or `seconds` pass; returns whether it held.
    @discardableResult
    func idle(upTo seconds: Double, until done: (ExplorerModel) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while !done(app.model) {
            guard Date() < deadline else { return false }
            step(nil)
            Thread.sleep(forTimeInterval: 0.002)
        }
        return true
    }

    /// Stops the worker and takes in what it posted last; returns whether it stopped in time.
    @discardableResult
    func shutDown() -> Bool {
        let stopped = app.runner.shutDown(timeout: 30)
        for m in mailbox.drain() { _ = app.handle(.message(m), context: context) }
        return stopped
    }
}
