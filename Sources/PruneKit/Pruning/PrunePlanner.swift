import Foundation

/// Plans prunes over one fixed state of a model without changing it: the
/// sorted score index of each tensor (cached), one index over several
/// tensors for global scope, the masks a request would set, and masked
/// copies for an accuracy check elsewhere.
///
/// A planner reads `model` and never writes it; it is only valid while
/// nobody else changes that model. `PruningSession` makes a new one after
/// every change of its own model; the explorer builds one over the private
/// copy of the model that each published step carries. Not thread-safe (its
/// cache is mutable): one thread uses a planner at a time.
public final class PrunePlanner {
    /// The model planned over (read only).
    public let model: Model
    /// Training data for gradient criteria (Taylor, SNIP).
    public let train: Dataset?
    /// Seed of the batches gradient criteria draw (the session's `nextStepSeed`).
    public let seed: UInt64
    private var indexCache: [String: ScoreIndex] = [:]

    public init(model: Model, train: Dataset?, seed: UInt64) {
        self.model = model
        self.train = train
        self.seed = seed
    }

    /// The sorted-score index of `tensor` under its current mask, cached.
    /// Magnitude, random and the norm criteria need no data; Taylor/SNIP
    /// accumulate gradients on `train` (seconds on a large model).
    public func scoreIndex(for tensor: String, criterion: Criterion = .magnitude) throws -> ScoreIndex {
        let key = "\(tensor)|\(criterion)"
        if let cached = indexCache[key] { return cached }
        guard let p = model.parameter(named: tensor) else {
            throw PruningError(tensor, "no such tensor in model '\(model.name)'")
        }
        let saliency = try gradientSaliency(for: [p], criterion: criterion)
        guard let scores = try criterion.scores(for: [p], gradientSaliency: saliency).first else {
            throw PruningError(tensor, "no scores")
        }
        let index = ScoreIndex(scores: scores, shape: p.value.shape, mask: p.mask)
        indexCache[key] = index
        return index
    }

    /// Whether `tensor`'s index under `criterion` is already computed.
    public func hasScoreIndex(for tensor: String, criterion: Criterion) -> Bool {
        indexCache["\(tensor)|\(criterion)"] != nil
    }

    /// One index over the concatenated scores of `tensors` (global scope):
    /// `threshold(forSparsity:)` on it gives the global threshold, and each
    /// tensor's own `scoreIndex(for:)` then masks at that threshold.
    public func globalScoreIndex(for tensors: [String], criterion: Criterion = .magnitude) throws -> ScoreIndex {
        let key = "global|\(tensors.joined(separator: ","))|\(criterion)"
        if let cached = indexCache[key] { return cached }
        var scores = [Float]()
        var mask = [Float]()
        for name in tensors {
            let index = try scoreIndex(for: name, criterion: criterion)
            var s = [Float](repeating: 0, count: index.total)
            var m = [Float](repeating: 0, count: index.total)
            for (i, e) in index.order.enumerated() { s[e] = index.sortedScores[i]; m[e] = 1 }
            scores += s
            mask += m
        }
        let index = ScoreIndex(scores: scores, shape: [scores.count], mask: Tensor(shape: [mask.count], data: mask))
        indexCache[key] = index
        return index
    }

    /// The threshold `globalScoreIndex(for:criterion:).threshold(forSparsity:)`
    /// gives, found from the per-tensor indices alone: the k-th smallest score
    /// of their union by a search over the scores' bit patterns (32 rounds of
    /// one binary search per tensor), so a global slider needs no sort of all
    /// the weights together. 0 when the sparsity prunes nothing new.
    public func globalThreshold(forSparsity s: Double, tensors: [String], criterion: Criterion = .magnitude) throws -> Float {
        let indices = try tensors.map { try scoreIndex(for: $0, criterion: criterion) }
        let total = indices.reduce(0) { $0 + $1.total }
        let already = indices.reduce(0) { $0 + $1.alreadyPruned }
        let ranked = indices.reduce(0) { $0 + $1.sortedScores.count }
        let target = Int((s * Double(total)).rounded(.toNearestOrEven))
        let k = min(max(0, target - already), ranked)
        guard k > 0 else { return 0 }
        // The smallest key whose "at most" count reaches k; keys are the
        // scores' bit patterns (negatives ranked as 0, as the index ranks them).
        var lo: UInt32 = 0, hi: UInt32 = 0x7FFF_FFFF
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            let count = indices.reduce(0) { $0 + $1.count(atMostKey: mid) }
            if count >= k { hi = mid } else { lo = mid + 1 }
        }
        // The k-th smallest score itself (the value the global index holds there).
        for index in indices {
            let n = index.count(atMostKey: lo)
            if n > 0, ScoreIndex.key(index.sortedScores[n - 1]) == lo { return index.sortedScores[n - 1].nextUp }
        }
        return Float(bitPattern: lo).nextUp
    }

    /// Computes the masks for `request` without changing the model.
    ///
    /// Magnitude, unstructured, layer-scope requests by threshold, sparsity,
    /// fraction or count reuse the cached `scoreIndex(for:)` of each tensor,
    /// so a slider preview costs one pass per tensor after the first call.
    public func preview(_ request: PruneRequest) throws -> PrunePlan {
        if request.criterion == .magnitude, request.granularity == .unstructured, request.scope == .layer,
            !request.tensors.isEmpty, let plan = try cachedPreview(request)
        {
            return plan
        }
        let names =
            request.tensors.isEmpty
            ? Topology(model: model).defaultTensors(structured: request.granularity.isStructured) : request.tensors
        let params = names.compactMap { model.parameter(named: $0) }
        let saliency = try gradientSaliency(for: params, criterion: request.criterion)
        return try Pruner.plan(request, model: model, gradientSaliency: saliency)
    }

    private func cachedPreview(_ request: PruneRequest) throws -> PrunePlan? {
        var masks = [String: Tensor]()
        var newly = [String: Int]()
        for name in request.tensors {
            guard model.parameter(named: name) != nil, masks[name] == nil else { return nil }
            let index = try scoreIndex(for: name)
            let remaining = index.sortedScores.count
            let k: Int
            switch request.amount {
            case .threshold(let t):
                guard t.isFinite, t >= 0 else { return nil }
                k = index.newlyPrunedCount(atThreshold: t)
            case .sparsity(let s):
                guard s.isFinite, s >= 0, s < 1 else { return nil }
                k = index.newlyPrunedCount(forSparsity: s)
            case .fractionOfRemaining(let f):
                guard f.isFinite, f >= 0, f < 1 else { return nil }
                k = Int((f * Double(remaining)).rounded(.toNearestOrEven))
            default:
                return nil
            }
            masks[name] = index.mask(pruningLowest: k)
            newly[name] = k
        }
        return PrunePlan(request: request, masks: masks, newlyPruned: newly)
    }

    /// A copy of the model with `masks` (complete masks by tensor name)
    /// applied, for an accuracy check on another thread.
    public func previewModel(masks: [String: Tensor]) -> Model {
        let copy = model.copy()
        PrunePlanner.apply(masks, to: copy)
        return copy
    }

    /// Sets `masks` (complete masks by tensor name) on `model`'s parameters
    /// and zeroes what they prune.
    public static func apply(_ masks: [String: Tensor], to model: Model) {
        for (name, mask) in masks {
            guard let p = model.parameter(named: name) else { continue }
            p.mask = mask
            p.applyMask()
        }
    }

    private func gradientSaliency(for params: [Parameter], criterion: Criterion) throws -> [String: [Float]] {
        let batches: Int, batchSize: Int
        switch criterion {
        case .taylor(let b, let s): batches = b; batchSize = s
        case .snip(let s): batches = 1; batchSize = s
        default: return [:]
        }
        guard let train else { throw PruningError("--criterion", "\(criterion.name) needs training data for gradients") }
        return try GradientSaliency.accumulate(
            model: model, parameters: params, data: train,
            batches: batches, batchSize: batchSize, seed: seed)
    }
}
