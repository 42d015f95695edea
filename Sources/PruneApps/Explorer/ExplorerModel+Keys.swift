import PruneKit
import PruneTUI

extension ExplorerModel {
    /// A key goes to the modal on top, if any, else through the key table.
    mutating func handleKey(_ key: Key, now: Double) -> AppAction {
        switch modal {
        case .prompt(let p)?: handlePromptKey(key, prompt: p, now: now); return .continue
        case .confirm(let c)?: return handleConfirmation(c, key: key, now: now)
        case .help(let scroll)?:
            switch ExplorerKeys.binding(for: key, in: .help)?.action {
            case .scrollHelp?:
                var state = HelpState(scroll: scroll)
                _ = state.handle(key, help: help(unicode: true), area: layout.full)
                modal = .help(scroll: state.scroll)
            case .closeHelp?: modal = nil
            default: break
            }
            return .continue
        case .settings(let row)?:
            handleSettingsKey(key, row: row, now: now)
            return .continue
        case nil: break
        }
        if let overlay = lessons.overlay {
            handleLessonKey(key, overlay: overlay, now: now)
            return .continue
        }
        guard let binding = ExplorerKeys.binding(for: key, in: KeyContext.of(screen)) else {
            toast("\(KeyName.of(key)): no such key here (? lists the keys)", .warning, now: now)
            return .continue
        }
        return perform(binding.action, key: key, now: now)
    }

    mutating func perform(_ action: ExplorerAction, key: Key, now: Double) -> AppAction {
        switch action {
        case .quit:
            if unsavedChanges > 0 || job != nil { modal = .confirm(.quit); return .continue }
            return .quit
        case .help: modal = .help(scroll: 0)
        case .back:
            if let j = job {
                emit(.cancelJob); toast("cancelling \(j.title)…", now: now)
            } else if showsExplanation {
                showsExplanation = false
            } else if screen != .main {
                screen = .main
            }
        case .screen(let s):
            screen = s
            if s == .history { historyTable.selected = session.cursor }
            keepSelectionsVisible()
        case .nextTheme:
            themeIndex = (themeIndex + 1) % themeCount
        case .explain: showsExplanation.toggle()
        case .options: modal = .settings(row: 0)
        case .undo:
            guard session.canUndo else { toast("nothing to undo: at the first step", .warning, now: now); break }
            startJob(.undo, now: now)
        case .redo:
            guard session.canRedo else { toast("nothing to redo", .warning, now: now); break }
            startJob(.redo, now: now)
        case .jump:
            let target = min(historyTable.selected, session.history.count - 1)
            guard target != session.cursor else { toast("already at step \(target)", now: now); break }
            startJob(.jump(to: target), now: now)
        case .export:
            if preview.pendingRequest() != nil { modal = .confirm(.exportWithPreview) } else { openPrompt(.exportPath, now: now) }
        case .save: openPrompt(.sessionPath, now: now)
        case .retrain: startRetrain(now: now)
        case .schedule: startSchedule(now: now)
        case .sensitivity:
            screen = .sensitivity
            if job == nil || sensitivity.isEmpty { startSensitivity(now: now) }
        case .runSweep: startSensitivity(now: now)
        case .allocate: openPrompt(.allocationTarget, now: now)
        case .applyAllocation: applyAllocation(now: now)
        case .apply: applyPreview(now: now, confirmed: false)
        case .typeValue: openPrompt(.value, now: now)
        case .sliderMode:
            var c = controls
            guard c.allowsThreshold else {
                toast(
                    "the slider is a sparsity for \(c.criterion.rawValue) \(c.granularity.rawValue); a |w| threshold needs magnitude, unstructured",
                    .warning, now: now)
                break
            }
            c.sliderMode = c.sliderMode == .threshold ? .sparsity : .threshold
            setControls(c, now: now)
        case .scope:
            var c = controls
            c.scope = c.scope == .layer ? .global : .layer
            setControls(c, now: now)
        case .criterion:
            var c = controls
            c.change(.criterion, by: 1)
            setControls(c, now: now)
        case .granularity:
            var c = controls
            c.change(.granularity, by: 1)
            setControls(c, now: now)
        case .logScale: logScale.toggle()
        case .heatmapView: heatmapMode = nextHeatmapMode()
        case .slider: moveSlider(key, now: now)
        case .select:
            switch screen {
            case .history:
                _ = historyTable.handle(key, rowCount: session.history.count, pageSize: layout.visibleHistoryRows)
            default:
                if layerTable.handle(key, rowCount: layers.count, pageSize: layout.visibleLayerRows) { layerSelectionChanged() }
            }
            keepSelectionsVisible()
        case .focusNext: focus.next()
        case .focusPrevious: focus.previous()
        case .lessons: openLessons(now: now)
        case .glossary: lessons.overlay = .glossary(scroll: 0)
        case .scrollHelp, .closeHelp, .settingRow, .settingChange, .closeOptions: break
        case .lessonMove, .lessonOpen, .lessonList, .lessonClose: break
        }
        return .continue
    }

    /// The next heatmap view; the per-input-pixel one only for a layer reading the image.
    func nextHeatmapMode() -> HeatmapMode {
        switch heatmapMode {
        case .auto: .weights
        case .weights: .fractionPruned
        case .fractionPruned: selected?.inputImage != nil ? .inputPixels : .changes
        case .inputPixels: .changes
        case .changes: .auto
        }
    }

    mutating func layerSelectionChanged() {
        if preview.sliderIsImplied, controls.scope == .layer {
            preview.previewImplied(selected: selected?.tensor)
            previewChanged()
        }
    }

    mutating func moveSlider(_ key: Key, now: Double) {
        guard let layer = selected else { return }
        guard !preview.sliderIsImplied else {
            toast("2:4 keeps 2 of every 4 weights (50 %); Enter applies it", .warning, now: now)
            return
        }
        var s = preview.slider(for: layer.tensor)
        guard s.handle(key) else { return }
        focus.focus(1)
        preview.setSlider(s, for: layer.tensor)
        sliderMoved(now: now)
    }

    mutating func sliderMoved(now: Double) {
        if preview.needsScores { toast("computing \(controls.criterion.rawValue) scores…", now: now) }
        if let e = preview.error { toast(e, .error, now: now) }
        previewChanged()
    }

    mutating func setControls(_ c: ExplorerControls, now: Double) {
        if c.changesPreview(from: controls) {
            if c.criterion.needsData && info.train == nil {
                toast("\(c.criterion.rawValue) needs training data for gradients; this model has none", .warning, now: now)
                return
            }
            if c.scope == .global && c.granularity != .unstructured && c.granularity != .twoOfFour {
                toast("global scope ranks single weights only (norms of different layers are not comparable)", .warning, now: now)
                return
            }
        }
        let rebuild = c.changesPreview(from: controls)
        // A threshold and a sparsity are two readings of one cut: switching
        // the slider between them keeps every layer's preview where it was.
        let sameCut = c.criterion == controls.criterion && c.granularity == controls.granularity && c.scope == controls.scope
        let kept = sameCut ? layers.map { ($0.tensor, preview.slider(for: $0.tensor)) } : []
        preview.setControls(c)
        guard rebuild else { return }
        scores.invalidate(wanted: preview.needsScores)
        if preview.needsScores { toast("computing \(c.criterion.rawValue) scores in the background…", now: now) }
        preview.previewImplied(selected: selected?.tensor)
        for (tensor, slider) in kept { preview.setSlider(slider, for: tensor) }
        previewChanged()
    }

    mutating func handleSettingsKey(_ key: Key, row: Int, now: Double) {
        let rows = ExplorerControls.Setting.allCases
        switch ExplorerKeys.binding(for: key, in: .options)?.action {
        case .closeOptions?: modal = nil
        case .settingRow?:
            let up = key == .up || key == .char("k")
            modal = .settings(row: (row + (up ? rows.count - 1 : 1)) % rows.count)
        case .settingChange?:
            var c = controls
            c.change(rows[row], by: key == .left || key == .char("h") ? -1 : 1)
            setControls(c, now: now)
        default: break
        }
    }

    /// The help overlay, made from the key table.
    func help(unicode: Bool) -> HelpOverlay {
        HelpOverlay(title: "PruneScope help", sections: ExplorerKeys.helpSections(unicode: unicode))
    }
}

/// How a key is named in messages.
enum KeyName {
    static func of(_ key: Key) -> String {
        switch key {
        case .char(" "): "Space"
        case .char(let c): String(c)
        case .ctrl(let c): "Ctrl-" + String(c).uppercased()
        case .function(let n): "F\(n)"
        default: "\(key)".capitalized
        }
    }
}
