import Testing

@testable import PruneKit

@Suite struct MetricsTests {
    @Test func countsAreNamedAndExact() throws {
        let model = try PruningFixtures.tinyMLP()
        let session = PruningSession(model: model)
        try session.prune(PruneRequest(tensors: ["fc1.weight"], granularity: .neuron, amount: .count(1)))
        let m = ModelMetrics.measure(model)
        // fc1.weight 6 (3 zero), fc1.bias 2 (1 zero), fc2.weight 4 (2 zero), fc2.bias 2 (1 zero: it is 0).
        #expect(m.prunableTotal == 10 && m.prunableZeros == 5)
        #expect(m.prunableSparsity == 0.5)
        #expect(m.parameterTotal == 14 && m.parameterZeros == 7)
        #expect(m.compressionRatio == 2)
        #expect(m.layers.map(\.unitsAlive) == [1, 2])
        #expect(m.layers.map(\.denseMACs) == [6, 4])
        #expect(m.layers.map(\.remainingMACs) == [3, 2])
        #expect(m.theoreticalSpeedup == 2)
        #expect(m.denseFLOPs == 20 && m.remainingFLOPs == 10)
        #expect(m.tensors.first { $0.name == "fc1.bias" }?.masked == 1)
    }

    @Test func convMACsScaleWithOutputSize() {
        let model = PruningFixtures.tinyCNN()
        let m = ModelMetrics.measure(model)
        // conv1: 3 filters x 9 weights x 4x4 outputs = 432 MACs; fc: 24.
        #expect(m.layers.map(\.denseMACs) == [432, 24])
        #expect(m.layers.map(\.units) == [3, 2])
    }
}
