import PruneKit
import PruneTUI

/// What `ExplorerModel.update` asks to happen, as a value: the effect runner
/// does it (the only code that starts background work), so a test can check
/// "this key asked for a retrain" without running one.
public enum ExplorerEffect: Equatable, Sendable {
    /// Evaluate the preview masks of `generation` on the validation set.
    case evaluatePreview(generation: Int)
    /// The preview being evaluated is stale: the user's evaluator is told to stop.
    case cancelPreview
    /// Time dense vs CSR inference of the published step.
    case measureInference(generation: Int)
    /// The step being measured is no longer the published one: stop timing it.
    case cancelInference
    /// Compute the gradient scores the criterion needs over the published step.
    case computeScores(generation: Int)
    /// Measure robustness and privacy of history step `step` (on a copy).
    case measureRobustness(step: Int, generation: Int)
    /// The robustness measurement in flight is not wanted any more.
    case cancelRobustness
    /// Evaluate the decision grid of `generation` (the step or the preview; screen 6).
    case evaluateBoundary(generation: Int, BoundaryRequest)
    /// The decision grid being evaluated is no longer wanted (its screen was left).
    case cancelBoundary
    /// Start a job (one at a time; see `ExplorerJob`).
    case startJob(ExplorerJob)
    /// Ask the running job to stop at its next check.
    case cancelJob
    /// Write the lesson progress to `path` (atomically; an older `version` never replaces a newer one).
    case saveLessonProgress(LessonProgress, path: String, version: Int)
}

/// Work that takes the job slot: everything that changes or reads the
/// pruning session, and the sensitivity sweep.
public enum ExplorerJob: Equatable, Sendable {
    case apply(PruneRequest)
    case undo, redo
    case jump(to: Int)
    case retrain(RetrainSettings)
    case schedule(Schedule, target: PruneRequest, retrain: RetrainSettings?)
    case sensitivity(criterion: Criterion, granularity: ExplorerControls.GranularityChoice, sparsities: [Double])
    /// Export to `path`; unless `replacing`, a directory with files in it is
    /// not touched, and unless `createParents`, nor is a path whose parent
    /// directory is missing (the explorer asks).
    case export(path: String, replacing: Bool, createParents: Bool, settings: [String: String])
    case save(path: String)

    /// What the status bar calls it.
    public var title: String {
        switch self {
        case .apply: "apply"
        case .undo: "undo"
        case .redo: "redo"
        case .jump(let step): "jump to step \(step)"
        case .retrain(let r):
            (r.l1Lambda > 0 ? "regularise (L1 \(Text.compact(Double(r.l1Lambda))))" : "retrain")
                + " " + Format.count(r.epochs, "epoch")
        case .schedule(let s, _, _): "\(s)"
        case .sensitivity(let c, let g, _): "sensitivity sweep (\(c.name), \(g.rawValue))"
        case .export(let path, _, _, _): "export to \(path)"
        case .save(let path): "save session to \(path)"
        }
    }
}

/// The running job as the screen shows it.
public struct RunningJob: Sendable, Equatable {
    public var job: ExplorerJob
    public var fraction: Double = 0
    public var status: String = ""
    public var title: String { job.title }
}

/// The accuracy and loss of a preview on the validation set.
public struct PreviewEvaluation: Sendable, Equatable {
    public var accuracy: Double
    public var loss: Double
}

/// What background work posts to the UI thread.
public enum ExplorerMessage: Sendable {
    /// The accuracy and loss of the preview masks of `generation`.
    case previewEvaluated(generation: Int, PreviewEvaluation)
    /// The user's evaluator failed on the preview of `generation` (one line).
    case previewFailed(generation: Int, String)
    /// The user's evaluator stopped the preview of `generation` (it went stale).
    case previewCancelled(generation: Int)
    /// Dense vs CSR inference of the step of `generation`, measured on a copy.
    case inferenceMeasured(generation: Int, timings: [SparseInferenceTiming])
    /// Gradient scores of `generation`: a planner over a copy of the
    /// published model with the criterion's indices computed (nil: failed).
    case scoresComputed(generation: Int, Transfer<PrunePlanner>?, error: String?)
    /// Robustness and privacy of history step `step` (`measured` is the step as it was when asked).
    case robustnessMeasured(generation: Int, step: Int, measured: HistoryStep, RobustnessReport)
    /// The robustness measurement of `generation` stopped: cancelled (nil) or failed (one line).
    case robustnessStopped(generation: Int, error: String?)
    /// The decision grid of `generation` (nil: cancelled).
    case boundaryEvaluated(generation: Int, BoundaryPicture?)
    /// One training step of a running retrain or schedule.
    case trainingLoss(Float)
    /// Progress of the running job.
    case progress(fraction: Double, status: String)
    /// The session after a step was recorded, undone, redone or jumped to.
    case published(Transfer<PublishedSession>)
    /// A sensitivity sweep measured a point (`baseline` is the accuracy now).
    case sensitivityPoint(SensitivityPoint, baseline: Double, done: Int, total: Int)
    /// A sensitivity sweep skipped a cell that cannot apply (e.g. it would remove every filter).
    case sensitivitySkipped(SensitivitySkip)
    /// An export found files at `path` and wrote nothing: ask before replacing them.
    case exportTargetHasFiles(path: String)
    /// An export found the target's directory `parent` missing and wrote nothing: ask before creating it.
    case exportParentMissing(path: String, parent: String)
    /// Lesson progress could not be written (one line).
    case lessonProgressFailed(String)
    /// The job ended: a one-line message and whether it failed.
    case jobFinished(message: String, failed: Bool)
}
