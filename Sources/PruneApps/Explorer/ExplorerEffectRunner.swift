import Foundation
import PruneKit
import PruneTUI
import Synchronization

/// The explorer's pruning session and the rule that guards it.
///
/// Invariant: `session` is used only inside work given to `perform`, which
/// runs through `worker.runSerially`: one job at a time, in order. Nothing
/// else holds a reference to the session; the UI sees only the
/// `PublishedSession` copies jobs make of it. That makes the owner safe to
/// send to the job threads.
final class SessionOwner: @unchecked Sendable {
    private let session: PruningSession
    private let worker: any BackgroundWorker
    private let versions = Mutex(0)

    init(session: PruningSession, worker: any BackgroundWorker) {
        self.session = session
        self.worker = worker
    }

    /// Runs `work` with the session on the serial queue; `publish` copies
    /// the session's state out for the UI.
    func perform(_ work: @escaping @Sendable (_ session: PruningSession, _ publish: () -> Transfer<PublishedSession>) -> Void) {
        worker.runSerially { [self] in
            work(session) {
                let version = versions.withLock { v -> Int in
                    v += 1; return v
                }
                return Transfer(PublishedSession(of: session, version: version))
            }
        }
    }
}

/// Runs the effects `ExplorerModel.update` and `tick` ask for: the only code
/// in the explorer that starts background work. Called on the UI thread;
/// what it hands to other threads is a copy (`Transfer`) or the session
/// through its owner.
public final class ExplorerEffectRunner {
    let worker: any BackgroundWorker
    let post: @Sendable (ExplorerMessage) -> Void
    let info: ExplorerInfo
    private let owner: SessionOwner
    /// The cancel flag of the running job.
    private var cancel = CancelFlag()
    /// Each layer's measured format, by weights and batch: stepping back to
    /// a step already measured reuses its choices.
    private let formatCache = FormatCache()
    /// Which accuracy preview runs and which are stale (the user's evaluator stops early).
    private let previews = GenerationCancels()
    /// Writes lesson progress off the UI thread, newest version only.
    private let lessonWriter = LessonProgressWriter()
    /// The cancel flag of the robustness measurement in flight.
    private var robustnessCancel = CancelFlag()
    /// Which decision grid runs and whether its screen was left.
    private let boundaries = GenerationCancels()
    /// Which sparse-inference measurement runs, and whether it was cancelled.
    private let inferences = GenerationCancels()

    /// - Parameters:
    ///   - session: the session; from now on only jobs touch it.
    ///   - post: where background work posts (`Mailbox.post` of the app runner).
    public init(
        session: PruningSession, info: ExplorerInfo, worker: any BackgroundWorker,
        post: @escaping @Sendable (ExplorerMessage) -> Void
    ) {
        owner = SessionOwner(session: session, worker: worker)
        self.worker = worker
        self.post = post
        self.info = info
    }

    /// Runs `effects` against the model they came from (read only).
    public func run(_ effects: [ExplorerEffect], model: ExplorerModel) {
        for effect in effects { run(effect, model: model) }
    }

    /// Cancels the running job and waits for all background work, at most `timeout` seconds.
    public func shutDown(timeout: Double) -> Bool {
        cancelEverything()
        return worker.waitUntilIdle(timeout: timeout)
    }

    /// Cancels the job and every background measurement (the app is
    /// quitting: nothing they would post will be shown).
    public func cancelEverything() {
        cancel.cancel()
        previews.cancelStarted()
        robustnessCancel.cancel()
        boundaries.cancelStarted()
        inferences.cancelStarted()
    }

    private func run(_ effect: ExplorerEffect, model: ExplorerModel) {
        let post = self.post
        switch effect {
        case .cancelJob:
            cancel.cancel()
        case .cancelPreview:
            previews.cancelStarted()
        case .cancelInference:
            inferences.cancelStarted()
        case .evaluatePreview(let generation):
            guard let measure = info.measurement else { return }
            // The masks are made on the worker: the UI's live masks stay unshared.
            let copy = Transfer(model.preview.planner.model.copy())
            let masks = model.preview.evaluationMasks()
            let previews = self.previews
            previews.start(generation)
            worker.run {
                let net = copy.take()
                PrunePlanner.apply(masks.materialized(), to: net)
                do {
                    guard let e = try measure(net, { previews.isCancelled(generation) }) else {
                        post(.previewCancelled(generation: generation))
                        return
                    }
                    post(.previewEvaluated(generation: generation, PreviewEvaluation(accuracy: e.accuracy, loss: Double(e.loss))))
                } catch {
                    post(.previewFailed(generation: generation, ErrorText.oneLine(error)))
                }
            }
        case .measureInference(let generation):
            guard let validation = info.validation, validation.count > 0 else { return }
            let copy = Transfer(model.session.model.copy())
            let cache = formatCache, inferences = self.inferences
            inferences.start(generation)
            worker.run {
                let net = copy.take()
                // An unpruned model has no sparse speed-up: nothing to measure or show.
                guard SparseInference.hasSparseDense(net) else {
                    post(.inferenceMeasured(generation: generation, timings: []))
                    return
                }
                var timings = [SparseInferenceTiming]()
                for batch in Set([1, min(256, validation.count)]).sorted() {
                    // Cancelled (a newer step, or quitting): an empty result frees the slot.
                    guard
                        let t = SparseInference.measure(
                            net, input: validation.batch(0..<batch).inputs, runs: 20, cache: cache,
                            isCancelled: { inferences.isCancelled(generation) })
                    else {
                        post(.inferenceMeasured(generation: generation, timings: []))
                        return
                    }
                    timings.append(t)
                }
                post(.inferenceMeasured(generation: generation, timings: timings))
            }
        case .computeScores(let generation):
            let copy = Transfer(model.session.model.copy())
            let train = info.train, seed = model.session.nextStepSeed, criterion = model.preview.criterion
            let tensors = model.layers.map(\.tensor), global = model.controls.scope == .global
            worker.run {
                let planner = PrunePlanner(model: copy.take(), train: train, seed: seed)
                do {
                    for name in tensors { _ = try planner.scoreIndex(for: name, criterion: criterion) }
                    if global { _ = try planner.globalScoreIndex(for: tensors, criterion: criterion) }
                    post(.scoresComputed(generation: generation, Transfer(planner), error: nil))
                } catch {
                    post(.scoresComputed(generation: generation, nil, error: "\(error)"))
                }
            }
        case .saveLessonProgress(let progress, let path, let version):
            let writer = lessonWriter
            worker.run { writer.write(progress, path: path, version: version, post: post) }
        case .measureRobustness(let step, let generation):
            robustnessCancel = CancelFlag()
            measureRobustness(step: step, generation: generation, model: model, cancel: robustnessCancel)
        case .cancelRobustness:
            robustnessCancel.cancel()
        case .evaluateBoundary(let generation, let request):
            evaluateBoundary(generation, request, model: model)
        case .cancelBoundary:
            boundaries.cancelStarted()
        case .startJob(let job):
            cancel = CancelFlag()
            start(job, model: model, cancel: cancel)
        }
    }

    /// The decision grid on a copy of the step, with the preview's masks
    /// when the request asks for them (made on the worker, as for the
    /// accuracy preview), and the validation set's predictions under the same weights.
    private func evaluateBoundary(_ generation: Int, _ request: BoundaryRequest, model: ExplorerModel) {
        let post = self.post, boundaries = self.boundaries, validation = info.validation
        let copy = Transfer(request.preview ? model.preview.planner.model.copy() : model.session.model.copy())
        let masks = request.preview ? model.preview.evaluationMasks() : PreviewMasks()
        boundaries.start(generation)
        worker.run {
            let net = copy.take()
            PrunePlanner.apply(masks.materialized(), to: net)
            guard
                let grid = DecisionGrid.evaluate(
                    net, columns: request.columns, rows: request.rows, x: request.x, y: request.y,
                    isCancelled: { boundaries.isCancelled(generation) })
            else {
                post(.boundaryEvaluated(generation: generation, nil))
                return
            }
            let predicted = validation.map { predictions(net, on: $0) } ?? []
            let correct = zip(predicted, validation?.labels ?? []).filter { $0 == $1 }.count
            let picture = BoundaryPicture(request: request, grid: grid, predictions: predicted, correct: correct, generation: generation)
            post(.boundaryEvaluated(generation: generation, picture))
        }
    }

    private func start(_ job: ExplorerJob, model: ExplorerModel, cancel: CancelFlag) {
        let post = self.post
        switch job {
        case .sensitivity(let criterion, let granularity, let sparsities):
            guard let measure = info.measurement else { return }
            let copy = Transfer(model.session.model.copy())
            let layers = model.layers
            worker.run {
                ExplorerJobs.sensitivity(
                    copy.take(), layers: layers, measure: { try measure($0, { cancel.isCancelled }) }, criterion: criterion,
                    granularity: granularity, sparsities: sparsities, cancel: cancel, post: post)
            }
        case .export(let path, let replacing, let createParents, let settings):
            guard let bundle = info.bundle else {
                post(.jobFinished(message: "export needs the model's spec and data", failed: true)); return
            }
            let handle = Transfer(bundle)
            owner.perform { session, _ in
                ExplorerJobs.export(
                    session, bundle: handle.take(), to: path, replacing: replacing, createParents: createParents,
                    settings: settings, cancel: cancel, post: post)
            }
        default:
            owner.perform { session, publish in
                ExplorerJobs.run(job, on: session, publish: publish, cancel: cancel, post: post)
            }
        }
    }

    /// Robustness and privacy of history step `step`, on a copy of the
    /// published model with that step's values and masks.
    private func measureRobustness(step: Int, generation: Int, model: ExplorerModel, cancel: CancelFlag) {
        let post = self.post
        let published = model.session
        guard let train = info.train, let validation = info.validation, published.snapshots.indices.contains(step) else {
            post(.robustnessStopped(generation: generation, error: "step \(step) has no data to measure"))
            return
        }
        let copy = Transfer(published.model.copy())
        let snapshot = published.snapshots[step], measured = published.history[step]
        let range = info.bundle?.inputRange ?? InputRange.covering([train, validation])
        worker.run {
            let net = copy.take()
            snapshot.restore(into: net)
            do {
                let report = try RobustnessReport.measure(
                    net, train: train, validation: validation, settings: RobustnessCache.settings, range: range,
                    isCancelled: { cancel.isCancelled })
                post(.robustnessMeasured(generation: generation, step: step, measured: measured, report))
            } catch is CancellationError {
                post(.robustnessStopped(generation: generation, error: nil))
            } catch {
                post(.robustnessStopped(generation: generation, error: ErrorText.oneLine(error)))
            }
        }
    }
}
