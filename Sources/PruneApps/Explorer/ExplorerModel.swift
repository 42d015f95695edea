import PruneKit
import PruneTUI

/// Everything the explorer shows and remembers, as one value: the published
/// session, the controls and previews, the screen, the modal on top, the
/// running job and the values computed in the background.
///
/// `update` (ExplorerModel+Update.swift) is the only thing that changes it
/// and returns effects; `ExplorerView` draws it and changes nothing.
public struct ExplorerModel {
    /// The screens the number keys switch between.
    public enum Screen: Int, CaseIterable, Sendable {
        case main = 1, history, sensitivity, frontier
        case robustness = 5
        /// The decision regions of a two-input model (ExplorerView+Boundary.swift).
        case boundary = 6
        var title: String {
            switch self {
            case .main: "explore"
            case .history: "history"
            case .sensitivity: "sensitivity"
            case .frontier: "frontier"
            case .robustness: "robustness"
            case .boundary: "boundary"
            }
        }
    }

    /// What the heatmap shows (`a` cycles).
    public enum HeatmapMode: CaseIterable, Sendable, Equatable {
        /// Weights while nothing is pruned, then the fraction pruned per pixel.
        case auto
        /// Weights on the diverging map, pruned dark; downsampled by max |w|.
        case weights
        /// Fraction pruned per pixel (sequential map).
        case fractionPruned
        /// For a layer reading the image input: per input pixel, the fraction of neurons that keep it.
        case inputPixels
        /// What the current step changed: weights it pruned and weights that came back (splicing).
        case changes
    }

    /// What sits on top of the screen and takes the keys; at most one.
    public enum Modal: Equatable {
        case help(scroll: Int)
        case settings(row: Int)
        case prompt(Prompt)
        case confirm(Confirmation)
    }

    /// A typed-value box and what its answer is for.
    public struct Prompt: Equatable {
        public enum Purpose: Equatable { case value, exportPath, sessionPath, allocationTarget }
        public var purpose: Purpose
        public var state: PromptState
    }

    /// A question and what each answer does.
    public enum Confirmation: Equatable {
        /// Export into a directory that has files.
        case overwrite(path: String)
        /// Quit with unsaved steps or a running job.
        case quit
        /// Apply a preview that empties layers.
        case applyEmptying(layers: [String])
        /// Export while a preview is not applied.
        case exportWithPreview
        /// Export into a directory whose parent `parent` is missing.
        case createParent(path: String, parent: String)
    }

    // Fixed for the session.
    public let info: ExplorerInfo
    public var layers: [ExplorerLayer] { info.layers }
    /// Time dense vs CSR inference after every change of step (off in snapshot tests).
    public let measuresInference: Bool
    public let themeCount: Int

    // The session, as last published, and the preview over it.
    public internal(set) var session: PublishedSession
    public internal(set) var preview: PreviewState
    public var controls: ExplorerControls { preview.controls }

    // Screen state.
    public internal(set) var size: Size
    public internal(set) var screen: Screen = .main
    public internal(set) var layerTable = TableState()
    public internal(set) var historyTable = TableState()
    public internal(set) var focus = FocusRing(count: 4, index: 1)
    public internal(set) var logScale = false
    public internal(set) var heatmapMode: HeatmapMode = .auto
    public internal(set) var showsExplanation = false
    public internal(set) var modal: Modal?
    public internal(set) var toasts = Toasts()
    public internal(set) var themeIndex = 0
    /// The guided lessons (`i`), their progress and the one being taken.
    public internal(set) var lessons = LessonState()

    // Jobs and values from the background.
    public internal(set) var job: RunningJob?
    /// History changes (each step recorded, undone, redone or jumped to) since the last save or export.
    public internal(set) var unsavedChanges = 0
    public internal(set) var exportDirectory: String
    public internal(set) var sessionDirectory: String
    /// Quit once the running save has finished (the quit question's `w`).
    var quitAfterSave = false
    /// Open the export prompt once the running apply has finished.
    var exportAfterApply = false
    public internal(set) var previewAccuracy = AsyncSlot<PreviewEvaluation>()
    public internal(set) var inference = AsyncSlot<[SparseInferenceTiming]>()
    /// Gradient scores of the criterion (Taylor, SNIP) over the published step.
    public internal(set) var scores = AsyncSlot<Bool>()
    /// Sparsity and FLOPs figures of the preview (computed at once).
    public internal(set) var previewMetrics: ModelMetrics?
    /// Robustness and privacy per history step (the robustness screen).
    public internal(set) var robustness = RobustnessCache()
    /// Per-batch losses of each recorded training step, and of the running one.
    public internal(set) var stepLosses: [Int: [Float]] = [:]
    public internal(set) var liveLosses: [Float] = []
    public internal(set) var sensitivity: [SensitivityPoint] = []
    public internal(set) var sensitivityBaseline: Double?
    /// Cells of the sweep that could not apply, with the reason.
    public internal(set) var sensitivitySkips: [SensitivitySkip] = []
    /// What the last sweep pruned: single weights or whole units.
    public internal(set) var sensitivityGranularity: ExplorerControls.GranularityChoice = .unstructured
    /// Per-layer targets chosen from the sweep (`a` on the sensitivity screen), until applied or swept again.
    public internal(set) var allocation: SensitivityAllocation?
    /// Histogram counts of the selected layer, until the step or the area changes.
    let histogramMemo = Memo<(counts: [Double], range: ClosedRange<Double>)>()
    /// Heatmap pixels of the selected layer: pruned counts that follow the
    /// slider, and the committed state's pixels, until the step or the area changes.
    let pixelCounts = Memo<PrunedPixelCounts>()
    let committedPixels = Memo<[Double?]>()
    /// Standard deviation of the selected layer's weights (the explanation's sigma), per step.
    let layerSigma = Memo<Double>()
    /// Norms of the selected layer's units still kept, per step (structured granularities).
    let unitNormsMemo = Memo<(units: [Int], norms: [Float])>()
    /// The decision-boundary grid (screen 6) of the step or the preview, and
    /// the last one finished, drawn while a newer one computes.
    public internal(set) var boundary = AsyncSlot<BoundaryPicture>()
    public internal(set) var boundaryShown: BoundaryPicture?
    /// Effects the update in progress asked for (returned by `update`).
    var outbox: [ExplorerEffect] = []

    /// Sparsities the sensitivity sweep measures each layer at: finer
    /// where curves bend, and the same as `prune --allocate` sweeps, so
    /// `a` chooses what the command line would.
    public static let sensitivitySparsities: [Double] = SensitivityAllocation.defaultSweep

    /// - Parameters:
    ///   - session: the session as it is at the start (published once here).
    ///   - measureInference: time dense vs CSR inference after every change
    ///     of step (off in snapshot tests: timings differ run to run).
    public init(
        info: ExplorerInfo, session: PublishedSession, controls: ExplorerControls? = nil, size: Size,
        themeCount: Int = 1, exportDirectory: String? = nil, sessionDirectory: String? = nil,
        measureInference: Bool = true
    ) {
        self.info = info
        self.session = session
        self.size = size
        self.themeCount = max(1, themeCount)
        measuresInference = measureInference && info.hasDense && (info.validation?.count ?? 0) > 0
        let recipeLearningRate: Float =
            switch info.recipeOptimizer {
            case .adam(let lr, _, _, _, _)?: lr
            case .sgd(let lr, _, _)?: lr
            case nil: 0.01
            }
        var initial = controls ?? ExplorerControls(learningRate: recipeLearningRate / 10)
        if controls == nil { initial.fitGradual(stepsPerEpoch: info.stepsPerEpoch) }
        let planner = PrunePlanner(model: session.model, train: info.train, seed: session.nextStepSeed)
        preview = PreviewState(
            layers: info.layers, planner: planner, controls: initial, batchSize: info.batchSize,
            metrics: session.metrics)
        self.exportDirectory = exportDirectory ?? "\(info.modelName)-pruned"
        self.sessionDirectory = sessionDirectory ?? "\(info.modelName)-session"
        inference.invalidate(wanted: measuresInference)
        historyTable.selected = session.cursor
    }

    var selectedIndex: Int { min(max(0, layerTable.selected), max(0, layers.count - 1)) }
    public var selected: ExplorerLayer? { layers.isEmpty ? nil : layers[selectedIndex] }
    /// Whether a job holds the job slot.
    public var isBusy: Bool { job != nil }
    /// Screen areas for this size (the view draws into them, the mouse hits them).
    var layout: ExplorerLayout {
        ExplorerLayout(
            size: size, measuresInference: measuresInference, measuredLayers: layers.filter { $0.kind == .dense }.count,
            extraTotalsLines: robustnessModelLines().count)
    }

    /// Asks for `effect` (collected by `update`).
    mutating func emit(_ effect: ExplorerEffect) { outbox.append(effect) }

    mutating func toast(_ text: String, _ level: Toast.Level = .info, now: Double, duration: Double? = nil) {
        toasts.post(text, level: level, now: now, duration: duration ?? (level == .info ? 3 : 6))
    }
}
