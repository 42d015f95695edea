/// Over which tensors one ranking is made.
public enum Scope: String, Codable, Sendable, Equatable, CustomStringConvertible {
    /// Each chosen tensor is ranked and pruned on its own.
    case layer
    /// One ranking over all chosen tensors together, exactly as PyTorch's
    /// `prune.global_unstructured(params, L1Unstructured, amount)`: the
    /// k smallest scores over the concatenation are pruned. Unstructured
    /// granularity only (PyTorch refuses structured methods globally because
    /// norms of different layers are not comparable).
    case global

    public var description: String { rawValue }

    /// Parses `layer` or `global`.
    public static func parse(_ text: String) throws -> Scope {
        guard let s = Scope(rawValue: text.lowercased()) else {
            throw PruningError("--scope", "unknown scope '\(text)' (layer, global)")
        }
        return s
    }
}

/// How much to prune, and in which semantics.
///
/// "Units" are single weights, or neurons/filters/blocks for structured
/// granularities. Entries that are already pruned stay pruned: a request
/// never revives a weight (undo does).
public enum Amount: Codable, Sendable, Equatable, CustomStringConvertible {
    /// PyTorch's float `amount`: prune round(f x currently unpruned units)
    /// more (round half to even, as Python's `round`). Pruning 0.5 three
    /// times leaves 12.5 %, i.e. 87.5 % sparsity. `f` in [0, 1).
    case fractionOfRemaining(Double)
    /// A target final sparsity `s` in [0, 1) of each tensor (layer scope) or
    /// of all chosen tensors together (global scope), counted against every
    /// unit including those pruned before: prunes round(s x total) minus the
    /// already-pruned units (nothing if the target is already met).
    case sparsity(Double)
    /// PyTorch's int `amount`: prune exactly this many more units (per tensor
    /// in layer scope, over all chosen tensors in global scope).
    case count(Int)
    /// Prune every unpruned unit whose score is strictly below `t`.
    case threshold(Float)
    /// Han et al. 2015: per tensor, threshold = q x the standard deviation of
    /// the tensor's current values (pruned zeros included, as Distiller
    /// computes it); prune |w| < threshold. Magnitude criterion only.
    case quality(Float)
    /// Target final sparsity per tensor name (layer scope semantics of
    /// `.sparsity`); the names are the tensors pruned.
    case perTensorSparsity([String: Double])
    /// For N:M granularity, whose sparsity is implied.
    case implied

    /// A fraction with at most 4 significant digits: 0.9, 0.875, 0.9579.
    static func short(_ x: Double) -> String {
        let text = String(format: "%.4g", x)
        return Double(text) == x ? "\(x)" : text
    }

    public var description: String {
        switch self {
        case .fractionOfRemaining(let f): "\(f) of remaining"
        case .sparsity(let s): "sparsity \(Amount.short(s))"
        case .count(let n): "\(n) units"
        case .threshold(let t): "score < \(t)"
        case .quality(let q): "|w| < \(q) x std"
        case .perTensorSparsity(let m): "per tensor " + m.keys.sorted().map { "\($0)=\(Amount.short(m[$0] ?? 0))" }.joined(separator: ",")
        case .implied: "implied"
        }
    }
}
