import Testing

@testable import PruneKit

/// Masks moved through a sorted index equal the masks recomputed from it,
/// whatever path the cut took; the counts the figures use equal a recount.
@Suite struct IncrementalMaskTests {
    /// A seeded [rows, columns] tensor with ties, exact zeros and an
    /// already-pruned base mask, like a layer after an earlier step.
    static func layer(rows: Int, columns: Int, seed: UInt64) -> (values: Tensor, mask: Tensor) {
        var rng = SeededRandom(seed: seed)
        let n = rows * columns
        var mask = [Float](repeating: 1, count: n)
        var values = [Float](repeating: 0, count: n)
        for i in 0..<n {
            // Few distinct magnitudes: many ties, across rows and signs.
            let level = Float(Int(Double(rng.nextUnitFloat()) * 12)) / 8
            values[i] = Double(rng.nextUnitFloat()) < 0.5 ? -level : level
            if Double(rng.nextUnitFloat()) < 0.15 { mask[i] = 0; values[i] = 0 }
        }
        return (Tensor(shape: [rows, columns], data: values), Tensor(shape: [rows, columns], data: mask))
    }

    static func recount(values: Tensor, mask: Tensor, base: Tensor, columns: Int) -> (zeroed: Int, rowsAlive: Int) {
        var zeroed = 0
        var alive = Set<Int>()
        for i in 0..<values.count {
            if base.data[i] != 0, mask.data[i] == 0, values.data[i] != 0 { zeroed += 1 }
            if mask.data[i] != 0, values.data[i] != 0 { alive.insert(i / columns) }
        }
        return (zeroed, alive.count)
    }

    @Test(arguments: [(1, 1), (1, 7), (5, 3), (16, 33)])
    func movingTheCutEqualsRecomputing(rows: Int, columns: Int) {
        let (values, base) = Self.layer(rows: rows, columns: columns, seed: UInt64(rows * 100 + columns))
        let index = ScoreIndex(scores: values.data.map { abs($0) }, shape: values.shape, mask: base)
        var cut = IncrementalMask(index: index, values: values)
        let n = index.order.count
        // Right in steps, left in steps, jumps both ways, to the ends and past them.
        var path = Array(stride(from: 0, through: n, by: max(1, n / 7))) + Array(stride(from: n, through: 0, by: -max(1, n / 5)))
        path += [n / 2, 1, n, n - 1, 0, n + 3, -2, n / 3, n / 3, 2 * n / 3]
        for k in path {
            cut.move(to: k)
            let expected = index.mask(pruningLowest: k)
            #expect(cut.k == min(max(k, 0), n))
            #expect(cut.mask == expected, "k = \(k)")
            let counts = Self.recount(values: values, mask: expected, base: base, columns: columns)
            #expect(cut.newlyZeroed == counts.zeroed, "k = \(k)")
            #expect(cut.rowsWithNonzero == counts.rowsAlive, "k = \(k)")
        }
    }

    @Test func tiesGoInIndexOrderAsTheFullRecomputation() {
        let values = Tensor(shape: [2, 4], data: [0.5, -0.5, 0.5, 0.1, -0.1, 0.5, 0.1, 0.5])
        let index = ScoreIndex(scores: values.data.map { abs($0) }, shape: [2, 4], mask: nil)
        #expect(index.order == [3, 4, 6, 0, 1, 2, 5, 7])
        var cut = IncrementalMask(index: index, values: values)
        for k in [5, 2, 8, 4, 0, 7] {
            cut.move(to: k)
            #expect(cut.mask == index.mask(pruningLowest: k))
        }
        #expect(cut.rowsWithNonzero == 1)
    }

    /// The radix sort gives the order a comparison sort of (score, index) gives.
    @Test func radixOrderEqualsASortByScoreThenIndex() {
        var rng = SeededRandom(seed: 7)
        for n in [0, 1, 2, 3, 10, 1000, 5000] {
            let scores = (0..<n).map { _ in Double(rng.nextUnitFloat()) < 0.3 ? Float(0.25) : Float(Double(rng.nextUnitFloat())) * 3 }
            let mask = (0..<n).map { _ in Double(rng.nextUnitFloat()) < 0.1 ? Float(0) : 1 }
            let expected = (0..<n).filter { mask[$0] != 0 }.sorted { (scores[$0], $0) < (scores[$1], $1) }
            #expect(ScoreIndex.ascendingOrder(scores, mask: mask) == expected, "n = \(n)")
        }
    }

    /// The global threshold from the per-tensor indices equals the one of
    /// the index over all tensors, at every sparsity of a sweep.
    @Test func globalThresholdEqualsTheGlobalIndex() throws {
        let model = PruningFixtures.mlp([12, 9, 5, 3])
        let names = ["fc1.weight", "fc2.weight", "fc3.weight"]
        // Ties across tensors and an earlier step's mask.
        for name in names {
            let p = try #require(model.parameter(named: name))
            p.value.data = p.value.data.map { ($0 * 8).rounded() / 8 }
        }
        let first = try #require(model.parameter(named: "fc1.weight"))
        first.mask = Tensor(shape: first.value.shape, data: (0..<first.value.count).map { $0 % 5 == 0 ? 0 : 1 })
        first.applyMask()
        let planner = PrunePlanner(model: model, train: nil, seed: 0)
        let global = try planner.globalScoreIndex(for: names)
        for step in 0...100 {
            let s = Double(step) / 100
            #expect(try planner.globalThreshold(forSparsity: s, tensors: names) == global.threshold(forSparsity: s), "s = \(s)")
        }
    }

    /// Figures from the cut's counts equal measuring the masked model.
    @Test func figuresFromCountsEqualMeasuringTheMaskedModel() throws {
        let model = PruningFixtures.mlp([12, 9, 5, 3])
        let planner = PrunePlanner(model: model, train: nil, seed: 0)
        let base = ModelMetrics.measure(model)
        var cuts = [String: IncrementalMask]()
        for name in ["fc1.weight", "fc3.weight"] {
            let index = try planner.scoreIndex(for: name)
            cuts[name] = IncrementalMask(index: index, values: try #require(model.parameter(named: name)).value)
        }
        for (k1, k3) in [(10, 3), (100, 14), (40, 15), (0, 15), (108, 0)] {
            cuts["fc1.weight"]?.move(to: k1)
            cuts["fc3.weight"]?.move(to: k3)
            var changes = [ModelMetrics.MaskedChange]()
            var masks = [String: Tensor]()
            for (name, layer) in [("fc1.weight", "fc1"), ("fc3.weight", "fc3")] {
                let cut = try #require(cuts[name])
                guard cut.k > 0 else { continue }
                masks[name] = cut.mask
                changes.append(
                    .init(tensor: name, layer: layer, masked: cut.k, zeroed: cut.newlyZeroed, unitsAlive: cut.rowsWithNonzero))
            }
            let measured = ModelMetrics.measure(planner.previewModel(masks: masks))
            #expect(base.applying(changes) == measured)
            #expect(ModelMetrics.measure(model, masks: masks) == measured)
        }
    }
}
