import Foundation
import PruneKit
import PruneTUI

extension ExplorerModel {
    /// Takes the job slot for `job` and asks the runner to start it; the one
    /// place that says no while another job runs.
    @discardableResult
    mutating func startJob(_ request: ExplorerJob, now: Double) -> Bool {
        if let running = job {
            toast("busy: \(running.title) (Esc cancels)", .warning, now: now)
            return false
        }
        job = RunningJob(job: request)
        liveLosses = []
        emit(.startJob(request))
        return true
    }

    mutating func applyPreview(now: Double, confirmed: Bool) {
        guard let request = preview.pendingRequest() else {
            let why =
                preview.needsScores
                ? "the \(controls.criterion.rawValue) scores are still being computed"
                : "move the slider (←→) to prune more"
            toast("nothing to apply: \(why)", .warning, now: now)
            return
        }
        let emptied = preview.emptiedLayers().map(\.name)
        if !confirmed, !emptied.isEmpty {
            modal = .confirm(.applyEmptying(layers: emptied))
            return
        }
        startJob(.apply(request), now: now)
    }

    mutating func startRetrain(now: Double) {
        guard info.train != nil else { toast("this model has no training data to retrain on", .warning, now: now); return }
        let c = controls
        let settings = RetrainSettings(
            epochs: c.retrainEpochs, batchSize: info.batchSize,
            optimizer: info.retrainOptimizer(learningRate: c.learningRate), l1Lambda: c.l1Lambda,
            splicing: c.splicing ? SplicingSettings() : nil)
        if startJob(.retrain(settings), now: now) {
            toast("\(ExplorerJob.retrain(settings).title) in the background (Esc cancels)", now: now)
        }
    }

    mutating func startSchedule(now: Double) {
        guard let request = preview.scheduleRequest() else {
            toast(
                "set a target first: move the slider (←→), then p runs the \(controls.schedule.rawValue) schedule to it",
                .warning, now: now)
            return
        }
        let c = controls
        let schedule = c.engineSchedule
        let needsData = schedule != .oneShot
        if needsData && info.train == nil {
            toast("\(c.schedule.rawValue) retrains; this model has no training data", .warning, now: now)
            return
        }
        let epochs = c.schedule == .gradual ? c.gradualEpochs(stepsPerEpoch: info.stepsPerEpoch) : c.retrainEpochs
        let retrain =
            needsData
            ? RetrainSettings(
                epochs: epochs, batchSize: info.batchSize,
                optimizer: info.retrainOptimizer(learningRate: c.learningRate),
                l1Lambda: c.l1Lambda, splicing: c.engineSplicing) : nil
        startJob(.schedule(schedule, target: request, retrain: retrain), now: now)
    }

    mutating func startSensitivity(now: Double) {
        guard info.measurement != nil else {
            toast("sensitivity needs validation data or --evaluator; this model has neither", .warning, now: now)
            return
        }
        if case .sensitivity? = job?.job { return }
        // Data-free criteria only: the sweep runs on a copy, without gradients.
        let criterion: Criterion = controls.criterion.needsData ? .magnitude : preview.criterion
        let granularity: ExplorerControls.GranularityChoice = controls.granularity == .units ? .units : .unstructured
        if startJob(.sensitivity(criterion: criterion, granularity: granularity, sparsities: ExplorerModel.sensitivitySparsities), now: now)
        {
            sensitivity = []
            sensitivitySkips = []
            sensitivityBaseline = nil
            sensitivityGranularity = granularity
            allocation = nil
        }
    }

    // MARK: Prompts and confirmations

    mutating func openPrompt(_ purpose: Prompt.Purpose, now: Double) {
        switch purpose {
        case .value:
            guard let layer = selected else { return }
            guard !preview.sliderIsImplied else { toast("2:4 implies its sparsity; Enter applies it", .warning, now: now); return }
            let s = preview.slider(for: layer.tensor)
            let scopeName = controls.scope == .global ? "all layers" : layer.name
            let byThreshold = controls.effectiveSliderMode == .threshold
            let text =
                byThreshold ? (preview.threshold(for: layer.tensor).map { Text.fixed($0, 5) } ?? "") : Text.fixed(s.value * 100, 1) + "%"
            let label = byThreshold ? "|w| < (or NN%)" : "sparsity %"
            modal = .prompt(Prompt(purpose: .value, state: PromptState(title: "Prune \(scopeName)", label: label, text: text)))
        case .exportPath:
            guard info.bundle != nil else { toast("export needs the model's spec and data", .error, now: now); return }
            modal = .prompt(
                Prompt(
                    purpose: .exportPath,
                    state: PromptState(title: "Export pruned model, masks, report", label: "directory", text: exportDirectory)))
        case .sessionPath:
            modal = .prompt(
                Prompt(purpose: .sessionPath, state: PromptState(title: "Save session", label: "directory", text: sessionDirectory)))
        case .allocationTarget:
            if let why = allocationUnavailable() { toast(why, .warning, now: now); return }
            let text = Format.percent(allocation?.requestedSparsity ?? max(0.9, session.metrics.prunableSparsity))
            modal = .prompt(
                Prompt(
                    purpose: .allocationTarget,
                    state: PromptState(title: "Allocate per-layer targets from sensitivity", label: "overall sparsity", text: text)))
        }
    }

    mutating func handlePromptKey(_ key: Key, prompt: Prompt, now: Double) {
        var p = prompt
        switch p.state.handle(key) {
        case .editing: modal = .prompt(p)
        case .cancelled: modal = nil
        case .submitted(let raw):
            let text = raw.trimmingCharacters(in: .whitespaces)
            modal = nil
            switch p.purpose {
            case .value:
                if let error = submitValue(text, now: now) { p.state.error = error; modal = .prompt(p) }
            case .exportPath:
                guard !text.isEmpty else { p.state.error = "give a directory"; modal = .prompt(p); return }
                exportDirectory = text
                startExport(to: text, replacing: false, now: now)
            case .sessionPath:
                guard !text.isEmpty else { p.state.error = "give a directory"; modal = .prompt(p); return }
                sessionDirectory = text
                startJob(.save(path: text), now: now)
            case .allocationTarget:
                if let error = allocate(text, now: now) { p.state.error = error; modal = .prompt(p) }
            }
        }
    }

    mutating func startExport(to path: String, replacing: Bool, createParents: Bool = false, now: Double) {
        let c = controls
        startJob(
            .export(
                path: path, replacing: replacing, createParents: createParents,
                settings: [
                    "criterion": c.criterion.rawValue, "granularity": c.granularity.rawValue,
                    "scope": c.scope.rawValue, "source": "prunescope explorer",
                ]), now: now)
    }

    /// A typed non-negative number, and whether it ended in "%"; nil if it is not one.
    static func typedNumber(_ text: String) -> (value: Double, isPercent: Bool)? {
        let isPercent = text.hasSuffix("%")
        guard let v = Double(isPercent ? String(text.dropLast()).trimmingCharacters(in: .whitespaces) : text), v.isFinite, v >= 0
        else { return nil }
        return (v, isPercent)
    }

    /// A typed sparsity as a fraction: "90%", "90" and "0.9" are all 0.9.
    static func sparsityFraction(_ typed: (value: Double, isPercent: Bool)) -> Double {
        typed.isPercent || typed.value >= 1 ? typed.value / 100 : typed.value
    }

    /// Parses a typed threshold ("0.02") or sparsity ("90%", or a number in
    /// sparsity mode) and moves the slider; returns an error text if it cannot.
    mutating func submitValue(_ text: String, now: Double) -> String? {
        guard let layer = selected else { return nil }
        guard let typed = Self.typedNumber(text) else { return "\"\(text)\" is not a non-negative number" }
        let v = typed.value
        var slider = preview.slider(for: layer.tensor)
        if typed.isPercent || controls.effectiveSliderMode == .sparsity {
            let s = Self.sparsityFraction(typed)
            guard s < 1 else { return "a sparsity must be below 100 %" }
            slider.set(s)
        } else {
            let names = controls.scope == .global ? layers.map(\.tensor) : [layer.tensor]
            guard
                let index = try? names.count == 1
                    ? preview.planner.scoreIndex(for: layer.tensor)
                    : preview.planner.globalScoreIndex(for: names)
            else { return "no magnitudes for \(layer.name)" }
            guard let top = index.sortedScores.last, Float(v) <= top else {
                return "above the largest |w| (\(Text.compact(Double(index.sortedScores.last ?? 0))))"
            }
            slider.set(index.sparsity(atThreshold: Float(v)))
        }
        preview.setSlider(slider, for: layer.tensor)
        focus.focus(1)
        sliderMoved(now: now)
        return nil
    }

    mutating func handleConfirmation(_ c: Confirmation, key: Key, now: Double) -> AppAction {
        switch (c, key) {
        case (.overwrite(let path), .char("y")):
            modal = nil
            startExport(to: path, replacing: true, now: now)
        case (.quit, .char("y")), (.quit, .char("q")), (.quit, .ctrl("c")):
            if job != nil { emit(.cancelJob) }
            return .quit
        case (.quit, .char("w")):
            guard job == nil else { toast("wait for \(job?.title ?? "the job") or Esc to cancel it", .warning, now: now); break }
            modal = nil
            quitAfterSave = true
            startJob(.save(path: sessionDirectory), now: now)
        case (.applyEmptying, .char("y")):
            modal = nil
            applyPreview(now: now, confirmed: true)
        case (.exportWithPreview, .char("a")):
            modal = nil
            exportAfterApply = true
            applyPreview(now: now, confirmed: false)
            if job == nil { exportAfterApply = false }
        case (.exportWithPreview, .char("e")):
            modal = nil
            openPrompt(.exportPath, now: now)
        case (.createParent(let path, _), .char("y")):
            modal = nil
            startExport(to: path, replacing: false, createParents: true, now: now)
        case (_, .escape), (_, .char("n")):
            modal = nil
        default: break
        }
        return .continue
    }
}
