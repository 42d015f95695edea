import Foundation
import PruneKit
import Testing

@testable import PruneApps
@testable import PruneTUI

/// A retraining that diverges ends its job with a message and keeps the
/// step it started from: no NaN weights in the session, nothing recorded.
@Suite struct ExplorerDivergenceTests {
    typealias H = ExplorerHarness

    @Test func divergingRetrainEndsTheJobWithAMessage() throws {
        let h = try H("digits-mlp")
        let controls = ExplorerControls(learningRate: 1e30)
        let script: [TerminalEvent?] = H.keys(.right, 60) + [.key(.enter), .key(.char("r"))] + H.idle + [.interrupt]
        let (_, runner) = h.run(H.sizes[1], script, controls: controls)
        #expect(h.session.steps.map(\.kind) == [.start, .prune])
        #expect(h.session.model.parameters.allSatisfy { p in p.value.data.allSatisfy(\.isFinite) })
        let message = runner.app.model.toasts.items.last?.text ?? ""
        #expect(message.contains("failed") && message.contains("training diverged"), "\(message)")
        #expect(runner.app.model.job == nil)
        #expect(runner.app.model.session.history == h.session.steps)
    }
}
