import Foundation
import PruneKit
import PruneTUI

/// The bodies of the explorer's jobs. Each runs on a job thread with what
/// it owns (the session, through `SessionOwner`, or a private copy of the
/// model) and talks to the UI only by posting messages.
enum ExplorerJobs {
    typealias Post = @Sendable (ExplorerMessage) -> Void

    /// Session jobs: every recorded, undone or jumped-to step is published
    /// whole, so the UI never pieces a history together.
    static func run(
        _ job: ExplorerJob, on session: PruningSession, publish: () -> Transfer<PublishedSession>,
        cancel: CancelFlag, post: Post
    ) {
        do {
            let message: String
            switch job {
            case .apply(let request):
                let step = try session.prune(request)
                post(.published(publish()))
                message =
                    "step \(step.id): \(Format.percent(step.metrics.prunableSparsity)) of prunable weights pruned, acc \(accuracy(step))"
            case .undo:
                let undone = session.current.summary
                try session.undo()
                post(.published(publish()))
                message = "undid: \(undone)"
            case .redo:
                try session.redo()
                post(.published(publish()))
                message = "redid: \(session.current.summary)"
            case .jump(let target):
                try session.jump(to: target)
                post(.published(publish()))
                message = "at step \(target): \(session.current.summary)"
            case .retrain(let settings):
                let total = Double(settings.epochs * max(1, stepsPerEpoch(session, settings.batchSize)))
                var done = 0.0
                let step = try session.retrain(
                    epochs: settings.epochs, batchSize: settings.batchSize, optimizer: settings.optimizer,
                    l1Lambda: settings.l1Lambda, splicing: settings.splicing,
                    onEvent: { event in
                        guard case .step(let epoch, _, _, let loss) = event else { return }
                        done += 1
                        post(.trainingLoss(loss))
                        post(.progress(fraction: done / total, status: "epoch \(epoch) loss \(Text.fixed(Double(loss), 4))"))
                    }, isCancelled: { cancel.isCancelled })
                post(.published(publish()))
                message = "step \(step.id): \(step.summary), acc \(accuracy(step))" + (cancel.isCancelled ? " (cancelled)" : "")
            case .schedule(let schedule, let target, let retrain):
                var phase = ""
                let steps = try session.run(
                    schedule, request: target, retrain: retrain,
                    onEvent: { event in
                        switch event {
                        case .phase(let name, let fraction):
                            phase = name
                            post(.progress(fraction: fraction, status: name))
                        case .training(let t, let fraction):
                            guard case .step(let epoch, _, _, let loss) = t else { return }
                            post(.trainingLoss(loss))
                            let status = "epoch \(epoch) loss \(Text.fixed(Double(loss), 4))"
                            post(.progress(fraction: fraction, status: phase.isEmpty ? status : "\(phase) · \(status)"))
                        case .recorded:
                            post(.published(publish()))
                        }
                    }, isCancelled: { cancel.isCancelled })
                let last = steps.last.map { "\(Format.percent($0.metrics.prunableSparsity)) pruned, acc \(accuracy($0))" }
                let name = String(schedule.description.prefix { $0 != "(" }).trimmingCharacters(in: .whitespaces)
                message =
                    "\(name): \(Format.count(steps.count, "step")), \(last ?? "nothing recorded")"
                    + (cancel.isCancelled ? " (cancelled)" : "") + lotteryNote(schedule, session) + adaptiveNote(schedule, steps)
            case .save(let path):
                try session.save(to: path)
                ExplorerJournal.restart(session, in: path)
                message = "session saved; reopen: prunescope open MODEL --session \(path)"
            case .sensitivity, .export:
                message = "\(job.title) does not run on the session"
            }
            post(.jobFinished(message: message + ExplorerJournal.failureNote(session), failed: false))
        } catch {
            // A failed schedule may have recorded steps before it failed, and
            // a diverged retraining restored the current step's weights.
            post(.published(publish()))
            post(.jobFinished(message: "\(job.title) failed: \(ErrorText.oneLine(error))", failed: true))
        }
    }

    static func export(
        _ session: PruningSession, bundle: ModelBundle, to path: String, replacing: Bool, createParents: Bool,
        settings: [String: String], cancel: CancelFlag, post: Post
    ) {
        if !replacing, hasFiles(at: path) {
            post(.exportTargetHasFiles(path: path))
            return
        }
        // As the command line, never make a tree from a typo unasked (SessionExport creates what is missing).
        let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if !createParents, !FileManager.default.fileExists(atPath: parent) {
            post(.exportParentMissing(path: path, parent: parent))
            return
        }
        do {
            let r = try SessionExport.write(
                session: session, bundle: bundle, to: path,
                command: "prunescope open (explorer export)", settings: settings, isCancelled: { cancel.isCancelled })
            let files = r.files.values.sorted() + ["report.json", "report.md"]
            post(.jobFinished(message: "exported to \(path): \(files.joined(separator: ", "))", failed: false))
        } catch is CancellationError {
            // Nothing exported: the unsaved changes stay unsaved.
            post(.jobFinished(message: "export cancelled: \(path) is as it was", failed: true))
        } catch {
            post(.jobFinished(message: "export failed: \(ErrorText.oneLine(error))", failed: true))
        }
    }

    /// Each layer pruned alone at each sparsity, on a private copy of the
    /// model; neuron/filter granularity by the unit each layer has.
    static func sensitivity(
        _ model: Model, layers: [ExplorerLayer], measure: (Model) throws -> Evaluation?, criterion: Criterion,
        granularity: ExplorerControls.GranularityChoice, sparsities: [Double], cancel: CancelFlag, post: Post
    ) {
        // Units only where removing them is defined (not the output layer).
        let structurable = Set(Topology(model: model).defaultTensors(structured: true))
        let units = layers.filter { structurable.contains($0.tensor) }
        let groups: [(Granularity, [String])] =
            granularity == .units
            ? [(.neuron, units.filter { $0.kind == .dense }.map(\.tensor)), (.filter, units.filter { $0.kind == .conv2d }.map(\.tensor))]
            : [(.unstructured, layers.map(\.tensor))]
        let total = groups.reduce(0) { $0 + $1.1.count } * sparsities.count
        var done = 0, points = 0, skipped = 0, cancelled = false
        do {
            guard let baseline = try measure(model)?.accuracy else {
                post(.jobFinished(message: "sensitivity: cancelled", failed: false))
                return
            }
            for (g, tensors) in groups where !tensors.isEmpty && !cancelled {
                let offset = done
                let result = try SensitivityAnalysis.run(
                    model: model, measure: measure, tensors: tensors, sparsities: sparsities,
                    criterion: criterion, granularity: g,
                    onProgress: { p in
                        done = offset + p.done
                        post(.sensitivityPoint(p.point, baseline: baseline, done: done, total: total))
                    }, onSkip: { skip in post(.sensitivitySkipped(skip)) }, isCancelled: { cancel.isCancelled })
                points += result.points.count
                skipped += result.skipped.count
                cancelled = result.cancelled
            }
            let skips = skipped > 0 ? ", \(skipped) skipped (they cannot apply: see the table)" : ""
            post(.jobFinished(message: "sensitivity: \(points) points\(skips)" + (cancelled ? " (cancelled)" : ""), failed: false))
        } catch {
            post(.jobFinished(message: "sensitivity failed: \(ErrorText.oneLine(error))", failed: true))
        }
    }

    /// A lottery run that rewinds to init retrains almost from scratch: when it
    /// ends far below the start, the message says why (the x panel says more).
    static func lotteryNote(_ schedule: Schedule, _ session: PruningSession) -> String {
        guard case .lottery = schedule, let start = session.steps.first?.metrics.accuracy,
            let end = session.current.metrics.accuracy, start - end > 0.1
        else { return "" }
        return " (\(Text.fixed((start - end) * 100, 1)) pt below the start: it retrains from init; x explains)"
    }

    /// What an adaptive run did: attempts, back-offs and where it stopped.
    static func adaptiveNote(_ schedule: Schedule, _ steps: [HistoryStep]) -> String {
        guard case .adaptive(let maxDrop, _, _) = schedule else { return "" }
        let attempts = steps.filter { $0.kind == .prune }.count
        let backoffs = steps.filter { $0.kind == .backoff }.count
        return " (\(Format.count(attempts, "attempt")), \(Format.count(backoffs, "back-off")); budget "
            + "\(Format.decimal(maxDrop * 100, digits: 2)) pt; 2 shows why)"
    }

    private static func accuracy(_ step: HistoryStep) -> String { step.metrics.accuracy.map { Format.percent($0) } ?? "n/a" }

    private static func stepsPerEpoch(_ session: PruningSession, _ batchSize: Int) -> Int {
        let n = session.train?.count ?? 0
        return (n + batchSize - 1) / max(1, batchSize)
    }

    /// Whether `path` is a file, or a directory with something in it.
    static func hasFiles(at path: String) -> Bool {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return false }
        guard isDirectory.boolValue else { return true }
        return !((try? FileManager.default.contentsOfDirectory(atPath: path))?.isEmpty ?? true)
    }
}
