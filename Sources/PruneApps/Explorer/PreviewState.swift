import PruneKit
import PruneTUI

/// The previewed effect of the controls: complete new masks by tensor and
/// how many entries each would newly prune.
///
/// Previews of a single-weight ranking keep only the counts here: their
/// masks live in `PreviewState`'s cuts, updated in place as the slider moves,
/// and `PreviewState.preview` fills them in.
public struct ExplorerPreview: Sendable {
    public var masks: [String: Tensor] = [:]
    public var newlyPruned: [String: Int] = [:]
    public var isEmpty: Bool { newlyPruned.values.allSatisfy { $0 == 0 } }
}

/// The sliders (one per layer and a global one) and the preview each
/// implies, planned over the published model. UI thread only.
///
/// Every slider's value is a position in 0...0.999 that is a fraction of
/// the tensor (or of all prunable weights): a target sparsity, or, in
/// threshold mode, the |w| threshold reaching it. So the whole travel is
/// useful and a coarse step is one point of sparsity, where a slider
/// linear in |w| spent most of its travel at 100 %.
public struct PreviewState {
    public let layers: [ExplorerLayer]
    /// Plans over the published model (replaced with every publication).
    public private(set) var planner: PrunePlanner
    public private(set) var controls: ExplorerControls
    let batchSize: Int
    public private(set) var sliders: [String: SliderState] = [:]
    public private(set) var globalSlider = PreviewState.positionSlider(0)
    /// Per tensor in layer scope (each may also mask the next layer's inputs).
    public private(set) var layerPreviews: [String: ExplorerPreview] = [:]
    /// One for all tensors in global scope.
    public private(set) var globalPreview = ExplorerPreview()
    /// The last preview error (e.g. "2:4 needs ..."), shown instead of figures.
    public private(set) var error: String?
    /// Under a single-weight ranking: each touched tensor's mask at its
    /// slider's cut, moved in place (cost of the weights that change).
    /// Emptied whenever the planner or what the slider means changes.
    private var cuts: [String: IncrementalMask] = [:]
    /// Figures of the planner's model, what the preview's figures start from.
    private var baseMetrics: ModelMetrics
    /// The global slider's position and the threshold it gave, from the last
    /// preview (the views ask for it several times a frame).
    private var globalThreshold: (position: Double, threshold: Float)?
    /// Sparsity of each tensor at the published step.
    private var current: [String: Double] = [:]
    private var currentTotal = 0.0

    init(layers: [ExplorerLayer], planner: PrunePlanner, controls: ExplorerControls, batchSize: Int, metrics: ModelMetrics) {
        self.layers = layers
        self.planner = planner
        self.controls = controls
        self.batchSize = batchSize
        baseMetrics = ModelMetrics.measure(planner.model)
        reset(planner: planner, metrics: metrics)
    }

    static func positionSlider(_ value: Double) -> SliderState {
        SliderState(value: value, range: 0...0.999, coarseStep: 0.01, fineStep: 0.001)
    }

    /// The engine's criterion under the controls, random scores from the planner's seed.
    public var criterion: Criterion { controls.engineCriterion(seed: planner.seed, batchSize: batchSize) }
    /// Whether the slider has a meaning (N:M implies its own sparsity).
    public var sliderIsImplied: Bool { controls.granularity == .twoOfFour }
    /// Whether the criterion's scores need gradients that are not computed yet.
    public var needsScores: Bool {
        controls.criterion.needsData && !layers.allSatisfy { planner.hasScoreIndex(for: $0.tensor, criterion: criterion) }
    }

    /// A new planner (a new published step, or computed scores): every slider
    /// back on the current state, nothing pending.
    mutating func reset(planner: PrunePlanner, metrics: ModelMetrics) {
        if planner !== self.planner { baseMetrics = ModelMetrics.measure(planner.model) }
        self.planner = planner
        current = Dictionary(metrics.tensors.map { ($0.name, $0.sparsity) }, uniquingKeysWith: { a, _ in a })
        currentTotal = metrics.prunableTotal > 0 ? Double(metrics.prunableZeros) / Double(metrics.prunableTotal) : 0
        resetSliders()
    }

    /// Changes the controls; sliders are rebuilt when the meaning changed.
    mutating func setControls(_ c: ExplorerControls) {
        let rebuild = c.changesPreview(from: controls)
        controls = c
        if rebuild { resetSliders() }
    }

    private mutating func resetSliders() {
        cuts = [:]
        globalThreshold = nil
        layerPreviews = [:]
        globalPreview = ExplorerPreview()
        error = nil
        for l in layers { sliders[l.tensor] = PreviewState.positionSlider(current[l.tensor] ?? 0) }
        globalSlider = PreviewState.positionSlider(currentTotal)
    }

    /// The slider the controls act on for layer `tensor`.
    public func slider(for tensor: String) -> SliderState {
        controls.scope == .global ? globalSlider : (sliders[tensor] ?? globalSlider)
    }

    /// Sets the slider of `tensor` (or the global one) and recomputes its preview.
    mutating func setSlider(_ s: SliderState, for tensor: String) {
        let moved = s.value != slider(for: tensor).value
        if controls.scope == .global { globalSlider = s } else { sliders[tensor] = s }
        if moved { updatePreview(for: tensor) }
    }

    /// 2:4 has no amount: its preview is there as soon as it is chosen, for
    /// the selected layer (layer scope) or every layer (global).
    mutating func previewImplied(selected tensor: String?) {
        guard sliderIsImplied, !needsScores else { return }
        if controls.scope == .layer { layerPreviews = [:] }
        if let tensor { updatePreview(for: tensor) }
    }

    /// The pending preview in effect (global, or the merge of the layers').
    public var preview: ExplorerPreview {
        var p = controls.scope == .global ? globalPreview : mergedLayerPreviews
        for (name, k) in p.newlyPruned where k > 0 && p.masks[name] == nil { p.masks[name] = cuts[name]?.mask }
        return p
    }

    /// The preview's mask of `tensor`, if the preview changes it (no merge of
    /// the other layers' previews when a single-weight ranking cannot touch it).
    public func mask(for tensor: String) -> Tensor? {
        guard controls.ranksSingleWeights else { return preview.masks[tensor] }
        return cut(for: tensor)?.mask
    }

    /// The cut through `tensor`'s ranking the preview shows, when a
    /// single-weight ranking prunes something new there.
    public func cut(for tensor: String) -> IncrementalMask? {
        guard controls.ranksSingleWeights, let cut = cuts[tensor], cut.k > 0 else { return nil }
        let p = controls.scope == .global ? globalPreview : layerPreviews[tensor]
        return (p?.newlyPruned[tensor] ?? 0) > 0 ? cut : nil
    }

    private var mergedLayerPreviews: ExplorerPreview {
        var merged = ExplorerPreview()
        for (_, p) in layerPreviews.sorted(by: { $0.key < $1.key }) where !p.isEmpty {
            for (name, m) in p.masks {
                if let existing = merged.masks[name] {
                    merged.masks[name] = Mask.intersect(existing, m) ?? m
                } else {
                    merged.masks[name] = m
                }
            }
            for (name, k) in p.newlyPruned { merged.newlyPruned[name, default: 0] += k }
        }
        return merged
    }

    /// Recomputes the preview that `tensor`'s slider (or the global one) implies.
    mutating func updatePreview(for tensor: String) {
        error = nil
        guard !needsScores else { return }
        do {
            if controls.scope == .global {
                globalPreview = try computeGlobalPreview()
            } else {
                layerPreviews[tensor] = try computeLayerPreview(tensor)
            }
        } catch {
            self.error = "\(error)"
            if controls.scope == .global { globalPreview = ExplorerPreview() } else { layerPreviews[tensor] = nil }
        }
    }

    /// A request for `tensors` under the controls; 2:4 takes no amount.
    private func request(tensors: [String], amount: Amount) -> PruneRequest {
        let kind = layers.first { $0.tensor == tensors.first }?.kind ?? .dense
        let granularity = controls.granularity.granularity(forLayerKind: kind)
        return PruneRequest(
            tensors: tensors, criterion: criterion, granularity: granularity,
            scope: controls.scope, amount: granularity == .nOfM(n: 2, m: 4) ? .implied : amount)
    }

    private func planPreview(_ r: PruneRequest) throws -> ExplorerPreview {
        let plan = try planner.preview(r)
        return ExplorerPreview(masks: plan.masks, newlyPruned: plan.newlyPruned)
    }

    private mutating func computeLayerPreview(_ tensor: String) throws -> ExplorerPreview {
        let s = sliders[tensor]?.value ?? 0
        if controls.ranksSingleWeights {
            let index = try planner.scoreIndex(for: tensor, criterion: criterion)
            let k = index.newlyPrunedCount(forSparsity: s)
            try moveCut(tensor, index: index, to: k)
            return k == 0 ? ExplorerPreview() : ExplorerPreview(newlyPruned: [tensor: k])
        }
        return try planPreview(request(tensors: [tensor], amount: .sparsity(s)))
    }

    private mutating func computeGlobalPreview() throws -> ExplorerPreview {
        let names = layers.map(\.tensor)
        let s = globalSlider.value
        if controls.ranksSingleWeights {
            let t = try planner.globalThreshold(forSparsity: s, tensors: names, criterion: criterion)
            globalThreshold = (s, t)
            var out = ExplorerPreview()
            for name in names {
                let index = try planner.scoreIndex(for: name, criterion: criterion)
                let k = index.newlyPrunedCount(atThreshold: t)
                try moveCut(name, index: index, to: k)
                if k > 0 { out.newlyPruned[name] = k }
            }
            return out
        }
        return try planPreview(request(tensors: names, amount: .sparsity(s)))
    }

    /// Moves `tensor`'s cut to `k`, touching only the weights in between (the
    /// first cut through a tensor copies its mask once). A tensor never cut
    /// and not cut now costs nothing.
    private mutating func moveCut(_ tensor: String, index: ScoreIndex, to k: Int) throws {
        // Taken out of the dictionary so that its mask is not shared while it moves.
        var cut: IncrementalMask
        if let existing = cuts.removeValue(forKey: tensor) {
            cut = existing
        } else {
            guard k > 0 else { return }
            guard let values = planner.model.parameter(named: tensor)?.value else {
                throw PruningError(tensor, "no such tensor in model '\(planner.model.name)'")
            }
            cut = IncrementalMask(index: index, values: values)
        }
        cut.move(to: k)
        cuts[tensor] = cut
    }

    /// Figures of the model with the preview applied: from the cuts' counts
    /// under a single-weight ranking (no pass over the weights), else
    /// measured over the planner's model with the preview's masks laid over
    /// it (no copy). Nil when nothing is pending.
    public func previewMetrics() -> ModelMetrics? {
        if controls.ranksSingleWeights {
            let p = controls.scope == .global ? globalPreview : mergedLayerPreviews
            guard !p.isEmpty else { return nil }
            let changes = layers.compactMap { l -> ModelMetrics.MaskedChange? in
                guard let k = p.newlyPruned[l.tensor], k > 0, let cut = cuts[l.tensor] else { return nil }
                return ModelMetrics.MaskedChange(
                    tensor: l.tensor, layer: l.name, masked: k, zeroed: cut.newlyZeroed, unitsAlive: cut.rowsWithNonzero)
            }
            return baseMetrics.applying(changes)
        }
        let p = preview
        return p.isEmpty ? nil : ModelMetrics.measure(planner.model, masks: p.masks)
    }

    /// What an accuracy check of the preview needs, as values another thread
    /// may take: the complete masks, or for a ranked preview the index and
    /// the cut (the masks are then made on that thread, so the UI's live
    /// masks are never shared and keep moving in place).
    public func evaluationMasks() -> PreviewMasks {
        var out = PreviewMasks()
        if controls.ranksSingleWeights {
            let p = controls.scope == .global ? globalPreview : mergedLayerPreviews
            for (name, k) in p.newlyPruned where k > 0 {
                if let cut = cuts[name] { out.cuts[name] = PreviewMasks.Cut(index: cut.index, k: k) }
            }
        } else {
            out.masks = preview.masks
        }
        return out
    }

    /// The |w| (or score) below which the slider of `tensor` prunes, when
    /// single weights are ranked; nil when it prunes nothing new.
    public func threshold(for tensor: String) -> Double? {
        guard controls.ranksSingleWeights, !needsScores else { return nil }
        let s = slider(for: tensor).value
        let t: Float?
        if controls.scope == .global {
            t =
                globalThreshold.flatMap { $0.position == s ? $0.threshold : nil }
                ?? (try? planner.globalThreshold(forSparsity: s, tensors: layers.map(\.tensor), criterion: criterion))
        } else {
            t = try? planner.scoreIndex(for: tensor, criterion: criterion).threshold(forSparsity: s)
        }
        return t.flatMap { $0 > 0 ? Double($0) : nil }
    }

    /// The request that commits what the sliders show, or nil if nothing is pending.
    public func pendingRequest() -> PruneRequest? {
        let names = layers.map(\.tensor)
        let byThreshold = controls.effectiveSliderMode == .threshold
        if controls.scope == .global {
            guard !globalPreview.isEmpty else { return nil }
            if byThreshold, let t = threshold(for: names.first ?? "") { return request(tensors: names, amount: .threshold(Float(t))) }
            return request(tensors: names, amount: .sparsity(globalSlider.value))
        }
        let pending = names.filter { !(layerPreviews[$0]?.isEmpty ?? true) }
        guard !pending.isEmpty else { return nil }
        if pending.count == 1, let only = pending.first {
            if byThreshold, let t = threshold(for: only) { return request(tensors: [only], amount: .threshold(Float(t))) }
            return request(tensors: [only], amount: .sparsity(sliders[only]?.value ?? 0))
        }
        if sliderIsImplied { return request(tensors: pending, amount: .implied) }
        // Several layers at once: each to the sparsity its preview shows.
        return request(tensors: pending, amount: .perTensorSparsity(previewTargets(pending)))
    }

    /// The sparsity each of `names` reaches in its layer preview: counted
    /// from the preview mask for single-weight criteria (exact), else the
    /// slider's target (a fraction of units).
    private func previewTargets(_ names: [String]) -> [String: Double] {
        var targets = [String: Double]()
        for name in names {
            guard let l = layers.first(where: { $0.tensor == name }) else { continue }
            if controls.ranksSingleWeights {
                let index = try? planner.scoreIndex(for: name, criterion: criterion)
                let pruned = (index?.alreadyPruned ?? 0) + (layerPreviews[name]?.newlyPruned[name] ?? 0)
                targets[name] = Double(pruned) / Double(max(1, l.count))
            } else {
                targets[name] = sliders[name]?.value ?? 0
            }
        }
        return targets
    }

    /// The target a schedule (`p`) runs to: the sparsity each pending layer
    /// previews (layer scope) or the slider's sparsity of all prunable
    /// weights (global scope); nil if nothing is pending.
    public func scheduleRequest() -> PruneRequest? {
        guard var r = pendingRequest() else { return nil }
        if sliderIsImplied { return r }
        r.amount = controls.scope == .global ? .sparsity(globalSlider.value) : .perTensorSparsity(previewTargets(r.tensors))
        return r
    }

    /// Layers the preview would leave with no weight at all.
    public func emptiedLayers() -> [ExplorerLayer] {
        if controls.ranksSingleWeights {
            return layers.filter { l in
                guard let cut = cut(for: l.tensor) else { return false }
                return cut.index.alreadyPruned + cut.k >= l.count
            }
        }
        let masks = preview.masks
        return layers.filter { l in
            guard let m = masks[l.tensor] else { return false }
            return Mask.prunedCount(m) >= l.count
        }
    }
}

/// The masks of a preview in a form another thread may take: complete masks,
/// or a score index and how many of its lowest entries to prune (the mask is
/// then `index.mask(pruningLowest: k)`, made where it is needed).
public struct PreviewMasks: Sendable {
    public struct Cut: Sendable {
        public var index: ScoreIndex
        public var k: Int
    }
    public var masks: [String: Tensor] = [:]
    public var cuts: [String: Cut] = [:]

    /// Every mask, made now (one pass per cut tensor).
    public func materialized() -> [String: Tensor] {
        var out = masks
        for (name, cut) in cuts { out[name] = cut.index.mask(pruningLowest: cut.k) }
        return out
    }
}
