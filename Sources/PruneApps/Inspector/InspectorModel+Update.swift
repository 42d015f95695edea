import PruneKit
import PruneTUI

extension InspectorModel {
    /// Asks for the statistics pass (once, before the first event): the
    /// list is usable at once, the figures arrive as it reads.
    public mutating func startLoading() -> [InspectorEffect] {
        guard loading == nil, inspection == nil else { return [] }
        loading = InspectionProgress(
            bytesDone: 0, bytesTotal: archive.tensors.reduce(0) { $0 + $1.byteCount },
            tensorsDone: 0, tensorsTotal: archive.tensors.count)
        return [.loadStatistics(rules: rules)]
    }

    /// Changes the model for `event` and returns what should happen next:
    /// whether to quit and the effects to run. Starts nothing and touches
    /// no file: the effect runner does that.
    public mutating func update(_ event: AppEvent<InspectorMessage>, now: Double) -> (action: AppAction, effects: [InspectorEffect]) {
        outbox = []
        var action = AppAction.continue
        switch event {
        case .key(let key): action = handleKey(key, now: now)
        case .mouse(let mouse): handleMouse(mouse, now: now)
        case .resize(let newSize): size = newSize
        case .interrupt: action = quit()
        case .message(let message): handleMessage(message, now: now)
        }
        keepSelectionVisible()
        noteCutChange()
        let effects = outbox
        outbox = []
        return (action, effects)
    }

    /// About every 30 ms: expires toasts. Returns whether the screen changed
    /// and the effects to run (none: the inspector has no values due later).
    public mutating func tick(now: Double) -> (dirty: Bool, effects: [InspectorEffect]) {
        var dirty = toasts.expire(now: now)
        var effects = [InspectorEffect]()
        if let g = evaluation.launch(), let cut = evaluatedCut {
            effects.append(.evaluate(generation: g, cut))
            dirty = true
        }
        return (dirty, effects)
    }

    /// Quits, stopping the statistics pass if it still runs (an export runs to its end).
    mutating func quit() -> AppAction {
        if loading != nil { emit(.cancelLoading) }
        return .quit
    }

    mutating func handleMessage(_ message: InspectorMessage, now: Double) {
        switch message {
        case .progress(let progress):
            if loading != nil { loading = progress }
        case .loaded(let result):
            // The rules may have changed while it read: decide again under today's.
            inspection = result.rules == rules ? result : result.withRules(rules)
            loading = nil
            toast("statistics of \(result.entries.count) tensors ready", now: now)
        case .loadFailed(let problem):
            loading = nil
            toast(problem, .error, now: now, duration: 10)
        case .exportTargetExists(let path):
            exporting = nil
            modal = .confirmOverwrite(path: path)
        case .exportParentMissing(let path, let parent):
            exporting = nil
            modal = .confirmCreateParent(path: path, parent: parent)
        case .exportFinished(let text, let failed):
            exporting = nil
            toast(text, failed ? .error : .info, now: now, duration: failed ? 10 : 6)
        case .evaluated(let generation, let result):
            receiveEvaluation(result, generation: generation)
        case .evaluationFailed(let generation, let problem):
            guard evaluation.receive(nil, generation: generation) else { return }
            evaluationProblem = problem
            toast(problem + "; move the slider to try again", .error, now: now, duration: 10)
        }
    }

    /// The list's scroll follows the selection, for the rows the layout shows.
    mutating func keepSelectionVisible() {
        table.scrollToSelection(visible: layout.visibleRows, rowCount: rows.count)
    }

    // MARK: Mouse

    mutating func handleMouse(_ mouse: MouseEvent, now: Double) {
        switch modal {
        case .help(let scroll)?:
            var state = HelpState(scroll: scroll)
            if state.handle(mouse, help: InspectorKeys.help(unicode: true), area: layout.full) { modal = .help(scroll: state.scroll) }
            return
        case .prompt?, .confirmOverwrite?, .confirmCreateParent?:
            return
        case nil:
            break
        }
        // A drag that started on the slider keeps it even off the track.
        if showsSlider || slider.dragging {
            let changed = slider.handle(mouse, track: sliderTrack)
            if changed || slider.dragging { return }
        }
        _ = table.handle(mouse, area: layout.table, rowCount: rows.count)
    }
}
