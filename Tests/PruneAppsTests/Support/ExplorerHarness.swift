import Foundation
import PruneKit

@testable import PruneApps
@testable import PruneTUI

/// The explorer on a real sample model, driven through the real run loop
/// and the in-memory terminal. `InlineWorker` runs background work at once,
/// so a key script gives the same screens every time; the stress tests use
/// `ThreadWorker` instead.
struct ExplorerHarness {
    static let sampleModels = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../SampleModels").standardizedFileURL

    let bundle: ModelBundle
    /// The session the explorer's jobs change (tests read it only between runs).
    let session: PruningSession

    init(_ model: String = "lenet-300-100") throws {
        bundle = try ModelBundle.load(path: ExplorerHarness.sampleModels.appendingPathComponent(model).path)
        session = PruningSession(model: bundle.model, train: bundle.train, validation: bundle.validation, seed: 0)
    }

    init(bundle: ModelBundle, session: PruningSession) {
        self.bundle = bundle
        self.session = session
    }

    /// Runs the explorer with `script` (`nil` entries are idle ticks) until it quits or the script ends.
    func run(
        _ size: Size, _ script: [TerminalEvent?], exportDirectory: String? = nil, sessionDirectory: String? = nil,
        measureInference: Bool = false, controls: ExplorerControls? = nil,
        worker: any BackgroundWorker = InlineWorker(), configure: (inout ExplorerApp) -> Void = { _ in }
    ) -> (InMemoryTerminal, AppRunner<ExplorerApp>) {
        let term = InMemoryTerminal(size: size, script: script)
        let mailbox = Mailbox<ExplorerMessage>()
        // Measured inference timings differ run to run: off unless a test checks them.
        var app = ExplorerApp.make(
            session: session, bundle: bundle, size: size, worker: worker, post: { mailbox.post($0) },
            controls: controls, exportDirectory: exportDirectory, sessionDirectory: sessionDirectory,
            measureInference: measureInference)
        configure(&app)
        let runner = AppRunner(app: app, driver: term, mailbox: mailbox)
        runner.run()
        return (term, runner)
    }

    static let sizes = [Size(width: 80, height: 24), Size(width: 160, height: 48)]
    static func keys(_ k: Key, _ n: Int) -> [TerminalEvent?] { Array(repeating: .key(k), count: n) }
    static func type(_ text: String) -> [TerminalEvent?] { text.map { .key(.char($0)) } }
    static let idle: [TerminalEvent?] = Array(repeating: nil, count: 3)
    /// `t`, the value, Enter: the typed-value box (its prefilled text is replaced by the first key).
    static func typed(_ value: String) -> [TerminalEvent?] { [.key(.char("t"))] + type(value) + [.key(.enter)] }
}
