import Foundation
import PruneKit
import PruneTUI

/// The live pruning explorer: a model's layers, the selected layer's
/// histogram, slider, heatmap and the session's loss / accuracy chart;
/// history, sensitivity and frontier screens; every step undoable.
///
/// State in, cells out (`render`); keys and background messages become
/// changes of state (`handle`). The session is only touched on the UI
/// thread and never while a job that owns it (retrain, schedule, export,
/// save) runs: views draw from `workspace.view`, a copy taken when idle.
public struct ExplorerApp: TerminalApp {
    public typealias Message = ExplorerMessage

    /// The screens `1`-`4` switch between.
    public enum Screen: Int, CaseIterable, Sendable {
        case main = 1, history, sensitivity, frontier
        var title: String {
            switch self {
            case .main: "explore"
            case .history: "history"
            case .sensitivity: "sensitivity"
            case .frontier: "frontier"
            }
        }
    }

    /// What the heatmap shows (`a` cycles).
    public enum HeatmapMode: Sendable, Equatable {
        /// Weights while nothing is pruned, then the fraction pruned per
        /// pixel (a downsampled max |w| would hide all but fully pruned blocks).
        case auto
        /// Weights on the diverging map, pruned dark; downsampled by max |w|.
        case weights
        /// Fraction pruned per pixel (sequential map).
        case fractionPruned
        /// For a layer reading the image input: per input pixel, the fraction of neurons that keep it.
        case inputPixels
    }

    /// A typed-value box and what its answer is for.
    struct OpenPrompt {
        enum Purpose { case value, exportPath, sessionPath }
        var purpose: Purpose
        var state: PromptState
    }

    /// A yes/no question and what "yes" does.
    enum Confirmation: Equatable {
        case overwrite(path: String)
        case quit
    }

    public let workspace: ExplorerWorkspace
    /// The pruning choices in effect (kept by the workspace, which builds the previews from them).
    public var controls: ExplorerControls { workspace.controls }
    public var screen: Screen = .main
    public var layerTable = TableState()
    public var historyTable = TableState()
    public var focus = FocusRing(count: 4, index: 1)
    public var logScale = false
    public var heatmapMode: HeatmapMode = .auto
    public var showHelp = false
    public var showExplanation = false
    public var showSettings = false
    var settingsRow = 0
    var prompt: OpenPrompt?
    var confirmation: Confirmation?
    public var toasts = Toasts()
    public var themes: [Theme]
    public var themeIndex = 0
    /// The running background job, if any.
    public private(set) var job: ExplorerJob?
    /// History changes (steps, undo, redo, jumps) since the last save or export.
    public private(set) var unsavedChanges = 0
    /// Where `e` exports to and `w` saves the session, by default.
    public var exportDirectory: String
    public var sessionDirectory: String

    let post: @Sendable (ExplorerMessage) -> Void
    let worker: any ExplorerWorker

    // Accuracy preview (asynchronous).
    var previewGeneration = 0
    /// An accuracy evaluation of the current preview is wanted (launched on the next tick).
    var previewDue = false
    var previewInFlight = false
    /// Accuracy and loss of the preview with generation `previewGeneration`, when it has arrived.
    public private(set) var previewAccuracy: (accuracy: Double, loss: Double)?
    /// Sparsity and FLOPs figures of the preview (computed at once).
    public private(set) var previewMetrics: ModelMetrics?

    // Measured (not theoretical) speed: dense vs CSR forward passes of the current step.
    /// Dense vs CSR timings at batch 1 and batch 256 (or the validation size), once measured.
    public private(set) var inferenceTimings: [SparseInferenceTiming]?
    let measuresInference: Bool
    var inferenceGeneration = 0
    var inferenceDue = false
    var inferenceInFlight = false

    // Loss curve: per-batch losses of each recorded training step, and of the running one.
    var stepLosses: [Int: [Float]] = [:]
    public private(set) var liveLosses: [Float] = []

    // Sensitivity sweep.
    public private(set) var sensitivity: [SensitivityPoint] = []
    public private(set) var sensitivityBaseline: Double?

    /// Histogram counts of the selected layer, until the session or the area changes.
    let histogramCache = Memo<(counts: [Double], range: ClosedRange<Double>)>()

    /// Screen areas of the last frame, for the mouse.
    var areas = Areas()
    struct Areas {
        var layerTable = Rect.zero, slider = Rect.zero, histogram = Rect.zero, heatmap = Rect.zero, chart = Rect.zero
        var historyTable = Rect.zero
    }

    public var minimumSize: Size { Size(width: 80, height: 24) }
    public var theme: Theme { themes[themeIndex] }

    /// Sparsities the sensitivity sweep measures each layer at.
    public static let sensitivitySparsities: [Double] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98]

    /// - Parameters:
    ///   - post: where background work posts (`Mailbox.post` of the runner).
    ///   - worker: runs background work (`ThreadWorker`, or `InlineWorker` in tests).
    ///   - measureInference: time dense vs CSR inference after every change of
    ///     the step (off in snapshot tests: timings differ run to run).
    public init(workspace: ExplorerWorkspace, themes: [Theme] = [.builtinDefault],
                post: @escaping @Sendable (ExplorerMessage) -> Void, worker: any ExplorerWorker = ThreadWorker(),
                exportDirectory: String? = nil, sessionDirectory: String? = nil, measureInference: Bool = true) {
        measuresInference = measureInference
        inferenceDue = measureInference
        self.workspace = workspace
        self.themes = themes.isEmpty ? [.builtinDefault] : themes
        self.post = post
        self.worker = worker
        self.exportDirectory = exportDirectory ?? "\(workspace.modelName)-pruned"
        self.sessionDirectory = sessionDirectory ?? "\(workspace.modelName)-session"
    }

    var layers: [ExplorerLayer] { workspace.layers }
    var selectedIndex: Int { min(max(0, layerTable.selected), max(0, layers.count - 1)) }
    var selected: ExplorerLayer? { layers.isEmpty ? nil : layers[selectedIndex] }
    /// Whether a job owns the session right now.
    public var isBusy: Bool { job?.kind.ownsSession ?? false }

    // MARK: Events

    public mutating func handle(_ event: AppEvent<ExplorerMessage>, context: DrawContext) -> AppAction {
        switch event {
        case .key(let key): return handleKey(key, context: context)
        case .mouse(let m): handleMouse(m, context: context); return .continue
        case .resize: return .continue
        case .interrupt:
            job?.cancel.cancel()
            return .quit
        case .message(let m):
            handleMessage(m, context: context)
            // "w: save first" on the quit question: quit once the save is done.
            return quitRequested ? .quit : .continue
        }
    }

    public mutating func tick(now: Double) -> Bool {
        var dirty = toasts.expire(now: now)
        if previewDue, !previewInFlight, !isBusy {
            launchAccuracyPreview()
            dirty = true
        }
        if inferenceDue, !inferenceInFlight, !previewInFlight, !isBusy {
            launchInferenceMeasurement()
            dirty = true
        }
        return dirty
    }

    mutating func handleMessage(_ m: ExplorerMessage, context: DrawContext) {
        switch m {
        case .previewEvaluated(let generation, let accuracy, let loss):
            previewInFlight = false
            if generation == previewGeneration { previewAccuracy = (accuracy, loss) }
        case .inferenceMeasured(let generation, let timings):
            inferenceInFlight = false
            if generation == inferenceGeneration { inferenceTimings = timings }
        case .trainingStep(let loss):
            liveLosses.append(loss)
        case .progress(let fraction, let status):
            job?.fraction = fraction
            job?.status = status
        case .recorded(let step):
            // Mirror the session's history without touching it (a job owns it now).
            stepLosses[step.id] = liveLosses
            liveLosses = []
            var view = workspace.view
            view.history = Array(view.history.prefix(step.id)) + [step]
            view.cursor = step.id
            workspaceMirror = view
            unsavedChanges += 1
        case .sensitivityPoint(let point, let baseline, let done, let total):
            sensitivity.append(point)
            sensitivityBaseline = baseline
            job?.fraction = total > 0 ? Double(done) / Double(total) : 1
            job?.status = "\(point.tensor) at \(Text.percent(point.sparsity))"
        case .jobFinished(let message, let failed):
            let kind = job?.kind
            job = nil
            workspaceMirror = nil
            if kind == .retrain || kind == .schedule {
                // The job changed the session: views and sliders follow it.
                workspace.refresh()
                syncSelectionAfterChange()
            }
            if !failed, kind == .export || kind == .save { unsavedChanges = 0 }
            toasts.post(message, level: failed ? .error : .info, now: context.now, duration: failed ? 8 : 5)
            if !failed, confirmation == .quit, kind == .save { quitRequested = true }
        }
    }

    /// The history as views should show it: the live mirror during a job, else the workspace's.
    var sessionView: SessionView { workspaceMirror ?? workspace.view }
    var workspaceMirror: SessionView?
    /// Set when a save that was asked for on quit finished: the app quits.
    var quitRequested = false

    mutating func handleKey(_ key: Key, context: DrawContext) -> AppAction {
        if prompt != nil { handlePromptKey(key, context: context); return .continue }
        if let c = confirmation { return handleConfirmation(c, key: key, context: context) }
        if showHelp {
            if key == .escape || key == .char("?") || key == .char("q") { showHelp = false }
            return .continue
        }
        if showSettings { handleSettingsKey(key, context: context); return .continue }

        switch key {
        case .char("q"):
            if unsavedChanges > 0 || job != nil { confirmation = .quit; return .continue }
            return .quit
        case .ctrl("c"):
            job?.cancel.cancel()
            return .quit
        case .char("?"): showHelp = true; return .continue
        case .escape:
            if let j = job { j.cancel.cancel(); toasts.post("cancelling \(j.title)…", now: context.now) }
            else if showExplanation { showExplanation = false }
            else if screen != .main { screen = .main }
            return .continue
        case .char("1"), .char("2"), .char("3"), .char("4"):
            if case .char(let c) = key, let n = Int(String(c)), let s = Screen(rawValue: n) { screen = s }
            if screen == .history { historyTable.selected = sessionView.cursor }
            return .continue
        case .char("T"):
            themeIndex = (themeIndex + 1) % themes.count
            toasts.post("theme: \(themes[themeIndex].name)", now: context.now)
            return .continue
        case .char("x"): showExplanation.toggle(); return .continue
        case .char("o"): showSettings = true; return .continue
        case .char("u"): undo(context: context); return .continue
        case .ctrl("r"), .char("U"): redo(context: context); return .continue
        case .char("e"): openPrompt(.exportPath, context: context); return .continue
        case .char("w"): openPrompt(.sessionPath, context: context); return .continue
        case .char("r"): startRetrain(context: context); return .continue
        case .char("p"): startSchedule(context: context); return .continue
        case .char("s"):
            screen = .sensitivity
            startSensitivity(context: context)
            return .continue
        default: break
        }
        switch screen {
        case .main: handleMainKey(key, context: context)
        case .history: handleHistoryKey(key, context: context)
        case .sensitivity:
            if key == .enter { startSensitivity(context: context) }
        case .frontier: break
        }
        return .continue
    }

    mutating func handleMainKey(_ key: Key, context: DrawContext) {
        if focus.handle(key) { return }
        if let layer = selected {
            var s = workspace.slider(for: layer.tensor)
            if s.handle(key) {
                guard refuseIfBusy(context) else { return }
                guard !workspace.sliderIsImplied else {
                    toasts.post("2:4 implies 50 % of each group of 4; Enter applies it", level: .warning, now: context.now)
                    return
                }
                focus.focus(1)
                setSlider(s, for: layer.tensor, context: context)
                return
            }
        }
        if layerTable.handle(key, rowCount: layers.count, pageSize: 5) { return }
        switch key {
        case .enter: applyPending(context: context)
        case .char("t"): openPrompt(.value, context: context)
        case .char("m"):
            var c = controls
            guard c.allowsThreshold else {
                toasts.post("the slider is a sparsity for \(c.criterion.rawValue) \(c.granularity.rawValue); a |w| threshold needs magnitude, unstructured",
                            level: .warning, now: context.now)
                return
            }
            c.sliderMode = c.sliderMode == .threshold ? .sparsity : .threshold
            setControls(c, context: context)
        case .char("g"):
            var c = controls
            c.scope = c.scope == .layer ? .global : .layer
            setControls(c, context: context)
        case .char("c"):
            var c = controls
            c.change(.criterion, by: 1)
            setControls(c, context: context)
        case .char("n"):
            var c = controls
            c.change(.granularity, by: 1)
            setControls(c, context: context)
        case .char("L"): logScale.toggle()
        case .char("a"):
            switch heatmapMode {
            case .auto: heatmapMode = .weights
            case .weights: heatmapMode = .fractionPruned
            case .fractionPruned: heatmapMode = selected?.inputImage != nil ? .inputPixels : .weights
            case .inputPixels: heatmapMode = .auto
            }
        default: break
        }
    }

    mutating func handleHistoryKey(_ key: Key, context: DrawContext) {
        let count = sessionView.history.count
        if historyTable.handle(key, rowCount: count, pageSize: max(1, areas.historyTable.height - 2)) { return }
        if key == .enter {
            guard refuseIfBusy(context) else { return }
            let target = min(historyTable.selected, count - 1)
            do {
                try workspace.jump(to: target)
                historyChanged(context: context)
                toasts.post("at step \(target): \(workspace.view.history[target].summary)", now: context.now)
            } catch {
                toasts.post("\(error)", level: .error, now: context.now)
            }
        }
    }

    mutating func handleSettingsKey(_ key: Key, context: DrawContext) {
        let rows = ExplorerControls.Setting.allCases
        switch key {
        case .escape, .char("o"), .char("q"), .enter: showSettings = false
        case .up, .char("k"): settingsRow = (settingsRow + rows.count - 1) % rows.count
        case .down, .char("j"), .tab: settingsRow = (settingsRow + 1) % rows.count
        case .left, .char("h"), .right, .char("l"), .char(" "):
            var c = controls
            c.change(rows[settingsRow], by: key == .left || key == .char("h") ? -1 : 1)
            setControls(c, context: context)
        default: break
        }
    }

    /// True if the session is free; otherwise says why not and returns false.
    mutating func refuseIfBusy(_ context: DrawContext) -> Bool {
        guard let j = job, j.kind.ownsSession else { return true }
        toasts.post("busy: \(j.title) (Esc cancels)", level: .warning, now: context.now)
        return false
    }

    mutating func setControls(_ c: ExplorerControls, context: DrawContext) {
        let affectsSession = c.changesPreview(from: controls)
        if affectsSession {
            guard refuseIfBusy(context) else { return }
            if c.criterion.needsData && workspace.session.train == nil {
                toasts.post("\(c.criterion.rawValue) needs training data for gradients; this model has none", level: .warning, now: context.now)
                return
            }
            if c.scope == .global && c.granularity != .unstructured && c.granularity != .twoOfFour {
                toasts.post("global scope ranks single weights only (norms of different layers are not comparable)", level: .warning, now: context.now)
                return
            }
        }
        workspace.setControls(c)
        if affectsSession { previewChanged() }
    }

    mutating func setSlider(_ s: SliderState, for tensor: String, context: DrawContext) {
        if let error = workspace.setSlider(s, for: tensor) {
            toasts.post(error, level: .error, now: context.now, duration: 6)
        }
        previewChanged()
    }

    /// The preview changed: new figures now, a new accuracy soon.
    mutating func previewChanged() {
        previewGeneration += 1
        previewAccuracy = nil
        let p = workspace.preview
        if p.isEmpty {
            previewMetrics = nil
            previewDue = false
        } else {
            previewMetrics = workspace.previewMetrics()
            // Evaluated on the next tick, one at a time: a held key does not queue one per step.
            previewDue = true
        }
    }

    mutating func launchAccuracyPreview() {
        previewDue = false
        guard let validation = workspace.session.validation, !workspace.preview.isEmpty else { return }
        let model = workspace.previewModel()
        let generation = previewGeneration
        let post = self.post
        previewInFlight = true
        let handle = ModelHandle(model: model)
        worker.run {
            let e = evaluate(handle.model, on: validation)
            post(.previewEvaluated(generation: generation, accuracy: e.accuracy, loss: Double(e.loss)))
        }
    }

    /// Times dense vs CSR forward passes of a copy of the current model on
    /// one validation sample and on a batch of up to 256, in the background.
    mutating func launchInferenceMeasurement() {
        inferenceDue = false
        let model = workspace.session.model
        guard let validation = workspace.session.validation, validation.count > 0,
              model.layers.contains(where: { $0.kind == .dense }) else { return }
        let handle = ModelHandle(model: model.copy())
        let one = validation.batch(0..<1).inputs, many = validation.batch(0..<min(256, validation.count)).inputs
        let generation = inferenceGeneration, post = self.post
        inferenceInFlight = true
        worker.run {
            let timings = [SparseInference.measure(handle.model, input: one, repeats: 20),
                           SparseInference.measure(handle.model, input: many, repeats: 3)]
            post(.inferenceMeasured(generation: generation, timings: timings))
        }
    }

    // MARK: Steps

    mutating func applyPending(context: DrawContext) {
        guard refuseIfBusy(context) else { return }
        if workspace.sliderIsImplied, let layer = selected {
            // N:M has no slider value: Enter both previews and applies.
            workspace.updatePreview(for: layer.tensor)
        }
        guard workspace.pendingRequest() != nil else {
            toasts.post("nothing to apply: move the slider (←→) to prune more", level: .warning, now: context.now)
            return
        }
        do {
            if let step = try workspace.applyPending() {
                historyChanged(context: context)
                let m = step.metrics
                toasts.post("step \(step.id): \(Text.percent(m.prunableSparsity)) of prunable weights pruned, acc \(m.accuracy.map(Text.percent) ?? "n/a")",
                            now: context.now)
            }
        } catch {
            toasts.post("\(error)", level: .error, now: context.now, duration: 8)
        }
    }

    mutating func undo(context: DrawContext) {
        guard refuseIfBusy(context) else { return }
        guard workspace.session.canUndo else { toasts.post("nothing to undo: at the first step", level: .warning, now: context.now); return }
        do {
            let undone = workspace.view.history[workspace.view.cursor].summary
            try workspace.undo()
            historyChanged(context: context)
            toasts.post("undid: \(undone)", now: context.now)
        } catch { toasts.post("\(error)", level: .error, now: context.now) }
    }

    mutating func redo(context: DrawContext) {
        guard refuseIfBusy(context) else { return }
        guard workspace.session.canRedo else { toasts.post("nothing to redo", level: .warning, now: context.now); return }
        do {
            try workspace.redo()
            historyChanged(context: context)
            toasts.post("redid: \(workspace.view.history[workspace.view.cursor].summary)", now: context.now)
        } catch { toasts.post("\(error)", level: .error, now: context.now) }
    }

    mutating func historyChanged(context: DrawContext) {
        unsavedChanges += 1
        historyTable.selected = workspace.view.cursor
        syncSelectionAfterChange()
    }

    mutating func syncSelectionAfterChange() {
        previewChanged()
        // The step changed: its measured speed is stale.
        inferenceGeneration += 1
        inferenceTimings = nil
        inferenceDue = measuresInference
        layerTable.selected = selectedIndex
    }

    /// The optimiser of the recipe, at the controls' learning rate.
    var retrainOptimizer: OptimizerConfig {
        let lr = controls.learningRate
        switch workspace.bundle?.spec.training.optimizer {
        case .adam(_, let b1, let b2, let eps, let wd)?: return .adam(learningRate: lr, beta1: b1, beta2: b2, epsilon: eps, weightDecay: wd)
        case .sgd(_, let momentum, let wd)?: return .sgd(learningRate: lr, momentum: momentum, weightDecay: wd)
        case nil: return .sgd(learningRate: lr, momentum: 0.9)
        }
    }

    var stepsPerEpoch: Int {
        let n = workspace.session.train?.count ?? 0
        return max(1, (n + workspace.batchSize - 1) / workspace.batchSize)
    }

    mutating func beginJob(_ kind: ExplorerJob.Kind, _ title: String, context: DrawContext) -> CancelFlag? {
        if let j = job {
            toasts.post("busy: \(j.title) (Esc cancels)", level: .warning, now: context.now)
            return nil
        }
        let flag = CancelFlag()
        job = ExplorerJob(kind: kind, title: title, cancel: flag)
        if kind.ownsSession {
            workspaceMirror = workspace.view
            previewDue = false
        }
        return flag
    }

    mutating func startRetrain(context: DrawContext) {
        guard workspace.session.train != nil else {
            toasts.post("this model has no training data to retrain on", level: .warning, now: context.now); return
        }
        let c = controls
        let epochs = c.retrainEpochs, opt = retrainOptimizer, batch = workspace.batchSize
        let what = c.l1Lambda > 0 ? "regularise (L1 \(Text.compact(Double(c.l1Lambda))))" : "retrain"
        guard let cancel = beginJob(.retrain, "\(what) \(epochs) epoch\(epochs == 1 ? "" : "s")", context: context) else { return }
        liveLosses = []
        let handle = SessionHandle(session: workspace.session, bundle: workspace.bundle)
        let post = self.post
        let total = Double(epochs * stepsPerEpoch)
        worker.run {
            do {
                var done = 0.0
                let step = try handle.session.retrain(epochs: epochs, batchSize: batch, optimizer: opt, l1Lambda: c.l1Lambda, onEvent: { e in
                    if case .step(let epoch, _, _, let loss) = e {
                        done += 1
                        post(.trainingStep(loss: loss))
                        post(.progress(fraction: done / total, status: "epoch \(epoch) loss \(Text.fixed(Double(loss), 4))"))
                    }
                }, isCancelled: { cancel.isCancelled })
                post(.recorded(step))
                let acc = step.metrics.accuracy.map(Text.percent) ?? "n/a"
                post(.jobFinished(message: "step \(step.id): \(step.summary), acc \(acc)", failed: false))
            } catch {
                post(.jobFinished(message: "\(error)", failed: true))
            }
        }
        toasts.post("\(what) in the background (Esc cancels)", now: context.now)
    }

    mutating func startSchedule(context: DrawContext) {
        guard refuseIfBusy(context) else { return }
        guard let request = workspace.scheduleRequest() else {
            toasts.post("set a target first: move the slider (←→), then p runs the \(controls.schedule.rawValue) schedule to it",
                        level: .warning, now: context.now)
            return
        }
        let c = controls
        let schedule: Schedule
        var epochs = c.retrainEpochs
        switch c.schedule {
        case .oneShot: schedule = .oneShot
        case .iterative: schedule = .iterative(rounds: c.rounds)
        case .gradual:
            schedule = .gradual(initialSparsity: 0, startStep: 1, frequency: c.gradualFrequency, updates: c.gradualUpdates)
            // Train long enough for the last mask update to happen.
            epochs = max(epochs, (1 + c.gradualFrequency * c.gradualUpdates + stepsPerEpoch - 1) / stepsPerEpoch)
        case .lottery: schedule = .lottery(rounds: c.rounds, rewindIteration: c.rewindIteration)
        }
        let needsData = schedule != .oneShot
        if needsData && workspace.session.train == nil {
            toasts.post("\(c.schedule.rawValue) retrains; this model has no training data", level: .warning, now: context.now); return
        }
        let retrain = needsData ? RetrainSettings(epochs: epochs, batchSize: workspace.batchSize, optimizer: retrainOptimizer, l1Lambda: c.l1Lambda) : nil
        guard let cancel = beginJob(.schedule, "\(schedule)", context: context) else { return }
        liveLosses = []
        let handle = SessionHandle(session: workspace.session, bundle: workspace.bundle)
        let post = self.post
        worker.run {
            do {
                let steps = try handle.session.run(schedule, request: request, retrain: retrain, onEvent: { e in
                    switch e {
                    case .phase(let name, let f): post(.progress(fraction: f, status: name))
                    case .training(let t, let f):
                        if case .step(let epoch, _, _, let loss) = t {
                            post(.trainingStep(loss: loss))
                            post(.progress(fraction: f, status: "epoch \(epoch) loss \(Text.fixed(Double(loss), 4))"))
                        }
                    case .recorded(let step): post(.recorded(step))
                    }
                }, isCancelled: { cancel.isCancelled })
                let last = steps.last?.metrics
                let summary = last.map { "\(Text.percent($0.prunableSparsity)) of prunable weights, acc \($0.accuracy.map(Text.percent) ?? "n/a")" } ?? "no steps"
                post(.jobFinished(message: "\(schedule): \(steps.count) steps, \(summary)" + (cancel.isCancelled ? " (cancelled)" : ""), failed: false))
            } catch {
                post(.jobFinished(message: "\(error)", failed: true))
            }
        }
    }

    mutating func startSensitivity(context: DrawContext) {
        guard let validation = workspace.session.validation else {
            toasts.post("sensitivity needs validation data; this model has none", level: .warning, now: context.now); return
        }
        guard job == nil else {
            if job?.kind != .sensitivity { _ = refuseIfBusy(context) }
            return
        }
        // Data-free criteria only (the sweep runs on a copy, without gradients), on single weights.
        let criterion: Criterion = controls.criterion.needsData ? .magnitude : workspace.criterion
        let granularity = Granularity.unstructured
        guard let cancel = beginJob(.sensitivity, "sensitivity sweep (\(criterion.name))", context: context) else { return }
        sensitivity = []
        sensitivityBaseline = nil
        let handle = ModelHandle(model: workspace.session.model.copy())
        let tensors = layers.map(\.tensor)
        let post = self.post
        let sparsities = ExplorerApp.sensitivitySparsities
        worker.run {
            do {
                let baseline = evaluate(handle.model, on: validation).accuracy
                let result = try SensitivityAnalysis.run(model: handle.model, validation: validation, tensors: tensors,
                                                         sparsities: sparsities, criterion: criterion, granularity: granularity,
                                                         onProgress: { p in post(.sensitivityPoint(p.point, baseline: baseline, done: p.done, total: p.total)) },
                                                         isCancelled: { cancel.isCancelled })
                post(.jobFinished(message: "sensitivity: \(result.points.count) points" + (result.cancelled ? " (cancelled)" : ""), failed: false))
            } catch {
                post(.jobFinished(message: "\(error)", failed: true))
            }
        }
    }

    mutating func startExport(to path: String, context: DrawContext) {
        guard let bundle = workspace.bundle else {
            toasts.post("export needs the model's spec and data", level: .error, now: context.now); return
        }
        guard let _ = beginJob(.export, "export to \(path)", context: context) else { return }
        let handle = SessionHandle(session: workspace.session, bundle: bundle)
        let post = self.post
        let c = controls
        let settings = ["criterion": c.criterion.rawValue, "granularity": c.granularity.rawValue, "scope": c.scope.rawValue,
                        "source": "prunescope explorer"]
        worker.run {
            do {
                let r = try SessionExport.write(session: handle.session, bundle: bundle, to: path,
                                                command: "prunescope open (explorer export)", settings: settings)
                let files = r.files.values.sorted() + ["report.json", "report.md"]
                post(.jobFinished(message: "wrote \(files.joined(separator: ", ")) to \(path)", failed: false))
            } catch {
                post(.jobFinished(message: "export failed: \(error)", failed: true))
            }
        }
    }

    mutating func startSave(to path: String, context: DrawContext) {
        guard let _ = beginJob(.save, "save session to \(path)", context: context) else { return }
        let handle = SessionHandle(session: workspace.session, bundle: workspace.bundle)
        let post = self.post
        worker.run {
            do {
                try handle.session.save(to: path)
                post(.jobFinished(message: "session saved to \(path) (reopen: prunescope open MODEL --session \(path))", failed: false))
            } catch {
                post(.jobFinished(message: "save failed: \(error)", failed: true))
            }
        }
    }

    // MARK: Prompts and confirmations

    mutating func openPrompt(_ purpose: OpenPrompt.Purpose, context: DrawContext) {
        switch purpose {
        case .value:
            guard let layer = selected else { return }
            guard !workspace.sliderIsImplied else {
                toasts.post("2:4 implies its sparsity; Enter applies it", level: .warning, now: context.now); return
            }
            let s = workspace.slider(for: layer.tensor)
            let scopeName = controls.scope == .global ? "all layers" : layer.name
            let text = controls.effectiveSliderMode == .threshold ? Text.fixed(s.value, 5) : Text.fixed(s.value * 100, 1) + "%"
            let label = controls.effectiveSliderMode == .threshold ? "|w| < (or NN%)" : "sparsity %"
            prompt = OpenPrompt(purpose: .value, state: PromptState(title: "Prune \(scopeName)", label: label, text: text))
        case .exportPath:
            guard workspace.bundle != nil else {
                toasts.post("export needs the model's spec and data", level: .error, now: context.now); return
            }
            prompt = OpenPrompt(purpose: .exportPath, state: PromptState(title: "Export pruned model, masks, report", label: "directory", text: exportDirectory))
        case .sessionPath:
            prompt = OpenPrompt(purpose: .sessionPath, state: PromptState(title: "Save session", label: "directory", text: sessionDirectory))
        }
    }

    mutating func handlePromptKey(_ key: Key, context: DrawContext) {
        guard var p = prompt else { return }
        switch p.state.handle(key) {
        case .editing: prompt = p
        case .cancelled: prompt = nil
        case .submitted(let raw):
            let text = raw.trimmingCharacters(in: .whitespaces)
            switch p.purpose {
            case .value:
                if let error = submitValue(text, context: context) { p.state.error = error; prompt = p } else { prompt = nil }
            case .exportPath:
                guard !text.isEmpty else { p.state.error = "give a directory"; prompt = p; return }
                prompt = nil
                exportDirectory = text
                if ExplorerApp.isNonEmptyDirectory(text) || FileManager.default.fileExists(atPath: text) && !ExplorerApp.isDirectory(text) {
                    confirmation = .overwrite(path: text)
                } else {
                    startExport(to: text, context: context)
                }
            case .sessionPath:
                guard !text.isEmpty else { p.state.error = "give a directory"; prompt = p; return }
                prompt = nil
                sessionDirectory = text
                startSave(to: text, context: context)
            }
        }
    }

    /// Parses a typed threshold ("0.02") or sparsity ("90%", or a number in sparsity mode) and moves the slider.
    mutating func submitValue(_ text: String, context: DrawContext) -> String? {
        guard let layer = selected else { return nil }
        guard refuseIfBusy(context) else { return nil }
        let isPercent = text.hasSuffix("%")
        let number = Double(isPercent ? String(text.dropLast()).trimmingCharacters(in: .whitespaces) : text)
        guard let v = number, v.isFinite, v >= 0 else { return "\"\(text)\" is not a non-negative number" }
        var c = controls
        if isPercent || c.effectiveSliderMode == .sparsity {
            let s = isPercent || v >= 1 ? v / 100 : v
            guard s < 1 else { return "a sparsity must be below 100 %" }
            if c.effectiveSliderMode != .sparsity { c.sliderMode = .sparsity; setControls(c, context: context) }
            var slider = workspace.slider(for: layer.tensor)
            slider.set(s)
            setSlider(slider, for: layer.tensor, context: context)
        } else {
            var slider = workspace.slider(for: layer.tensor)
            guard v <= slider.range.upperBound else { return "above the largest |w| (\(Text.compact(slider.range.upperBound)))" }
            slider.set(v)
            setSlider(slider, for: layer.tensor, context: context)
        }
        return nil
    }

    mutating func handleConfirmation(_ c: Confirmation, key: Key, context: DrawContext) -> AppAction {
        switch (c, key) {
        case (.overwrite(let path), .char("y")):
            confirmation = nil
            startExport(to: path, context: context)
        case (.quit, .char("y")), (.quit, .char("q")):
            job?.cancel.cancel()
            return .quit
        case (.quit, .char("w")):
            if job == nil { startSave(to: sessionDirectory, context: context) }
        case (_, .escape), (_, .char("n")):
            confirmation = nil
        default: break
        }
        return .continue
    }

    static func isDirectory(_ path: String) -> Bool {
        var d: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &d) && d.boolValue
    }

    static func isNonEmptyDirectory(_ path: String) -> Bool {
        isDirectory(path) && !((try? FileManager.default.contentsOfDirectory(atPath: path))?.isEmpty ?? true)
    }

    // MARK: Mouse

    mutating func handleMouse(_ m: MouseEvent, context: DrawContext) {
        guard prompt == nil, confirmation == nil, !showHelp, !showSettings else { return }
        switch screen {
        case .main:
            if let layer = selected {
                var s = workspace.slider(for: layer.tensor)
                let changed = s.handle(m, track: areas.slider)
                if s.dragging || changed { focus.focus(1) }
                if changed {
                    guard refuseIfBusy(context) else { return }
                    setSlider(s, for: layer.tensor, context: context)
                    return
                }
                // A press that starts a drag changes no value but must be remembered.
                workspace.keepSliderState(s, for: layer.tensor)
                if s.dragging { return }
            }
            if m.kind == .press || m.kind == .click {
                focus.focus(at: m.position, panes: [areas.layerTable, areas.histogram, areas.heatmap, areas.chart])
            }
            _ = layerTable.handle(m, area: areas.layerTable, rowCount: layers.count)
        case .history:
            _ = historyTable.handle(m, area: areas.historyTable, rowCount: sessionView.history.count)
        default: break
        }
    }
}

/// A model handed to one background evaluation (a private copy).
struct ModelHandle: @unchecked Sendable {
    let model: Model
}
