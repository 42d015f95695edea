import Testing
@testable import PruneKit

@Suite struct SensitivityTests {
    @Test func sweepsEachTensorAloneWithoutChangingTheModel() throws {
        let model = PruningFixtures.mlp([8, 12, 2], seed: 3)
        let val = PruningFixtures.blobs(count: 40, features: 8)
        let before = model.parameters.map(\.value)
        var progress = [Int]()
        let r = try SensitivityAnalysis.run(model: model, validation: val, sparsities: [0, 0.5, 0.99],
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
        let r = try SensitivityAnalysis.run(model: model, validation: val, sparsities: [0.1, 0.2],
                                            onProgress: { _ in n += 1 }, isCancelled: { n >= 3 })
        #expect(r.cancelled && r.points.count == 3)
        #expect(throws: PruningError.self) { try SensitivityAnalysis.run(model: model, validation: val, sparsities: [1.0]) }
        #expect(throws: PruningError.self) {
            try SensitivityAnalysis.run(model: model, validation: val, tensors: ["fc9.weight"], sparsities: [0.5])
        }
    }
}
