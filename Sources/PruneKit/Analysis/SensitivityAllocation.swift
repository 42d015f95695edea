import Foundation

/// Per-layer sparsities chosen from sensitivity curves: the targets that
/// reach an overall sparsity with the least predicted damage.
///
/// The damage of pruning tensor l to sparsity s, d_l(s), is read from its
/// sensitivity curve (each tensor pruned alone; validation loss or accuracy
/// relative to the unpruned model) and assumed to add up over tensors. Each
/// curve is replaced by its lower convex hull from the tensor's current
/// sparsity (damage 0) to its ceiling; the hull's segments are then taken in
/// order of damage per weight pruned, cheapest first, until the target
/// number of weights is pruned. On convex piecewise-linear curves this greedy
/// choice is the exact optimum (every tensor prunes up to the same marginal
/// damage per weight, the "equal slope" condition). The last segment is taken
/// in part, so the overall sparsity is exact for unstructured pruning.
public struct SensitivityAllocation: Codable, Sendable, Equatable {
    /// What the allocation minimises.
    ///
    /// Accuracy is the default: on lenet-300-100 and digits-mlp at 90, 95
    /// and 98 % it beat one global threshold every time, while the loss,
    /// smoother but further from what is judged, lost to it at 90 and 95 %
    /// on lenet (the per-layer effects add up less well in loss).
    public enum Damage: String, Codable, Sendable, CaseIterable {
        /// Drop of validation accuracy (fraction) below the unpruned model.
        case accuracy
        /// Increase of the validation cross-entropy over the unpruned model.
        case loss
    }

    /// One tensor's chosen target.
    public struct Target: Codable, Sendable, Equatable {
        public var tensor: String
        /// Elements of the tensor (or units for structured granularities).
        public var units: Int
        /// Chosen sparsity of the tensor (fraction of its units).
        public var sparsity: Double
        /// The tensor's sparsity before (its current mask).
        public var current: Double
        /// The ceiling the guard allowed.
        public var ceiling: Double
        /// Predicted loss increase and accuracy drop from this tensor alone,
        /// interpolated linearly on its measured curve.
        public var predictedLossIncrease: Double
        public var predictedAccuracyDrop: Double
    }

    /// Targets in the order of the sweep's tensors.
    public var targets: [Target]
    /// The overall sparsity asked for, and the one the targets give
    /// (equal for unstructured pruning, nearest reachable for units).
    public var requestedSparsity: Double
    public var achievedSparsity: Double
    public var damage: Damage
    /// Baseline (model before pruning) and predicted accuracy and loss,
    /// assuming the per-tensor effects add up.
    public var baselineAccuracy: Double
    public var baselineLoss: Double
    public var predictedAccuracy: Double
    public var predictedLoss: Double

    /// The per-tensor amount that applies these targets as one prune step.
    public var amount: Amount {
        .perTensorSparsity(Dictionary(uniqueKeysWithValues: targets.map { ($0.tensor, $0.sparsity) }))
    }

    /// A tensor the allocator chooses for: its size and where it starts.
    public struct Layer: Sendable, Equatable {
        public var tensor: String
        /// Units pruned one at a time: elements, or neurons/filters/blocks.
        public var units: Int
        /// Weights per unit (1 for unstructured), so units weigh by their size.
        public var weightsPerUnit: Int
        /// Fraction of units already pruned (the curve starts here at damage 0).
        public var current: Double

        public init(tensor: String, units: Int, weightsPerUnit: Int = 1, current: Double = 0) {
            self.tensor = tensor
            self.units = units
            self.weightsPerUnit = weightsPerUnit
            self.current = current
        }
    }

    /// Chooses per-tensor sparsities from `sweep` reaching `target` of the
    /// weights of `layers` together.
    ///
    /// - Parameters:
    ///   - ceiling: no tensor goes above this sparsity (the guard against
    ///     layer collapse), nor above the highest sparsity its curve measured;
    ///     a structured tensor also keeps at least one unit.
    /// - Throws: `PruningError` when the target is below what is already
    ///   pruned, above what the ceilings allow, or a tensor has no curve.
    public static func choose(
        target: Double, layers: [Layer], sweep: SensitivityResult,
        damage: Damage = .accuracy, ceiling: Double = 0.99
    ) throws -> SensitivityAllocation {
        try PruningError.checkFraction(target, "--sparsity")
        guard ceiling.isFinite, ceiling > 0, ceiling < 1 else {
            throw PruningError("--max-layer-sparsity", "\(ceiling) must be in (0, 1)")
        }
        guard !layers.isEmpty else { throw PruningError("--allocate", "no tensors to allocate over") }
        let curves = try layers.map { layer in
            try Curve(layer: layer, sweep: sweep, ceiling: ceiling, damage: damage)
        }
        let totalWeights = layers.reduce(0) { $0 + $1.units * $1.weightsPerUnit }
        let wanted = target * Double(totalWeights)
        let already = curves.reduce(0.0) { $0 + $1.start * $1.weights }
        let reachable = curves.reduce(0.0) { $0 + $1.end * $1.weights }
        guard wanted >= already - 0.5 else {
            throw PruningError(
                "--sparsity", "\(Format.percent(target)) is below the \(Format.percent(already / Double(totalWeights))) already pruned")
        }
        guard wanted <= reachable + 0.5 else {
            throw PruningError(
                "--sparsity",
                "\(Format.percent(target)) is out of reach: with every tensor at its ceiling (at most "
                    + "\(Format.percent(ceiling)), and no higher than its sweep measured) the most is "
                    + "\(Format.percent(reachable / Double(totalWeights))); raise --max-layer-sparsity or sweep higher sparsities")
        }
        var chosen = curves.map(\.start)
        var remaining = wanted - already
        // Every hull segment of every tensor, cheapest damage per weight first.
        let segments = curves.indices.flatMap { l in curves[l].segments.map { (layer: l, segment: $0) } }
            .sorted { ($0.segment.slope, $0.layer, $0.segment.from) < ($1.segment.slope, $1.layer, $1.segment.from) }
        for (l, segment) in segments where remaining > 0 {
            let weights = (segment.to - segment.from) * curves[l].weights
            let take = min(weights, remaining)
            chosen[l] = segment.from + (segment.to - segment.from) * take / weights
            remaining -= take
        }
        let sparsities = roundToUnits(chosen, curves: curves, wantedWeights: wanted)
        var result = SensitivityAllocation(
            targets: [], requestedSparsity: target, achievedSparsity: 0, damage: damage,
            baselineAccuracy: sweep.baselineAccuracy, baselineLoss: sweep.baselineLoss,
            predictedAccuracy: sweep.baselineAccuracy, predictedLoss: sweep.baselineLoss)
        var prunedWeights = 0.0
        for (l, curve) in curves.enumerated() {
            let s = sparsities[l]
            let lossUp = curve.interpolate(s, \.loss) - (curve.startPoint?.loss ?? sweep.baselineLoss)
            let accDown = (curve.startPoint?.accuracy ?? sweep.baselineAccuracy) - curve.interpolate(s, \.accuracy)
            result.targets.append(
                Target(
                    tensor: curve.layer.tensor, units: curve.layer.units, sparsity: s, current: curve.start,
                    ceiling: curve.end, predictedLossIncrease: lossUp, predictedAccuracyDrop: accDown))
            result.predictedLoss += lossUp
            result.predictedAccuracy -= accDown
            prunedWeights += s * curve.weights
        }
        result.achievedSparsity = prunedWeights / Double(totalWeights)
        return result
    }

    /// Whole units per tensor: floors, then the units left go to the
    /// largest remainders (within each ceiling) until the pruned weights
    /// reach `wantedWeights` as nearly as whole units allow.
    private static func roundToUnits(_ chosen: [Double], curves: [Curve], wantedWeights: Double) -> [Double] {
        var units = zip(chosen, curves).map { s, c in Int((s * Double(c.layer.units)).rounded(.down)) }
        let maxUnits = curves.map { Int(($0.end * Double($0.layer.units)).rounded(.down)) }
        for l in units.indices { units[l] = max(units[l], Int((curves[l].start * Double(curves[l].layer.units)).rounded())) }
        var pruned = zip(units, curves).reduce(0) { $0 + $1.0 * $1.1.layer.weightsPerUnit }
        let order = chosen.indices.sorted { a, b in
            let ra = chosen[a] * Double(curves[a].layer.units) - Double(units[a])
            let rb = chosen[b] * Double(curves[b].layer.units) - Double(units[b])
            return ra != rb ? ra > rb : a < b
        }
        var progress = true
        while progress {
            progress = false
            for l in order where units[l] < maxUnits[l] {
                let per = curves[l].layer.weightsPerUnit
                // Take a unit only if it brings the total nearer the wanted count.
                guard abs(Double(pruned + per) - wantedWeights) < abs(Double(pruned) - wantedWeights) else { continue }
                units[l] += 1
                pruned += per
                progress = true
            }
        }
        return zip(units, curves).map { u, c in Double(u) / Double(c.layer.units) }
    }
}

/// One tensor's sensitivity curve as the allocator sees it: measured points
/// from its current sparsity to its ceiling, and the lower convex hull.
private struct Curve {
    struct Point {
        var sparsity: Double
        var accuracy: Double
        var loss: Double
        var damage: Double
    }

    struct Segment {
        var from: Double
        var to: Double
        /// Damage per weight pruned along the segment.
        var slope: Double
    }

    let layer: SensitivityAllocation.Layer
    let weights: Double
    let start: Double
    let end: Double
    /// Measured points in [start, end], sparsity ascending, with the start
    /// point (damage 0) first.
    let points: [Point]
    let segments: [Segment]
    var startPoint: Point? { points.first }

    init(
        layer: SensitivityAllocation.Layer, sweep: SensitivityResult, ceiling: Double,
        damage: SensitivityAllocation.Damage
    ) throws {
        self.layer = layer
        weights = Double(layer.units * layer.weightsPerUnit)
        guard layer.units > 0 else { throw PruningError(layer.tensor, "has no units to prune") }
        let measured = sweep.points.filter { $0.tensor == layer.tensor }.sorted { $0.sparsity < $1.sparsity }
        guard !measured.isEmpty else {
            throw PruningError(layer.tensor, "the sensitivity sweep has no points for it; sweep it first")
        }
        var cap = ceiling
        // A structured tensor keeps at least one unit.
        if layer.weightsPerUnit > 1 { cap = min(cap, Double(layer.units - 1) / Double(layer.units)) }
        let inRange = measured.filter { $0.sparsity > layer.current && $0.sparsity <= cap + 1e-12 }
        start = layer.current
        end = max(layer.current, inRange.last?.sparsity ?? layer.current)
        func damageOf(accuracy: Double, loss: Double) -> Double {
            switch damage {
            case .loss: loss - sweep.baselineLoss
            case .accuracy: sweep.baselineAccuracy - accuracy
            }
        }
        var pts = [
            Point(sparsity: layer.current, accuracy: sweep.baselineAccuracy, loss: sweep.baselineLoss, damage: 0)
        ]
        for p in inRange {
            pts.append(
                Point(sparsity: p.sparsity, accuracy: p.accuracy, loss: p.loss, damage: damageOf(accuracy: p.accuracy, loss: p.loss)))
        }
        points = pts
        // Lower convex hull (monotone chain over ascending sparsity).
        var hull = [Point]()
        for p in pts {
            while hull.count >= 2 {
                let a = hull[hull.count - 2], b = hull[hull.count - 1]
                let cross = (b.sparsity - a.sparsity) * (p.damage - a.damage) - (b.damage - a.damage) * (p.sparsity - a.sparsity)
                if cross <= 0 { hull.removeLast() } else { break }
            }
            hull.append(p)
        }
        let w = weights
        segments = zip(hull, hull.dropFirst()).map { a, b in
            Segment(from: a.sparsity, to: b.sparsity, slope: (b.damage - a.damage) / ((b.sparsity - a.sparsity) * w))
        }
    }

    /// The measured curve's value at `s`, linear between points.
    func interpolate(_ s: Double, _ value: KeyPath<Point, Double>) -> Double {
        guard let first = points.first else { return 0 }
        if s <= first.sparsity { return first[keyPath: value] }
        for (a, b) in zip(points, points.dropFirst()) where s <= b.sparsity {
            let t = (s - a.sparsity) / (b.sparsity - a.sparsity)
            return a[keyPath: value] + t * (b[keyPath: value] - a[keyPath: value])
        }
        return points[points.count - 1][keyPath: value]
    }
}
