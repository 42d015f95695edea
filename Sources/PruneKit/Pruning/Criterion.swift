/// What makes a weight unimportant: the score that is ranked, lowest pruned first.
///
/// Every criterion yields a non-negative score per element of a tensor;
/// structured granularities sum the element scores over a neuron, filter or
/// block (so `.l1Norm` ranks rows by sum |w| and `.l2Norm` by sum w^2, which
/// orders rows exactly as their L2 norm does).
public enum Criterion: Codable, Sendable, Equatable, CustomStringConvertible {
    /// |w| (PyTorch `l1_unstructured`, Han et al. 2015).
    case magnitude
    /// A uniform random score per element, drawn from `seed`: the baseline.
    case random(seed: UInt64)
    /// First-order Taylor |w * dL/dw| (Molchanov et al.), summed over
    /// `batches` mini-batches of `batchSize` training samples.
    case taylor(batches: Int, batchSize: Int)
    /// SNIP connection sensitivity (Lee et al. 2019): |g * w| / sum over all
    /// chosen tensors of |g * w|, from one mini-batch of `batchSize`.
    case snip(batchSize: Int)
    /// L1 norm of a neuron (row of a Dense weight) or conv filter (Li et al. 2017).
    case l1Norm
    /// L2 norm of a neuron or conv filter (PyTorch `ln_structured`, n = 2).
    case l2Norm

    /// Short CLI name: magnitude, random, taylor, snip, l1-norm, l2-norm.
    public var name: String {
        switch self {
        case .magnitude: "magnitude"
        case .random: "random"
        case .taylor: "taylor"
        case .snip: "snip"
        case .l1Norm: "l1-norm"
        case .l2Norm: "l2-norm"
        }
    }

    public var description: String {
        switch self {
        case .magnitude, .l1Norm, .l2Norm: name
        case .random(let seed): "random(seed \(seed))"
        case .taylor(let b, let s): "taylor(\(b) batches of \(s))"
        case .snip(let s): "snip(batch \(s))"
        }
    }

    /// Whether the criterion needs gradients from training data.
    public var needsGradients: Bool {
        switch self {
        case .taylor, .snip: true
        default: false
        }
    }

    /// Element scores for each of `parameters` (same order), non-negative.
    ///
    /// `gradientSaliency` must hold the accumulated |g * w| per parameter name
    /// for `.taylor` and `.snip` (see `GradientSaliency`); other criteria
    /// ignore it. Random scores depend on the seed and the parameter's
    /// position in `parameters`, so the same request gives the same mask.
    public func scores(for parameters: [Parameter], gradientSaliency: [String: [Float]] = [:]) throws -> [[Float]] {
        switch self {
        case .magnitude, .l1Norm:
            return parameters.map { $0.value.data.map { abs($0) } }
        case .l2Norm:
            return parameters.map { $0.value.data.map { $0 * $0 } }
        case .random(let seed):
            var rng = SeededRandom(seed: seed)
            return parameters.map { p in (0..<p.value.count).map { _ in rng.nextUnitFloat() } }
        case .taylor:
            return try parameters.map { p in
                guard let s = gradientSaliency[p.name] else {
                    throw PruningError(p.name, "taylor criterion needs gradients; none were accumulated")
                }
                return s
            }
        case .snip:
            var raw = [[Float]]()
            var total: Double = 0
            for p in parameters {
                guard let s = gradientSaliency[p.name] else {
                    throw PruningError(p.name, "snip criterion needs gradients; none were accumulated")
                }
                raw.append(s)
                for v in s { total += Double(v) }
            }
            guard total > 0 else { return raw }
            let scale = Float(1 / total)
            return raw.map { $0.map { $0 * scale } }
        }
    }

    /// Parses a CLI name; `seed`, `batches` and `batchSize` fill the parameters.
    public static func parse(_ text: String, seed: UInt64, batches: Int, batchSize: Int) throws -> Criterion {
        switch text.lowercased() {
        case "magnitude", "l1": return .magnitude
        case "random": return .random(seed: seed)
        case "taylor": return .taylor(batches: batches, batchSize: batchSize)
        case "snip": return .snip(batchSize: batchSize)
        case "l1-norm": return .l1Norm
        case "l2-norm": return .l2Norm
        default:
            throw PruningError("--criterion", "unknown criterion '\(text)' (magnitude, random, taylor, snip, l1-norm, l2-norm)")
        }
    }
}
