/// One pruning decision: which tensors, ranked how, in which units, how much.
public struct PruneRequest: Codable, Sendable, Equatable, CustomStringConvertible {
    /// Tensor names to prune; empty means `Topology.defaultTensors`.
    public var tensors: [String]
    public var criterion: Criterion
    public var granularity: Granularity
    public var scope: Scope
    public var amount: Amount

    public init(
        tensors: [String] = [], criterion: Criterion = .magnitude, granularity: Granularity = .unstructured,
        scope: Scope = .layer, amount: Amount
    ) {
        self.tensors = tensors
        self.criterion = criterion
        self.granularity = granularity
        self.scope = scope
        self.amount = amount
    }

    public var description: String {
        "\(criterion) \(granularity) \(scope) \(amount)" + (tensors.isEmpty ? "" : " on " + tensors.joined(separator: ","))
    }
}

/// The masks a request produces, not yet applied to the model.
public struct PrunePlan: Sendable {
    /// The request, with `tensors` resolved to explicit names.
    public var request: PruneRequest
    /// The complete new mask of every parameter whose mask changes (chosen
    /// tensors, and for structured pruning the coupled biases and next-layer weights).
    public var masks: [String: Tensor]
    /// Entries newly masked per tensor name.
    public var newlyPruned: [String: Int]
}

/// Computes masks for pruning requests. Pure: reads the model's values and
/// current masks, changes nothing.
public enum Pruner {
    /// The masks `request` yields on `model` (existing masks are kept: a
    /// plan never revives an entry).
    ///
    /// - Parameter gradientSaliency: accumulated |g * w| per tensor for the
    ///   `.taylor` and `.snip` criteria (see `GradientSaliency`).
    /// - Throws: `PruningError` for unknown tensors, out-of-range amounts,
    ///   combinations that make no sense (global structured, quality with a
    ///   non-magnitude criterion, N:M with an amount), and structured prunes
    ///   that would remove every unit of a layer.
    public static func plan(
        _ request: PruneRequest, model: Model,
        gradientSaliency: [String: [Float]] = [:]
    ) throws -> PrunePlan {
        var request = request
        let g = request.granularity
        try g.validate()
        let topology = Topology(model: model)
        if case .perTensorSparsity(let targets) = request.amount {
            if request.tensors.isEmpty { request.tensors = targets.keys.sorted() }
            for name in targets.keys where !request.tensors.contains(name) {
                throw PruningError(name, "has a per-tensor target but is not among the tensors to prune")
            }
        }
        if request.tensors.isEmpty { request.tensors = topology.defaultTensors(structured: g.isStructured) }
        var seen = Set<String>()
        var params = [Parameter]()
        for name in request.tensors {
            guard let p = model.parameter(named: name) else {
                let known = model.parameters.map(\.name).joined(separator: ", ")
                throw PruningError(name, "no such tensor in model '\(model.name)' (tensors: \(known))")
            }
            guard seen.insert(name).inserted else { throw PruningError(name, "listed twice") }
            params.append(p)
        }
        guard !params.isEmpty else { throw PruningError("--layers", "no tensors to prune") }
        try validate(request, params: params, topology: topology)

        let scores = try request.criterion.scores(for: params, gradientSaliency: gradientSaliency)
        var masks = [String: Tensor]()
        var newly = [String: Int]()

        func current(_ name: String) -> Tensor? {
            masks[name] ?? model.parameter(named: name)?.mask
        }

        switch g {
        case .unstructured:
            if request.scope == .global, needsCount(request.amount) {
                try planGlobal(request, params: params, scores: scores, masks: &masks, newly: &newly)
            } else {
                for (p, s) in zip(params, scores) {
                    let index = ScoreIndex(scores: s, shape: p.value.shape, mask: p.mask)
                    let k = try unitsToPrune(
                        request.amount, tensor: p, total: index.total,
                        pruned: index.alreadyPruned, sortedScores: index.sortedScores)
                    masks[p.name] = index.mask(pruningLowest: k)
                    newly[p.name] = k
                }
            }
        case .nOfM(let n, let m):
            for (p, s) in zip(params, scores) {
                let (mask, k) = nOfMMask(p, scores: s, n: n, m: m)
                masks[p.name] = mask
                newly[p.name] = k
            }
        case .neuron, .filter, .block:
            for (p, s) in zip(params, scores) {
                let layout = UnitLayout(shape: p.value.shape, granularity: g)
                let base = current(p.name)
                var unitScores = [Float]()
                var unitAlive = [Float]()
                unitScores.reserveCapacity(layout.units.count)
                for unit in layout.units {
                    var sum: Float = 0
                    var alive = false
                    for e in unit where base?.data[e] ?? 1 != 0 { sum += s[e]; alive = true }
                    unitScores.append(sum)
                    unitAlive.append(alive ? 1 : 0)
                }
                let index = ScoreIndex(
                    scores: unitScores, shape: [unitScores.count],
                    mask: Tensor(shape: [unitAlive.count], data: unitAlive))
                let k = try unitsToPrune(
                    request.amount, tensor: p, total: index.total,
                    pruned: index.alreadyPruned, sortedScores: index.sortedScores)
                let chosen = Array(index.order.prefix(k))
                if g.isStructured, k > 0, index.alreadyPruned + k >= index.total {
                    throw PruningError(p.name, "this \(removesAllUnits(index.total, granularity: g)) of the layer")
                }
                var mask = base ?? Mask.ones(p.value.shape)
                var count = 0
                for u in chosen {
                    for e in layout.units[u] where mask.data[e] != 0 { mask.data[e] = 0; count += 1 }
                }
                masks[p.name] = mask
                newly[p.name] = count
                if g.isStructured, !chosen.isEmpty, let c = topology.coupling(forWeight: p.name) {
                    try coupleUnits(chosen, coupling: c, model: model, masks: &masks, newly: &newly)
                }
            }
        }
        return PrunePlan(request: request, masks: masks, newlyPruned: newly)
    }

    /// Why pruning `tensor` alone to target `sparsity` at `granularity`
    /// cannot apply, or nil when it can: "would remove all 8 filters" (a
    /// neuron or filter prune may not empty a layer) or "0.1 of 4 neurons
    /// rounds to none" (a positive target that removes no unit). N:M
    /// granularity implies its own sparsity and always applies.
    public static func inapplicability(
        ofSparsity sparsity: Double, to tensor: Parameter,
        granularity: Granularity
    ) -> String? {
        guard sparsity > 0, sparsity.isFinite else { return nil }
        let units: Int, alreadyPruned: Int
        switch granularity {
        case .nOfM:
            return nil
        case .unstructured:
            units = tensor.value.count
            alreadyPruned = Mask.prunedCount(tensor.mask)
        case .neuron, .filter, .block:
            let layout = UnitLayout(shape: tensor.value.shape, granularity: granularity)
            units = layout.units.count
            alreadyPruned =
                tensor.mask.map { m in
                    layout.units.reduce(0) { $0 + ($1.allSatisfy { m.data[$0] == 0 } ? 1 : 0) }
                } ?? 0
        }
        let target = Int((sparsity * Double(units)).rounded(.toNearestOrEven))
        if target == 0 {
            return "\(Format.decimal(sparsity, digits: 3)) of \(Format.count(units, unitNoun(granularity))) rounds to none"
        }
        if granularity.isStructured, target > alreadyPruned, target >= units {
            return removesAllUnits(units, granularity: granularity)
        }
        return nil
    }

    /// "would remove all 8 filters".
    private static func removesAllUnits(_ units: Int, granularity: Granularity) -> String {
        "would remove all \(Format.count(units, unitNoun(granularity)))"
    }

    /// The unit a granularity ranks: "weight", "neuron", "filter", "block".
    private static func unitNoun(_ granularity: Granularity) -> String {
        switch granularity {
        case .unstructured, .nOfM: "weight"
        case .neuron: "neuron"
        case .filter: "filter"
        case .block: "block"
        }
    }

    /// Whether an amount is resolved as a count of lowest-ranked units.
    private static func needsCount(_ amount: Amount) -> Bool {
        switch amount {
        case .fractionOfRemaining, .sparsity, .count: true
        default: false
        }
    }

    private static func validate(_ r: PruneRequest, params: [Parameter], topology: Topology) throws {
        switch r.amount {
        case .fractionOfRemaining(let f): try PruningError.checkFraction(f, "--amount")
        case .sparsity(let s): try PruningError.checkFraction(s, "--sparsity")
        case .count(let n): guard n >= 0 else { throw PruningError("--count", "\(n) is negative") }
        case .threshold(let t):
            guard t.isFinite, t >= 0 else { throw PruningError("--threshold", "\(t) must be a finite score >= 0") }
        case .quality(let q):
            guard q.isFinite, q >= 0 else { throw PruningError("--quality", "\(q) must be finite and >= 0") }
            guard r.criterion == .magnitude else {
                throw PruningError("--quality", "quality x std is a magnitude threshold; use --criterion magnitude")
            }
        case .perTensorSparsity(let m):
            for (name, s) in m { try PruningError.checkFraction(s, name) }
        case .implied:
            guard case .nOfM = r.granularity else {
                throw PruningError("--sparsity", "an amount is needed (--sparsity, --threshold or --quality)")
            }
        }
        if case .nOfM(let n, let m) = r.granularity, r.amount != .implied {
            throw PruningError("--granularity", "\(n):\(m) implies \(1 - Double(n) / Double(m)) sparsity; give no --sparsity/--threshold")
        }
        if r.scope == .global, r.granularity != .unstructured {
            throw PruningError(
                "--scope", "global ranking is for unstructured pruning only (as PyTorch's global_unstructured); use --scope layer")
        }
        if r.scope == .global, case .perTensorSparsity = r.amount {
            throw PruningError("--scope", "per-tensor targets are per layer; use --scope layer")
        }
        if r.scope == .global, case .quality = r.amount {
            throw PruningError("--scope", "quality x std is a per-layer threshold; use --scope layer")
        }
        if r.criterion == .l1Norm || r.criterion == .l2Norm, !(r.granularity.isStructured || isBlock(r.granularity)) {
            throw PruningError(
                "--criterion", "\(r.criterion.name) ranks neurons, filters or blocks; use --granularity neuron|filter|block:RxC")
        }
        for p in params {
            if r.granularity.isStructured || isBlock(r.granularity) {
                guard p.value.rank >= 2 else {
                    throw PruningError(p.name, "has shape \(p.value.shape); \(r.granularity) pruning needs a weight of rank >= 2")
                }
            }
            if r.granularity.isStructured {
                guard let c = topology.coupling(forWeight: p.name) else {
                    throw PruningError(p.name, "is not the weight of a Dense or Conv2D layer")
                }
                guard c.consumerWeight != nil else {
                    throw PruningError(
                        p.name, "is the output layer (or feeds no weight layer); removing its units would change the outputs")
                }
            }
        }
    }

    private static func isBlock(_ g: Granularity) -> Bool {
        if case .block = g { return true }
        return false
    }

    /// Units to prune now for a count-like amount, or by threshold.
    private static func unitsToPrune(
        _ amount: Amount, tensor: Parameter, total: Int, pruned: Int,
        sortedScores: [Float]
    ) throws -> Int {
        let remaining = total - pruned
        switch amount {
        case .fractionOfRemaining(let f):
            return Int((f * Double(remaining)).rounded(.toNearestOrEven))
        case .sparsity(let s):
            return min(max(0, Int((s * Double(total)).rounded(.toNearestOrEven)) - pruned), remaining)
        case .perTensorSparsity(let m):
            let s = m[tensor.name] ?? 0
            return min(max(0, Int((s * Double(total)).rounded(.toNearestOrEven)) - pruned), remaining)
        case .count(let n):
            guard n <= remaining else {
                throw PruningError(tensor.name, "cannot prune \(n) more units: only \(remaining) are unpruned")
            }
            return n
        case .threshold(let t):
            return countBelow(sortedScores, t)
        case .quality(let q):
            return countBelow(sortedScores, q * standardDeviation(tensor.value.data))
        case .implied:
            return 0
        }
    }

    private static func countBelow(_ sorted: [Float], _ t: Float) -> Int {
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sorted[mid] < t { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Population standard deviation (divides by n), in Double.
    static func standardDeviation(_ x: [Float]) -> Float {
        guard !x.isEmpty else { return 0 }
        var sum = 0.0, sq = 0.0
        for v in x { sum += Double(v); sq += Double(v) * Double(v) }
        let mean = sum / Double(x.count)
        return Float(max(0, sq / Double(x.count) - mean * mean).squareRoot())
    }
}
