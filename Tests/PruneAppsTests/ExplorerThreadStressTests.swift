import Foundation
import PruneKit
import Testing

@testable import PruneApps
@testable import PruneTUI

/// Every kind of background work on real threads (`ThreadWorker`) while
/// frames are drawn and keys arrive without pause: slider moves, undo,
/// screen switches, help, resizes. No crash, and the history at the end is
/// the one the same keys give with the work run inline.
@Suite(.serialized) struct ExplorerThreadStressTests {
    typealias H = ExplorerHarness

    /// How each job is started from a fresh explorer.
    enum Work: String, CaseIterable, CustomStringConvertible {
        case retrain, oneShot, iterative, gradual, lottery, sensitivityUnstructured, sensitivityUnits
        case export, save, accuracyPreview, inferenceMeasurement
        var description: String { rawValue }
    }

    static let repetitions = Int(ProcessInfo.processInfo.environment["STRESS_REPETITIONS"] ?? "") ?? 20

    /// Keys that must be safe while anything runs (none of them cancels or quits).
    static let storm: [AppEvent<ExplorerMessage>] = [
        .key(.right), .key(.right), .key(.char("u")), .key(.char("2")), .key(.down), .key(.char("1")), .key(.left),
        .resize(Size(width: 120, height: 40)), .key(.char("3")), .key(.char("?")), .key(.pageDown), .key(.escape),
        .key(.char("4")), .key(.char("1")), .key(.char("x")), .key(.char("a")), .key(.down), .key(.up),
        .resize(Size(width: 80, height: 24)), .key(.char("L")), .key(.ctrl("r")), .key(.char("g")), .key(.char("g")),
    ]

    static func start(_ work: Work, exportDir: String) -> (controls: ExplorerControls, keys: [Key]) {
        var c = ExplorerControls(learningRate: 0.005)
        c.fitGradual(stepsPerEpoch: 23)
        let target: [Key] = [.char("t")] + "70%".map { Key.char($0) } + [.enter]
        switch work {
        case .retrain: return (c, target + [.enter, .char("r")])
        case .oneShot: c.schedule = .oneShot; return (c, target + [.char("p")])
        case .iterative: c.schedule = .iterative; c.rounds = 3; return (c, target + [.char("p")])
        case .gradual: c.schedule = .gradual; return (c, target + [.char("p")])
        case .lottery: c.schedule = .lottery; c.rounds = 3; return (c, target + [.char("p")])
        case .sensitivityUnstructured: return (c, [.char("s")])
        case .sensitivityUnits: c.granularity = .units; return (c, [.char("s")])
        case .export: return (c, target + [.enter, .char("e"), .enter])
        case .save: return (c, target + [.enter, .char("w"), .enter])
        case .accuracyPreview: return (c, target)
        // Applied: an unpruned model has nothing to measure.
        case .inferenceMeasurement: return (c, target + [.enter])
        }
    }

    /// Drives the app by hand: each key, then every posted message, a tick
    /// and a frame, until the job and the background values are done.
    static func drive(_ h: H, _ work: Work, worker: any BackgroundWorker, storm: Bool, dir: String) -> ExplorerApp {
        let (controls, keys) = start(work, exportDir: dir)
        // The export's parent exists, as a user's would (a missing one asks first).
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let driver = FrameDriver { post in
            ExplorerApp.make(
                session: h.session, bundle: h.bundle, size: Size(width: 80, height: 24), worker: worker, post: post,
                controls: controls, exportDirectory: dir + "/export", sessionDirectory: dir + "/session",
                measureInference: work == .inferenceMeasurement)
        }
        func idle(_ m: ExplorerModel) -> Bool {
            m.job == nil && m.previewAccuracy.inFlight == nil && m.inference.inFlight == nil && m.scores.inFlight == nil
        }
        // The keys that set up the job: each waits for the work the one before started.
        for (n, k) in keys.enumerated() {
            driver.step(.key(k))
            if n < keys.count - 1 { driver.idle(upTo: 60, until: idle) }
        }
        var i = 0
        let deadline = Date().addingTimeInterval(300)
        while Date() < deadline {
            let m = driver.app.model
            let busy =
                m.job != nil || m.previewAccuracy.inFlight != nil || m.inference.inFlight != nil || m.scores.inFlight != nil
                || m.previewAccuracy.isDue || m.inference.isDue
            if !busy { break }
            if storm, m.job != nil || work == .accuracyPreview || work == .inferenceMeasurement, i < 400 {
                driver.step(ExplorerThreadStressTests.storm[i % ExplorerThreadStressTests.storm.count])
                i += 1
            } else {
                driver.step(nil)
                if !(worker is InlineWorker) { Thread.sleep(forTimeInterval: 0.002) }
            }
        }
        driver.shutDown()
        return driver.app
    }

    @Test(arguments: Work.allCases)
    func jobOnARealThreadWithFramesAndKeys(work: Work) throws {
        let model = [.accuracyPreview, .inferenceMeasurement, .retrain].contains(work) ? "lenet-300-100" : "digits-mlp"
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("ps-stress-\(work)-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        let inline = try H(model)
        _ = Self.drive(inline, work, worker: InlineWorker(), storm: false, dir: base + "/inline")
        let expected = inline.session.steps
        for repetition in 0..<Self.repetitions {
            let h = try H(model)
            let app = Self.drive(h, work, worker: ThreadWorker(), storm: true, dir: base + "/\(repetition)")
            #expect(app.model.job == nil, "repetition \(repetition): the job never finished")
            let sameAsInline = h.session.steps == expected, shown = app.model.session.history == h.session.steps
            #expect(
                sameAsInline,
                "repetition \(repetition): history \(h.session.steps.map(\.summary)) differs from the inline run's \(expected.map(\.summary))"
            )
            #expect(shown, "repetition \(repetition): the screen's history is not the session's")
            switch work {
            case .sensitivityUnstructured, .sensitivityUnits:
                #expect(!app.model.sensitivity.isEmpty)
            case .export:
                #expect(
                    FileManager.default.fileExists(atPath: base + "/\(repetition)/export/report.json"),
                    "\(app.model.toasts.items.map(\.text))")
            case .save:
                #expect(FileManager.default.fileExists(atPath: base + "/\(repetition)/session/session.json"))
            case .accuracyPreview:
                #expect(app.model.previewMetrics == nil || app.model.previewAccuracy.value != nil)
            case .inferenceMeasurement:
                // The storm's undo and redo leave the step pruned or dense: a
                // dense step has nothing to measure.
                let pruned = app.model.session.metrics.layers.contains { $0.kind == .dense && $0.weightZeros > 0 }
                #expect(app.model.inference.value?.count == (pruned ? 2 : 0))
            default: break
            }
        }
    }
}
