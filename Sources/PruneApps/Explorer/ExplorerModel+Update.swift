import PruneKit
import PruneTUI

extension ExplorerModel {
    /// Changes the model for `event` and returns what should happen next:
    /// whether to quit and the effects to run. Starts nothing and touches
    /// no file: the effect runner does that.
    public mutating func update(_ event: AppEvent<ExplorerMessage>, now: Double) -> (action: AppAction, effects: [ExplorerEffect]) {
        outbox = []
        var action = AppAction.continue
        let screenBefore = screen
        switch event {
        case .key(let key): action = handleKey(key, now: now)
        case .mouse(let m): handleMouse(m, now: now)
        case .resize(let s):
            size = s
            keepSelectionsVisible()
            boundaryChanged()
        case .interrupt:
            if job != nil { emit(.cancelJob) }
            action = .quit
        case .message(let m):
            if handleMessage(m, now: now) { action = .quit }
        }
        stopUnwantedRobustness()
        if screen != screenBefore { boundaryScreenSwitched() }
        checkLessonGoals(now: now)
        let effects = outbox
        outbox = []
        return (action, effects)
    }

    /// About every 30 ms: expires toasts and launches the background values
    /// that are due, one at a time each, never while a job runs (it has the
    /// CPU; and they would measure a state the job is about to change).
    /// Returns whether the screen changed and the effects to run.
    public mutating func tick(now: Double) -> (dirty: Bool, effects: [ExplorerEffect]) {
        var dirty = toasts.expire(now: now)
        var effects = [ExplorerEffect]()
        guard job == nil else { return (dirty, effects) }
        if let g = scores.launch() {
            effects.append(.computeScores(generation: g))
        } else if scores.inFlight == nil, let g = previewAccuracy.launch() {
            effects.append(.evaluatePreview(generation: g))
        } else if previewAccuracy.inFlight == nil, scores.inFlight == nil, let g = inference.launch() {
            effects.append(.measureInference(generation: g))
        } else if previewAccuracy.inFlight == nil, scores.inFlight == nil, inference.inFlight == nil,
            let launch = launchRobustness()
        {
            effects.append(launch)
        }
        // Alongside the others: a grid is one forward pass over the picture's pixels.
        if screen == .boundary, let g = boundary.launch() { effects.append(.evaluateBoundary(generation: g, boundaryRequest())) }
        if !effects.isEmpty { dirty = true }
        return (dirty, effects)
    }

    /// Returns true when the app should quit (a save asked for on quit finished).
    mutating func handleMessage(_ m: ExplorerMessage, now: Double) -> Bool {
        switch m {
        case .previewEvaluated(let generation, let evaluation):
            previewAccuracy.receive(evaluation, generation: generation)
        case .previewCancelled(let generation):
            previewAccuracy.receive(nil, generation: generation)
        case .previewFailed(let generation, let problem):
            if previewAccuracy.receive(nil, generation: generation) {
                toast(problem + "; move the slider to try again", .error, now: now, duration: 10)
            }
        case .boundaryEvaluated(let generation, let picture):
            receiveBoundary(picture, generation: generation)
        case .inferenceMeasured(let generation, let timings):
            inference.receive(timings, generation: generation)
        case .scoresComputed(let generation, let planner, let error):
            guard scores.receive(planner != nil, generation: generation) else { return false }
            if let planner {
                preview.reset(planner: planner.take(), metrics: session.metrics)
                preview.previewImplied(selected: selected?.tensor)
                previewChanged()
            } else {
                toast("scores failed: \(error ?? "unknown error")", .error, now: now, duration: 8)
            }
        case .robustnessMeasured(let generation, let step, let measured, let report):
            receiveRobustness(generation: generation, step: step, measured: measured, report: report)
        case .robustnessStopped(let generation, let error):
            if robustness.finish(generation: generation), let error {
                toast("robustness: \(error)", .error, now: now, duration: 8)
            }
        case .trainingLoss(let loss):
            liveLosses.append(loss)
        case .progress(let fraction, let status):
            job?.fraction = fraction
            job?.status = status
        case .published(let transfer):
            publish(transfer.take())
        case .sensitivityPoint(let point, let baseline, let done, let total):
            sensitivity.append(point)
            sensitivityBaseline = baseline
            job?.fraction = total > 0 ? Double(done) / Double(total) : 1
            job?.status = "\(point.tensor) at \(Format.percent(point.sparsity))"
        case .lessonProgressFailed(let problem):
            toast("lesson progress not saved: \(problem)", .error, now: now, duration: 8)
        case .sensitivitySkipped(let skip):
            sensitivitySkips.append(skip)
        case .exportTargetHasFiles(let path):
            job = nil
            modal = .confirm(.overwrite(path: path))
        case .exportParentMissing(let path, let parent):
            job = nil
            modal = .confirm(.createParent(path: path, parent: parent))
        case .jobFinished(let message, let failed):
            let finished = job?.job
            job = nil
            liveLosses = []
            toast(message, failed ? .error : .info, now: now, duration: failed ? 8 : 5)
            noteLessonJob(finished, failed: failed)
            switch finished {
            case .export?, .save?:
                if !failed { unsavedChanges = 0 }
            default: break
            }
            if case .save? = finished, quitAfterSave { return !failed }
            if case .apply? = finished, exportAfterApply {
                exportAfterApply = false
                if !failed { openPrompt(.exportPath, now: now) }
            }
            // Values held back while the job had the CPU.
            if measuresInference, inference.value == nil { inference.invalidate(wanted: true) }
        }
        return false
    }

    /// A job published the session: the history, the sliders and every
    /// value derived from the old step follow it.
    mutating func publish(_ published: PublishedSession) {
        let recorded = published.cursor >= session.history.count || session.history[published.cursor] != published.current
        if recorded {
            // A new step (perhaps replacing undone ones): losses of steps after it are gone.
            stepLosses = stepLosses.filter { $0.key < published.cursor }
            if !liveLosses.isEmpty { stepLosses[published.cursor] = liveLosses }
        }
        liveLosses = []
        if published.version != session.version { unsavedChanges += 1 }
        session = published
        let planner = PrunePlanner(model: published.model, train: info.train, seed: published.nextStepSeed)
        preview.reset(planner: planner, metrics: published.metrics)
        historyTable.selected = published.cursor
        scores.invalidate(wanted: preview.needsScores)
        preview.previewImplied(selected: selected?.tensor)
        previewChanged()
        // A measurement of the old step would be thrown away: stop it (on a
        // big model it runs for seconds and holds back the new one).
        if inference.inFlight != nil { emit(.cancelInference) }
        inference.invalidate(wanted: measuresInference)
        keepSelectionsVisible()
    }

    /// The preview changed: new figures now, a new accuracy soon.
    mutating func previewChanged() {
        boundaryChanged()
        // Counts from the sliders' cuts, not a pass over a copy of the model.
        previewMetrics = preview.previewMetrics()
        if previewMetrics == nil {
            previewAccuracy.invalidate(wanted: false)
        } else {
            // Evaluated on a tick, one at a time: a held key does not queue one per step.
            // The user's evaluator may take seconds: the stale request is stopped.
            if info.evaluator != nil, previewAccuracy.inFlight != nil { outbox.append(.cancelPreview) }
            previewAccuracy.invalidate(wanted: info.measurement != nil)
        }
    }

    mutating func keepSelectionsVisible() {
        layerTable.scrollToSelection(visible: layout.visibleLayerRows, rowCount: layers.count)
        historyTable.scrollToSelection(visible: layout.visibleHistoryRows, rowCount: session.history.count)
    }

    // MARK: Mouse

    mutating func handleMouse(_ m: MouseEvent, now: Double) {
        guard modal == nil else { return }
        let areas = layout
        switch screen {
        case .main:
            if let layer = selected, !preview.sliderIsImplied {
                var s = preview.slider(for: layer.tensor)
                let changed = s.handle(m, track: sliderTrack(for: layer))
                if s.dragging || changed { focus.focus(1) }
                // A press that starts a drag changes no value but must be remembered.
                preview.setSlider(s, for: layer.tensor)
                if changed { sliderMoved(now: now); return }
                if s.dragging { return }
            }
            if m.kind == .press || m.kind == .click { _ = focus.focus(at: m.position, panes: areas.focusPanes) }
            let tableArea = Block.inner(areas.layersBlock)
            if layerTable.handle(m, area: tableArea, rowCount: layers.count) { layerSelectionChanged() }
        case .history:
            _ = historyTable.handle(m, area: Block.inner(areas.historyBlock), rowCount: session.history.count)
            keepSelectionsVisible()
        default: break
        }
    }

    /// The slider track of `layer`'s row as the view lays it out.
    func sliderTrack(for layer: ExplorerLayer) -> Rect {
        Slider.layout(area: layout.sliderRow, label: sliderLabel, readout: sliderReadout(for: layer)).track
    }

    /// The slider's label: what its number is.
    var sliderLabel: String {
        (controls.scope == .global ? "global " : "") + (controls.effectiveSliderMode == .threshold ? "|w| <" : "sparsity")
    }

    /// The slider's readout: the threshold it prunes below, or its target sparsity.
    func sliderReadout(for layer: ExplorerLayer) -> String {
        let s = preview.slider(for: layer.tensor)
        guard controls.effectiveSliderMode == .threshold else { return Format.percent(s.value) }
        return preview.threshold(for: layer.tensor).map { Text.fixed($0, 5) } ?? "none new"
    }
}
