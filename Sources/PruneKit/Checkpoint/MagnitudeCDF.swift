/// How many of a set of values lie below a magnitude, from one or more
/// `ValueDistribution`s (bfloat16 resolution, relative width 2^-7): the live
/// preview of magnitude pruning on a checkpoint without reading it again.
///
/// `threshold(forFraction:)` is the magnitude below which about that fraction
/// of the values lie; `fraction(below:)` the fraction strictly below a
/// magnitude. Exact pruning (`CheckpointPruning`) ranks the real values; the
/// preview agrees with it to the distribution's resolution.
public struct MagnitudeCDF: Sendable, Equatable {
    /// Distinct magnitudes (bfloat16 representatives), ascending.
    public let magnitudes: [Float]
    /// Values at or below `magnitudes[i]`, cumulatively.
    public let cumulative: [Int]
    /// Finite values in all.
    public var total: Int { cumulative.last ?? 0 }

    /// Merges the finite values of `distributions` by magnitude.
    public init(_ distributions: [ValueDistribution]) {
        var counts = [Float: Int]()
        for d in distributions {
            for (key, n) in zip(d.keys, d.counts) where key & 0x7F80 != 0x7F80 {
                counts[abs(ValueDistribution.representative(key)), default: 0] += n
            }
        }
        let sorted = counts.sorted { $0.key < $1.key }
        magnitudes = sorted.map(\.key)
        var running = 0
        cumulative = sorted.map {
            running += $0.value; return running
        }
    }

    /// The smallest representative magnitude m such that values with
    /// |v| <= m make up at least `fraction` of the total (0 for an empty set
    /// or fraction 0). Pruning |w| < nextUp(m) then prunes about that fraction.
    public func threshold(forFraction fraction: Double) -> Float {
        guard total > 0, fraction > 0 else { return 0 }
        let target = fraction * Double(total)
        var lo = 0, hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if Double(cumulative[mid]) >= target { hi = mid } else { lo = mid + 1 }
        }
        return magnitudes[lo]
    }

    /// Fraction of the values whose magnitude representative is strictly below `t`.
    public func fraction(below t: Float) -> Double {
        guard total > 0 else { return 0 }
        var lo = 0, hi = magnitudes.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if magnitudes[mid] < t { lo = mid + 1 } else { hi = mid }
        }
        return lo == 0 ? 0 : Double(cumulative[lo - 1]) / Double(total)
    }
}

extension CheckpointPruning {
    /// Magnitude masks for `names` and the record that describes them:
    /// N:M when `nOfM` is given (its sparsity is implied), else one global
    /// ranking (`scope == .global`) or one per tensor, pruning `amount` of
    /// the elements. `magnitudeRules` written out as masks.
    public static func magnitudeMasks(
        _ archive: any TensorArchive, names: [String], scope: Scope, nOfM: (n: Int, m: Int)?,
        amount: Double
    ) throws -> (masks: [String: Tensor], record: CheckpointExport.Record) {
        let (rules, record) = try magnitudeRules(archive, names: names, scope: scope, nOfM: nOfM, amount: amount)
        return (try masks(archive, rules: rules), record)
    }

    /// The same pruning as `magnitudeMasks`, as rules an export streams
    /// (`CheckpointExport.Change.rule`): no mask is held in memory. Used by
    /// `prunescope inspect --output` and the explorer's inspection mode, so
    /// both prune a checkpoint the same way.
    public static func magnitudeRules(
        _ archive: any TensorArchive, names: [String], scope: Scope, nOfM: (n: Int, m: Int)?,
        amount: Double
    ) throws -> (rules: [String: CheckpointMaskRule], record: CheckpointExport.Record) {
        let infos = try floatInfos(archive, names: names)
        if let (n, m) = nOfM {
            guard n >= 0, m >= 1, n <= m else { throw Failure.badNOfM(n: n, m: m) }
            return (
                Dictionary(infos.map { ($0.name, CheckpointMaskRule.nOfM(n: n, m: m)) }) { a, _ in a },
                CheckpointExport.Record(criterion: "magnitude", scope: .layer, granularity: "\(n):\(m)")
            )
        }
        guard amount >= 0, amount <= 1, amount.isFinite else { throw Failure.amountOutOfRange(amount) }
        let rules =
            scope == .global
            ? try globalMagnitudeRules(archive, infos: infos, amount: amount)
            : try layerMagnitudeRules(archive, infos: infos, amount: amount)
        return (rules, CheckpointExport.Record(criterion: "magnitude", scope: scope, amount: amount))
    }
}
