import Testing

@testable import PruneKit

@Suite struct AllocationTests {
    /// A sweep over two tensors with the given (sparsity, loss) points; accuracy = 1 - loss / 10.
    private func sweep(_ curves: [String: [(Double, Double)]]) -> SensitivityResult {
        var points = [SensitivityPoint]()
        for name in curves.keys.sorted() {
            for (s, loss) in curves[name] ?? [] {
                points.append(SensitivityPoint(tensor: name, sparsity: s, accuracy: 1 - loss / 10, loss: loss))
            }
        }
        return SensitivityResult(baselineAccuracy: 1, baselineLoss: 0, points: points, cancelled: false)
    }

    @Test func equalSlopeOptimumOnHandWorkedCurves() throws {
        // a: 0.5 -> 1, 0.9 -> 5 (convex). b: 0.5 -> 2, 0.9 -> 3: its hull is the
        // straight line to 0.9 (the 0.5 point lies above it). Per weight pruned:
        // a's first segment 1/50 = 0.02, b's hull 3/90 = 0.033, a's second 4/40 = 0.1.
        // 140 of 200 weights: all of a's first segment (50), then b's (90).
        let result = try SensitivityAllocation.choose(
            target: 0.7, layers: [.init(tensor: "a", units: 100), .init(tensor: "b", units: 100)],
            sweep: sweep(["a": [(0.5, 1), (0.9, 5)], "b": [(0.5, 2), (0.9, 3)]]))
        #expect(result.targets.map(\.sparsity) == [0.5, 0.9])
        #expect(result.achievedSparsity == 0.7)
        // Predicted loss 1 + 3 = 4; the alternatives (0.9, 0.5) give 7 and (0.7, 0.7) give 5.5.
        #expect(abs(result.predictedLoss - 4) < 1e-12)
        #expect(abs(result.predictedAccuracy - (1 - 0.1 - 0.3)) < 1e-12)
    }

    @Test func greedyMatchesExhaustiveSearchOnConvexCurves() throws {
        // Convex curves d(s) = k s^2 on a grid; sizes differ. The exhaustive
        // search over whole weights on the interpolated hulls must not beat it.
        let grid = stride(from: 0.1, through: 0.9, by: 0.1).map { $0 }
        let ks: [Double] = [1, 3, 0.5]
        let units = [40, 20, 60]
        var curves = [String: [(Double, Double)]]()
        for (i, k) in ks.enumerated() { curves["t\(i)"] = grid.map { ($0, k * $0 * $0) } }
        let layers = units.indices.map { SensitivityAllocation.Layer(tensor: "t\($0)", units: units[$0]) }
        let result = try SensitivityAllocation.choose(target: 0.6, layers: layers, sweep: sweep(curves))
        let pruned = zip(result.targets, units).reduce(0.0) { $0 + $1.0.sparsity * Double($1.1) }
        #expect(abs(pruned - 72) < 1e-9)  // 0.6 x 120, exact
        func damage(_ i: Int, _ s: Double) -> Double {
            // Linear interpolation of k s^2 on the grid (with 0 at 0).
            let xs = [0.0] + grid, ys = xs.map { ks[i] * $0 * $0 }
            for j in 1..<xs.count where s <= xs[j] + 1e-12 {
                return ys[j - 1] + (s - xs[j - 1]) / (xs[j] - xs[j - 1]) * (ys[j] - ys[j - 1])
            }
            return .infinity
        }
        var best = Double.infinity
        for a in 0...36 {
            for b in 0...18 {
                let c = 72 - a - b
                guard c >= 0, c <= 54 else { continue }
                best = min(best, damage(0, Double(a) / 40) + damage(1, Double(b) / 20) + damage(2, Double(c) / 60))
            }
        }
        #expect(result.predictedLoss <= best + 1e-9)
    }

    @Test func guardsKeepEveryLayerAliveAndBelowTheCeiling() throws {
        // One tensor is nearly free to prune up to 0.99; the ceiling holds it at 0.9.
        let result = try SensitivityAllocation.choose(
            target: 0.8, layers: [.init(tensor: "a", units: 100), .init(tensor: "b", units: 100)],
            sweep: sweep(["a": [(0.5, 0), (0.9, 0.01), (0.99, 0.02)], "b": [(0.5, 1), (0.9, 2), (0.99, 9)]]), ceiling: 0.9)
        #expect(result.targets.allSatisfy { $0.sparsity <= 0.9 })
        #expect(result.targets[0].sparsity == 0.9)
        #expect(result.targets[1].sparsity == 0.7)
        // A structured tensor of 4 units keeps one even at a 0.99 ceiling.
        let units = try SensitivityAllocation.choose(
            target: 0.5, layers: [.init(tensor: "a", units: 4, weightsPerUnit: 10), .init(tensor: "b", units: 100)],
            sweep: sweep(["a": [(0.25, 0), (0.5, 0), (0.75, 0), (0.99, 0)], "b": [(0.5, 1), (0.99, 9)]]))
        #expect(units.targets[0].sparsity == 0.75)
    }

    @Test func unreachableOrAlreadyPassedTargetsAreRefusedByName() {
        let s = sweep(["a": [(0.5, 1)], "b": [(0.5, 1)]])
        let layers: [SensitivityAllocation.Layer] = [.init(tensor: "a", units: 10), .init(tensor: "b", units: 10)]
        #expect(throws: PruningError.self) { try SensitivityAllocation.choose(target: 0.6, layers: layers, sweep: s) }
        let started = [SensitivityAllocation.Layer(tensor: "a", units: 10, current: 0.5), .init(tensor: "b", units: 10, current: 0.5)]
        #expect(throws: PruningError.self) { try SensitivityAllocation.choose(target: 0.3, layers: started, sweep: s) }
        #expect(throws: PruningError.self) {
            try SensitivityAllocation.choose(target: 0.3, layers: [.init(tensor: "c", units: 10)], sweep: s)
        }
    }

    @Test func allocationOnARealModelIsExactAndAppliesAsOneStep() throws {
        let model = PruningFixtures.mlp([8, 24, 16, 2], seed: 5)
        let validation = PruningFixtures.blobs(count: 48, features: 8, seed: 3)
        let (allocation, _) = try SensitivityAllocation.run(model: model, validation: validation, target: 0.8)
        let total = allocation.targets.reduce(0) { $0 + $1.units }
        let pruned = allocation.targets.reduce(0.0) { $0 + $1.sparsity * Double($1.units) }
        #expect(Int(pruned.rounded()) == Int((0.8 * Double(total)).rounded()))
        let session = PruningSession(model: model, validation: validation, seed: 1)
        let step = try session.prune(PruneRequest(tensors: allocation.targets.map(\.tensor), amount: allocation.amount))
        #expect(abs(step.metrics.prunableSparsity - (0.8 * Double(total)).rounded() / Double(total)) < 1e-12)
        // Same inputs, same allocation.
        let again = try SensitivityAllocation.run(model: PruningFixtures.mlp([8, 24, 16, 2], seed: 5), validation: validation, target: 0.8)
        #expect(again.allocation == allocation)
    }
}
