import Testing

@testable import PruneKit

@Suite struct SensitivityTests {
    @Test func sweepsEachTensorAloneWithoutChangingTheModel() throws {
        let model = PruningFixtures.mlp([8, 12, 2], seed: 3)
        let val = PruningFixtures.blobs(count: 40, features: 8)
        let before = model.parameters.map(\.value)
        var progress = [Int]()
        let r = try SensitivityAnalysis.run(
            model: model, validation: val, sparsities: [0, 0.5, 0.99],
            onProgress: { progress.append($0.done) })
        #expect(progress == [1, 2, 3, 4, 5, 6])
        #expect(r.points.map(\.tensor) == ["fc1.weight", "fc1.weight", "fc1.weight", "fc2.weight", "fc2.weight", "fc2.weight"])
        #expect(model.parameters.map(\.value) == before)
        #expect(model.parameters.allSatisfy { $0.mask == nil })
        // Sparsity 0 is the baseline itself.
        #expect(r.points[0].accuracy == r.baselineAccuracy)
        #expect(r.points[0].loss == r.baselineLoss)
        #expect(r.csv.split(separator: "\n").count == 7)
        #expect(r.csv.hasPrefix("tensor,sparsity,accuracy,loss\n"))
    }

    @Test func cancellationAndBadInput() throws {
        let model = PruningFixtures.mlp([8, 12, 2], seed: 3)
        let val = PruningFixtures.blobs(count: 40, features: 8)
        var n = 0
        let r = try SensitivityAnalysis.run(
            model: model, validation: val, sparsities: [0.1, 0.2],
            onProgress: { _ in n += 1 }, isCancelled: { n >= 3 })
        #expect(r.cancelled && r.points.count == 3)
        #expect(throws: PruningError.self) { try SensitivityAnalysis.run(model: model, validation: val, sparsities: [1.0]) }
        #expect(throws: PruningError.self) {
            try SensitivityAnalysis.run(model: model, validation: val, tensors: ["fc9.weight"], sparsities: [0.5])
        }
    }
}

/// Neuron and filter sweeps: cells that cannot apply are skipped and reported.
@Suite struct SensitivitySkipTests {
    @Test func structuredCellsThatCannotApplyAreSkippedAndTheSweepGoesOn() throws {
        let model = PruningFixtures.mlp([8, 12, 2], seed: 3)
        let val = PruningFixtures.blobs(count: 40, features: 8)
        var progress = [Int]()
        var skips = [SensitivitySkip]()
        // fc1 has 12 neurons: 1 % rounds to none, 99 % would remove all 12.
        let r = try SensitivityAnalysis.run(
            model: model, validation: val, tensors: ["fc1.weight"], sparsities: [0.01, 0.5, 0.99],
            granularity: .neuron, onProgress: { progress.append($0.done) },
            onSkip: { skips.append($0) })
        #expect(r.points.map(\.sparsity) == [0.5])
        #expect(
            r.skipped == [
                SensitivitySkip(tensor: "fc1.weight", sparsity: 0.01, reason: "0.01 of 12 neurons rounds to none"),
                SensitivitySkip(tensor: "fc1.weight", sparsity: 0.99, reason: "would remove all 12 neurons"),
            ])
        #expect(skips == r.skipped)
        #expect(progress == [2])
        #expect(r.skip(tensor: "fc1.weight", sparsity: 0.99)?.reason == "would remove all 12 neurons")
        #expect(r.skip(tensor: "fc1.weight", sparsity: 0.5) == nil)
        #expect(r.csv.contains("fc1.weight,0.99,,\n"))
        #expect(!r.cancelled)
    }

    @Test func theSameCellsThroughThePrunerFail() throws {
        // What the sweep skips is exactly what a prune refuses.
        let model = PruningFixtures.mlp([8, 12, 2], seed: 3)
        let p = try #require(model.parameter(named: "fc1.weight"))
        #expect(Pruner.inapplicability(ofSparsity: 0.99, to: p, granularity: .neuron) == "would remove all 12 neurons")
        #expect(throws: PruningError("fc1.weight", "this would remove all 12 neurons of the layer")) {
            try Pruner.plan(PruneRequest(tensors: ["fc1.weight"], granularity: .neuron, amount: .sparsity(0.99)), model: model)
        }
        #expect(Pruner.inapplicability(ofSparsity: 0.5, to: p, granularity: .neuron) == nil)
        #expect(Pruner.inapplicability(ofSparsity: 0, to: p, granularity: .neuron) == nil)
        // Unstructured: 96 weights, 0.001 rounds to none; 0.99 leaves one.
        #expect(Pruner.inapplicability(ofSparsity: 0.001, to: p, granularity: .unstructured) == "0.001 of 96 weights rounds to none")
        #expect(Pruner.inapplicability(ofSparsity: 0.99, to: p, granularity: .unstructured) == nil)
        #expect(Pruner.inapplicability(ofSparsity: 0.01, to: p, granularity: .nOfM(n: 2, m: 4)) == nil)
    }
}
