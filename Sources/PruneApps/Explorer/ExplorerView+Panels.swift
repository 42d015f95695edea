import PruneKit
import PruneTUI

/// The explanation panel, the options box and the questions.
extension ExplorerModel {
    /// Paragraphs explaining the active criterion, granularity, scope and
    /// schedule with the numbers of the selected layer.
    func explanation() -> [String] {
        guard let l = selected else { return ["No prunable layers."] }
        let c = controls
        var out = [String]()
        let s = preview.slider(for: l.tensor)
        // A property of the step, not of the slider: computed once per step and layer.
        let sigma = layerSigma.value(for: "\(l.tensor)|\(session.version)") {
            session.values(l.tensor).map { v in
                let n = Double(max(1, v.count))
                let mean = v.data.reduce(0.0) { $0 + Double($1) } / n
                return (v.data.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n).squareRoot()
            } ?? 0
        }
        let sparsityNow =
            previewMetrics?.tensors.first { $0.name == l.tensor }?.sparsity
            ?? session.metrics.tensors.first { $0.name == l.tensor }?.sparsity ?? 0
        switch c.criterion {
        case .magnitude:
            var t = "Magnitude: a weight matters as much as |w|; the smallest go first (PyTorch l1_unstructured)."
            if let th = preview.threshold(for: l.tensor) {
                let q = sigma > 0 ? th / sigma : 0
                t += " Now: prune |w| < \(Text.fixed(th, 5)) = \(Text.fixed(q, 2)) x sigma(\(l.name)) (sigma = \(Text.fixed(sigma, 5))),"
                t +=
                    " \(Format.percent(sparsityNow)) of its \(Text.compact(Double(l.count))) weights; Han et al. call \(Text.fixed(q, 2)) the quality parameter."
            }
            out.append(t)
        case .random:
            out.append(
                "Random: every weight gets a seeded uniform random score. The baseline: a criterion that cannot beat it at the same sparsity has learned nothing."
            )
        case .taylor:
            out.append(
                "First-order Taylor (Molchanov et al.): importance |w x dL/dw| summed over \(c.taylorBatches) batches of \(info.batchSize): the loss change a first-order expansion predicts if w were set to 0."
            )
        case .snip:
            out.append(
                "SNIP (Lee et al. 2019): s = |g x w| / sum |g x w| on one batch of \(info.batchSize); the top-k connections are kept.")
        case .l1Norm, .l2Norm:
            let n = c.criterion == .l1Norm ? "L1 norm (sum |w|, Li et al. 2017)" : "L2 norm (PyTorch ln_structured, n = 2)"
            out.append("\(n) of each neuron or filter ranks whole units; with single-weight granularity it is |w| (L1) or w^2 (L2).")
        }
        switch c.granularity {
        case .unstructured:
            out.append(
                "Unstructured: single weights. Masks leave the tensor dense: the speed-up is theoretical until a sparse kernel runs it (the Model box measures sparse kernels)."
            )
        case .twoOfFour:
            out.append(
                "2:4: in every 4 consecutive inputs of a neuron the 2 lowest-scoring go, 50 % exactly; the pattern sparse tensor cores accelerate."
            )
        case .units:
            out.append(
                "Neuron/filter: whole rows of \(l.name) go, with the next layer's matching inputs, so the exported model is physically smaller. Slider = fraction of units."
            )
        case .block:
            out.append("Block 4x4: whole 4x4 tiles of the weight matrix go together, scored by their sum.")
        }
        if c.scope == .global {
            let total = layers.reduce(0) { $0 + $1.count }
            out.append(
                "Global: one ranking over all \(Text.compact(Double(total))) prunable weights (PyTorch global_unstructured): the k = round(s x N) smallest go, so layers end at different sparsities."
            )
        } else {
            out.append("Per layer: \(l.name) is ranked on its own; other layers keep their own sliders (Enter applies every * layer).")
        }
        let target = c.effectiveSliderMode == .sparsity ? s.value : sparsityNow
        switch c.schedule {
        case .oneShot:
            out.append(
                "p, one-shot: prune once to the target, no retraining (r retrains after it; headless, prune --retrain-epochs N does both).")
        case .iterative:
            let steps = (1...c.rounds).map { Format.percent(Schedule.roundSparsity($0, of: c.rounds, target: target)) }.joined(
                separator: ", ")
            out.append(
                "p, iterative (Han et al.): \(c.rounds) rounds of prune-then-retrain reaching \(steps); each prunes the same fraction of the remaining weights and retrains \(c.retrainEpochs) epoch(s) at lr \(Text.compact(Double(c.learningRate)))."
            )
        case .gradual:
            let last = 1 + c.gradualFrequency * c.gradualUpdates
            out.append(
                "p, gradual (Zhu & Gupta): during training s_t = s_f + (s_i - s_f)(1 - (t - t0)/(n dt))^3 with s_i 0, s_f \(Format.percent(target)), t0 1, dt \(c.gradualFrequency), n \(c.gradualUpdates): masks recomputed at steps 1, \(1 + c.gradualFrequency), ..., \(last), then frozen."
            )
        case .lottery:
            out.append(
                "p, lottery ticket (Frankle & Carbin): prune 1-(1-s)^(1/\(c.rounds)) of the remaining weights per round, reset the survivors to their \(c.rewindIteration == 0 ? "initial" : "iteration-\(c.rewindIteration)") values, retrain; \(c.rounds) rounds."
            )
            if let epochs = info.recipeEpochs, c.retrainEpochs < epochs {
                out.append(
                    "Rewinding to \(c.rewindIteration == 0 ? "init" : "an early iteration") means each round trains almost from scratch: the recipe took \(epochs) epochs, a round here trains \(Format.count(c.retrainEpochs, "epoch")) at lr \(Text.compact(Double(c.learningRate))), so the ticket ends undertrained and its accuracy low. That is the schedule, not a bug: raise epochs and lr in o to see the ticket match the dense model."
                )
            }
        case .randomReinit:
            out.append(
                "p, random re-init (Frankle & Carbin's control): \(c.rounds) rounds that prune like the lottery's, but the survivors get fresh random values (a new seed each round) instead of their initial ones, then retrain. Run it from the same step as a lottery round started, and compare: if the ticket's initial values matter, re-initialised survivors train worse."
            )
        case .adaptive:
            let start = session.metrics.accuracy.map { Format.percent($0, digits: 2) } ?? "the start"
            out.append(
                "p, adaptive (accuracy-guided): prune a step, retrain \(Format.count(c.retrainEpochs, "epoch")), and compare the validation accuracy with the start (\(start)). Within \(Format.decimal(c.maxDrop * 100, digits: 2)) pt: keep the step and double the next. Beyond: a backoff step returns to the last good state and says why, and the step halves. The first step prunes \(Format.percent(ScheduleDefaults.adaptiveInitialStep)) of the remaining weights; \(Format.percent(target)) (the slider) is the most it may reach. It stops there, when a step would prune under \(Format.percent(ScheduleDefaults.adaptiveMinimumStep)) of what remains, or after \(ScheduleDefaults.adaptiveMaxAttempts) attempts. Why: a fixed schedule spends the same retraining on easy and hard steps; this one takes big steps while the model copes and small ones near its limit."
            )
        }
        out.append(splicingExplanation(c))
        out.append(
            "The figures: FLOPs speed-up counts multiply-adds (1 MAC = 2 FLOPs) on nonzero weights, a theoretical bound; \"measured\" times the real forward pass, each layer as csr (sparse rows) or dense. G explains every figure on screen, chart markers and the frontier's start line included."
        )
        return out
    }

    /// What the retrain masks setting does, with its numbers.
    func splicingExplanation(_ c: ExplorerControls) -> String {
        guard c.splicing else {
            return
                "Retrain masks fixed: pruned weights stay at exactly 0 while retraining (PyTorch's prune semantics). Splicing (o) lets them come back."
        }
        let settings = SplicingSettings()
        let band = Format.percent(settings.margin, digits: 0)
        return
            "Retrain masks: splicing (Guo et al. 2016, dynamic network surgery). While retraining, pruned weights keep learning from the gradient of the masked network; every \(Format.count(settings.interval, "step")) a pruned weight whose |w| climbs \(band) above t returns and a kept weight that falls \(band) below t leaves (t: the smallest |w| the layer kept when the retrain began, ignoring its lowest 1 %). A wrong cut can heal. The history counts the weights that left and returned per step; the heatmap's changes view (a) shows where."
    }

    func renderExplanation(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        renderExplanationPanel(title: "What this does", explanation(), into: &buffer, area: area, context: context)
    }

    /// The `x` panel: `paragraphs` wrapped to its width, a blank line between them.
    func renderExplanationPanel(
        title: String, _ paragraphs: [String], into buffer: inout CellBuffer, area: Rect, context: DrawContext
    ) {
        let inner = Block(title: title, rightTitle: "x: close", focused: true).render(into: &buffer, area: area, context: context)
        writeWrapped(paragraphs, gap: 1, into: &buffer, area: inner, style: context.base)
    }

    /// Writes `paragraphs` wrapped to `area`'s width from its top, `gap`
    /// blank lines after each, stopping at its bottom (an empty paragraph is
    /// a blank line).
    func writeWrapped(_ paragraphs: [String], gap: Int = 0, into buffer: inout CellBuffer, area: Rect, style: Style) {
        var y = area.y
        for paragraph in paragraphs {
            for line in Text.wrap(paragraph, width: area.width) where y < area.maxY {
                buffer.write(line, x: area.x, y: y, style: style)
                y += 1
            }
            y += gap
        }
    }

    func renderSettings(row settingsRow: Int, into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        let settings = ExplorerControls.Setting.allCases
        let labelW = settings.map { CellBuffer.columns(of: $0.label) }.max() ?? 10
        let valueW = settings.map { CellBuffer.columns(of: controls.value(of: $0)) }.max() ?? 10
        let arrows = context.glyphs.isUnicode ? "↑↓ select  ←→ change" : "^v select  <> change"
        let dialog = Dialog(
            title: "Options", keys: arrows + "  Esc close",
            footer: "criterion, granularity and scope change the preview; the rest apply to r and p")
        let inner = dialog.render(
            into: &buffer, content: Size(width: labelW + valueW + 4, height: settings.count), area: area,
            context: context)
        for (i, s) in settings.enumerated() where i < inner.height {
            let selected = i == settingsRow
            let marker = selected ? "\(context.glyphs.selectionMarker) " : "  "
            let text = marker + s.label.padding(toLength: labelW, withPad: " ", startingAt: 0) + "  " + controls.value(of: s)
            let style = selected ? context.selection : context.overlay
            buffer.fill(Rect(x: inner.x, y: inner.y + i, width: inner.width, height: 1), " ", style)
            buffer.write(Text.truncate(text, to: inner.width, ellipsis: context.glyphs.ellipsis), x: inner.x, y: inner.y + i, style: style)
        }
    }

    func renderConfirmation(_ c: Confirmation, into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        let title: String, lines: [String]
        switch c {
        case .createParent(_, let parent):
            title = "Create directory?"
            lines = ["\(parent) does not exist.", "y: create it and export   n / Esc: cancel"]
        case .overwrite(let path):
            title = "Overwrite?"
            lines = ["\(path) already exists and is not empty.", "y: overwrite its files   n / Esc: keep it"]
        case .quit:
            title = "Quit?"
            let unsaved = "\(Format.count(unsavedChanges, "change")) to the history not saved or exported."
            var first = unsaved
            if let j = job { first = "\(j.title) is running; quitting cancels it." + (unsavedChanges > 0 ? " " + unsaved : "") }
            lines = [first, "y: quit   w: save session to \(sessionDirectory) first   n / Esc: stay"]
        case .applyEmptying(let names):
            title = "Empty \(names.count == 1 ? "a layer" : "\(names.count) layers")?"
            lines = [
                "The preview prunes every weight of \(names.joined(separator: ", ")):",
                "nothing flows through \(names.count == 1 ? "it" : "them") and the model's output no longer depends on its input.",
                "y: apply anyway   n / Esc: keep the preview",
            ]
        case .exportWithPreview:
            title = "Apply the preview first?"
            lines = [
                "The preview (* in the layer list) is not applied: an export writes the current step.",
                "a: apply it, then export   e: export the current step   Esc: neither",
            ]
        }
        ConfirmDialog(title: title, lines: lines).render(into: &buffer, area: area, context: context)
    }
}
