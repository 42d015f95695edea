import Foundation
import PruneKit
import PruneTUI

/// One prunable layer as the explorer lists it.
public struct ExplorerLayer: Sendable, Equatable {
    /// Layer name ("fc1").
    public var name: String
    /// Its weight tensor ("fc1.weight").
    public var tensor: String
    /// "dense" or "conv2d".
    public var kind: String
    public var shape: [Int]
    public var count: Int
    /// When the layer reads the model's image input directly (the first
    /// Dense after a Flatten of an H x W image): H and W, so its mask can be
    /// shown per input pixel.
    public var inputImage: (height: Int, width: Int)?

    public static func == (a: ExplorerLayer, b: ExplorerLayer) -> Bool {
        a.name == b.name && a.tensor == b.tensor && a.shape == b.shape
    }

    /// "300x784" or "16x8x3x3".
    public var shapeText: String { shape.map(String.init).joined(separator: "x") }
}

/// The previewed effect of the controls: complete new masks by tensor and
/// how many entries each would newly prune.
public struct ExplorerPreview: Sendable {
    public var masks: [String: Tensor] = [:]
    public var newlyPruned: [String: Int] = [:]
    public var isEmpty: Bool { newlyPruned.values.allSatisfy { $0 == 0 } }
}

/// What the screen shows of the session, copied out of it whenever it is
/// idle, so views can draw while background work trains the model.
public struct SessionView: Sendable {
    /// Current value of each prunable weight (masked entries are 0).
    public var values: [String: Tensor]
    /// Current mask of each prunable weight, if any.
    public var masks: [String: Tensor]
    public var history: [HistoryStep]
    public var cursor: Int
    /// Metrics of the current step.
    public var metrics: ModelMetrics { history[cursor].metrics }
}

/// The explorer's side of a `PruningSession`: the layers, the slider of each
/// (and the global one), the live preview of what the controls would prune,
/// and applying it. UI thread only; never touched while a background job
/// owns the session (see `ExplorerApp.job`).
public final class ExplorerWorkspace {
    public let session: PruningSession
    /// The bundle the model came from (spec, data, weights file), for exports.
    public let bundle: ModelBundle?
    public let modelName: String
    public let datasetName: String
    public let layers: [ExplorerLayer]
    /// The retraining batch size (from the spec's recipe).
    public let batchSize: Int
    /// What views draw from (refreshed by `refresh()`).
    public private(set) var view: SessionView
    /// Counts `refresh()` calls: anything derived from `view` is stale when it changes.
    public private(set) var version = 0

    /// Slider per weight tensor (layer scope) and the global one, in the units of `mode`.
    public private(set) var sliders: [String: SliderState] = [:]
    public private(set) var globalSlider = SliderState(value: 0, range: 0...1, coarseStep: 0.01, fineStep: 0.001)
    /// The previews, per tensor in layer scope (each may also mask the next
    /// layer's inputs), or one for all tensors in global scope.
    public private(set) var layerPreviews: [String: ExplorerPreview] = [:]
    public private(set) var globalPreview = ExplorerPreview()
    /// The last preview error (e.g. "2:4 needs ..."), shown instead of figures.
    public private(set) var previewError: String?
    /// The controls the sliders and previews were built for.
    public private(set) var controls: ExplorerControls
    /// Magnitude index over every prunable weight (global scope), until the session changes.
    private var globalIndexCache: ScoreIndex?

    private func globalMagnitudeIndex() throws -> ScoreIndex {
        if let c = globalIndexCache { return c }
        let index = try session.globalScoreIndex(for: layers.map(\.tensor))
        globalIndexCache = index
        return index
    }

    public init(session: PruningSession, bundle: ModelBundle?, controls: ExplorerControls? = nil) {
        self.session = session
        self.bundle = bundle
        modelName = session.model.name
        datasetName = bundle?.spec.dataset.name ?? "no dataset"
        batchSize = bundle?.spec.training.batchSize ?? 64
        let recipeLearningRate = bundle?.spec.training.optimizer.learningRate ?? 0.01
        self.controls = controls ?? ExplorerControls(learningRate: recipeLearningRate / 10)
        layers = ExplorerWorkspace.prunableLayers(of: session.model)
        view = ExplorerWorkspace.capture(session, layers: layers)
        resetSliders()
    }

    static func prunableLayers(of model: Model) -> [ExplorerLayer] {
        let image: (Int, Int)? = model.inputShape.count >= 2 && model.inputShape.dropLast(2).allSatisfy({ $0 == 1 })
            ? (model.inputShape[model.inputShape.count - 2], model.inputShape[model.inputShape.count - 1]) : nil
        var sawOnlyReshapes = true
        var out = [ExplorerLayer]()
        for layer in model.layers {
            guard let w = layer.weight, layer.kind == .dense || layer.kind == .conv2d else {
                if !layer.parameters.isEmpty { sawOnlyReshapes = false }
                continue
            }
            var entry = ExplorerLayer(name: layer.name, tensor: w.name, kind: layer.kind.rawValue, shape: w.value.shape, count: w.value.count)
            if sawOnlyReshapes, layer.kind == .dense, let (h, wd) = image, w.value.shape.count == 2, w.value.shape[1] == h * wd {
                entry.inputImage = (h, wd)
            }
            sawOnlyReshapes = false
            out.append(entry)
        }
        return out
    }

    static func capture(_ session: PruningSession, layers: [ExplorerLayer]) -> SessionView {
        var values = [String: Tensor](), masks = [String: Tensor]()
        for l in layers {
            guard let p = session.model.parameter(named: l.tensor) else { continue }
            values[l.tensor] = p.value
            if let m = p.mask { masks[l.tensor] = m }
        }
        return SessionView(values: values, masks: masks, history: Array(session.steps), cursor: session.cursor)
    }

    /// Copies the session's state for the views and puts every slider back
    /// on the current state (nothing pending). Call after any change to the session.
    public func refresh() {
        view = ExplorerWorkspace.capture(session, layers: layers)
        version += 1
        globalIndexCache = nil
        resetSliders()
    }

    // MARK: Sliders

    /// Changes the controls; sliders are rebuilt in the new units when the
    /// criterion, granularity, scope or slider mode changed.
    public func setControls(_ c: ExplorerControls) {
        let rebuild = c.changesPreview(from: controls)
        controls = c
        if rebuild { resetSliders() }
    }

    var criterion: Criterion { controls.engineCriterion(seed: session.nextStepSeed, batchSize: batchSize) }

    /// Whether the slider has a meaning (N:M implies its own sparsity).
    public var sliderIsImplied: Bool { controls.granularity == .twoOfFour }

    private func resetSliders() {
        layerPreviews = [:]
        globalPreview = ExplorerPreview()
        previewError = nil
        let mode = controls.effectiveSliderMode
        for l in layers {
            let current = view.metrics.tensors.first { $0.name == l.tensor }?.sparsity ?? 0
            if mode == .threshold, let kept = (try? session.scoreIndex(for: l.tensor))?.sortedScores {
                // Kept |w| ascending: the largest ends the range, the smallest
                // is the threshold that prunes nothing new.
                let top = kept.last.map(Double.init).flatMap { $0 > 0 ? $0 : nil } ?? 1
                let start = current > 0 ? Double(kept.first ?? 0) : 0
                sliders[l.tensor] = SliderState(value: start, range: 0...top, coarseStep: top / 100, fineStep: top / 1000)
            } else {
                sliders[l.tensor] = SliderState(value: current, range: 0...0.999, coarseStep: 0.01, fineStep: 0.001)
            }
        }
        let total = view.metrics.prunableTotal
        let current = total > 0 ? Double(view.metrics.prunableZeros) / Double(total) : 0
        if mode == .threshold {
            let top = layers.compactMap { sliders[$0.tensor]?.range.upperBound }.max() ?? 1
            let start = layers.compactMap { l in sliders[l.tensor].map { $0.value } }.min() ?? 0
            globalSlider = SliderState(value: current > 0 ? start : 0, range: 0...top, coarseStep: top / 200, fineStep: top / 2000)
        } else {
            globalSlider = SliderState(value: current, range: 0...0.999, coarseStep: 0.01, fineStep: 0.001)
        }
    }

    /// The slider the controls act on for layer `tensor`.
    public func slider(for tensor: String) -> SliderState {
        controls.scope == .global ? globalSlider : (sliders[tensor] ?? globalSlider)
    }

    /// Sets the slider of `tensor` (or the global one) and recomputes its preview.
    /// Returns an error text if the preview failed.
    @discardableResult
    public func setSlider(_ s: SliderState, for tensor: String) -> String? {
        if controls.scope == .global { globalSlider = s } else { sliders[tensor] = s }
        return updatePreview(for: tensor)
    }

    /// Stores a slider whose value did not change (e.g. a drag starting), without a new preview.
    public func keepSliderState(_ s: SliderState, for tensor: String) {
        guard s.value == slider(for: tensor).value else { setSlider(s, for: tensor); return }
        if controls.scope == .global { globalSlider = s } else { sliders[tensor] = s }
    }

    /// The pending preview in effect (global, or the merge of the layers').
    public var preview: ExplorerPreview {
        if controls.scope == .global { return globalPreview }
        var merged = ExplorerPreview()
        for (_, p) in layerPreviews.sorted(by: { $0.key < $1.key }) where !p.isEmpty {
            for (name, m) in p.masks {
                if let existing = merged.masks[name] { merged.masks[name] = Mask.intersect(existing, m) ?? m } else { merged.masks[name] = m }
            }
            for (name, k) in p.newlyPruned { merged.newlyPruned[name, default: 0] += k }
        }
        return merged
    }

    /// Recomputes the preview that `tensor`'s slider (or the global one) implies.
    @discardableResult
    public func updatePreview(for tensor: String) -> String? {
        previewError = nil
        do {
            if controls.scope == .global {
                globalPreview = try computeGlobalPreview()
            } else {
                layerPreviews[tensor] = try computeLayerPreview(tensor)
            }
        } catch {
            previewError = "\(error)"
            if controls.scope == .global { globalPreview = ExplorerPreview() } else { layerPreviews[tensor] = nil }
        }
        return previewError
    }

    /// A request for `tensors` under the controls; 2:4 takes no amount, so `amount` is then ignored.
    private func request(tensors: [String], amount: Amount) -> PruneRequest {
        let kind = layers.first { $0.tensor == tensors.first }?.kind ?? "dense"
        let granularity = controls.granularity.granularity(forLayerKind: kind)
        return PruneRequest(tensors: tensors, criterion: criterion, granularity: granularity,
                            scope: controls.scope, amount: granularity == .nOfM(n: 2, m: 4) ? .implied : amount)
    }

    private func planPreview(_ r: PruneRequest) throws -> ExplorerPreview {
        let plan = try session.preview(r)
        return ExplorerPreview(masks: plan.masks, newlyPruned: plan.newlyPruned)
    }

    private func computeLayerPreview(_ tensor: String) throws -> ExplorerPreview {
        let s = sliders[tensor]?.value ?? 0
        if controls.ranksSingleWeights {
            let index = try session.scoreIndex(for: tensor, criterion: criterion)
            let k = controls.effectiveSliderMode == .threshold
                ? index.newlyPrunedCount(atThreshold: Float(s)) : index.newlyPrunedCount(forSparsity: s)
            return k == 0 ? ExplorerPreview() : ExplorerPreview(masks: [tensor: index.mask(pruningLowest: k)], newlyPruned: [tensor: k])
        }
        return try planPreview(request(tensors: [tensor], amount: .sparsity(s)))
    }

    private func computeGlobalPreview() throws -> ExplorerPreview {
        let names = layers.map(\.tensor)
        let s = globalSlider.value
        if controls.allowsThreshold {
            let t: Float
            if controls.effectiveSliderMode == .threshold {
                t = Float(s)
            } else {
                t = try globalMagnitudeIndex().threshold(forSparsity: s)
            }
            var out = ExplorerPreview()
            for name in names {
                let index = try session.scoreIndex(for: name)
                let k = index.newlyPrunedCount(atThreshold: t)
                if k > 0 { out.masks[name] = index.mask(pruningLowest: k); out.newlyPruned[name] = k }
            }
            return out
        }
        return try planPreview(request(tensors: names, amount: .sparsity(s)))
    }

    /// The request that commits what the sliders show, or nil if nothing is pending.
    public func pendingRequest() -> PruneRequest? {
        let names = layers.map(\.tensor)
        if controls.scope == .global {
            guard !globalPreview.isEmpty else { return nil }
            if controls.effectiveSliderMode == .threshold {
                return request(tensors: names, amount: .threshold(Float(globalSlider.value)))
            }
            return request(tensors: names, amount: .sparsity(globalSlider.value))
        }
        let pending = layers.map(\.tensor).filter { !(layerPreviews[$0]?.isEmpty ?? true) }
        guard !pending.isEmpty else { return nil }
        if pending.count == 1, let only = pending.first {
            if controls.effectiveSliderMode == .threshold {
                return request(tensors: [only], amount: .threshold(Float(sliders[only]?.value ?? 0)))
            }
            return request(tensors: [only], amount: .sparsity(sliders[only]?.value ?? 0))
        }
        if sliderIsImplied { return request(tensors: pending, amount: .implied) }
        // Several layers at once: each to the sparsity its preview shows.
        return request(tensors: pending, amount: .perTensorSparsity(previewTargets(pending)))
    }

    /// The sparsity each of `names` reaches in its layer preview: counted
    /// from the preview mask for single-weight criteria (exact, whatever the
    /// slider's units), else the slider's target (a fraction of units).
    private func previewTargets(_ names: [String]) -> [String: Double] {
        var targets = [String: Double]()
        for name in names {
            guard let l = layers.first(where: { $0.tensor == name }) else { continue }
            if controls.ranksSingleWeights {
                targets[name] = Double(Mask.prunedCount(layerPreviews[name]?.masks[name])) / Double(max(1, l.count))
            } else {
                targets[name] = sliders[name]?.value ?? 0
            }
        }
        return targets
    }

    /// The target a schedule (`p`) runs to: the sparsity each pending layer
    /// previews (layer scope) or the previewed sparsity of all prunable
    /// weights (global scope); nil if nothing is pending.
    public func scheduleRequest() -> PruneRequest? {
        guard var r = pendingRequest() else { return nil }
        if controls.scope == .global {
            let m = previewMetrics()
            r.amount = sliderIsImplied ? .implied : .sparsity(controls.effectiveSliderMode == .sparsity ? globalSlider.value : m.prunableSparsity)
            return r
        }
        if sliderIsImplied { return r }
        r.amount = .perTensorSparsity(previewTargets(r.tensors))
        return r
    }

    /// The |w| below which `tensor`'s weights are pruned by the preview, when
    /// the criterion is magnitude on single weights (threshold mode: the
    /// slider; sparsity mode: the threshold that reaches it).
    public func effectiveThreshold(for tensor: String) -> Double? {
        guard controls.allowsThreshold else { return nil }
        let s = slider(for: tensor)
        if controls.effectiveSliderMode == .threshold { return s.value }
        // A target already reached prunes nothing new: there is no threshold to show.
        let t: Float?
        if controls.scope == .global {
            t = try? globalMagnitudeIndex().threshold(forSparsity: s.value)
        } else {
            t = try? session.scoreIndex(for: tensor).threshold(forSparsity: s.value)
        }
        return t.flatMap { $0 > 0 ? Double($0) : nil }
    }

    /// Scores of `tensor`'s unpruned entries under the current criterion,
    /// ascending, and the score below which the preview prunes; nil for
    /// magnitude (the histogram shows signed weights then) and unit criteria.
    public func scoreDistribution(for tensor: String) -> (scores: [Float], threshold: Double?)? {
        guard controls.ranksSingleWeights, controls.criterion != .magnitude,
              let index = try? session.scoreIndex(for: tensor, criterion: criterion) else { return nil }
        let k = layerPreviews[tensor]?.newlyPruned[tensor] ?? globalPreview.newlyPruned[tensor] ?? 0
        let t: Double? = k > 0 && k <= index.sortedScores.count ? Double(index.sortedScores[k - 1].nextUp) : nil
        return (index.sortedScores, t)
    }

    /// Commits the pending preview as one history step.
    @discardableResult
    public func applyPending() throws -> HistoryStep? {
        guard let r = pendingRequest() else { return nil }
        let step = try session.prune(r)
        refresh()
        return step
    }

    /// A masked copy of the model as the preview would leave it (for the background accuracy check).
    public func previewModel() -> Model { session.previewModel(masks: preview.masks) }

    /// Metrics of the preview (no accuracy: that arrives from the background).
    public func previewMetrics() -> ModelMetrics {
        let p = preview
        guard !p.isEmpty else { return view.metrics }
        return ModelMetrics.measure(session.previewModel(masks: p.masks))
    }

    // MARK: Undo, redo, jump

    public func undo() throws { try session.undo(); refresh() }
    public func redo() throws { try session.redo(); refresh() }
    public func jump(to step: Int) throws { try session.jump(to: step); refresh() }
}
