import Testing

@testable import PruneKit

@Suite struct GranularityTests {
    @Test func twoOfFourKeepsTheTwoLargestOfEveryFour() throws {
        let w = Parameter(
            name: "fc.weight", role: .weight,
            value: Tensor(
                shape: [2, 6],
                data: [
                    1, -3, 2, 0.5, 4, 0.1,
                    0.2, -5, 0.3, 0.4, 0.01, 0.02,
                ]))
        let model = Model(name: "m", inputShape: [6], layers: [try Dense(name: "fc", weight: w, bias: nil)])
        let plan = try Pruner.plan(PruneRequest(tensors: ["fc.weight"], granularity: .nOfM(n: 2, m: 4), amount: .implied), model: model)
        // Groups along the input dimension: [1,-3,2,0.5] keeps -3,2; trailing [4,0.1] keeps both;
        // [0.2,-5,0.3,0.4] keeps -5,0.4; [0.01,0.02] keeps both.
        #expect(plan.masks["fc.weight"]?.data == [0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1])
        #expect(plan.newlyPruned["fc.weight"] == 4)
    }

    @Test func nGreaterThanMIsAnError() {
        #expect(throws: PruningError.self) { try Granularity.parse("5:4") }
        #expect(throws: PruningError.self) { try Granularity.parse("block:0x2") }
        #expect((try? Granularity.parse("2:4")) == .nOfM(n: 2, m: 4))
        #expect((try? Granularity.parse("block:2x3")) == .block(rows: 2, cols: 3))
        #expect(throws: PruningError.self) { try Granularity.parse("diagonal") }
    }

    @Test func nOfMTakesNoAmount() throws {
        let model = try PruningFixtures.tinyMLP()
        #expect(throws: PruningError.self) {
            try Pruner.plan(PruneRequest(tensors: ["fc1.weight"], granularity: .nOfM(n: 2, m: 4), amount: .sparsity(0.5)), model: model)
        }
    }

    @Test func blocksArePrunedWhole() throws {
        // 4x4 with 2x2 blocks; block sums of |w|: TL 4, TR 40, BL 0.4, BR 400.
        let data: [Float] = [
            1, 1, 10, 10,
            1, 1, 10, 10,
            0.1, 0.1, 100, 100,
            0.1, 0.1, 100, 100,
        ]
        let w = Parameter(name: "fc.weight", role: .weight, value: Tensor(shape: [4, 4], data: data))
        let model = Model(name: "m", inputShape: [4], layers: [try Dense(name: "fc", weight: w, bias: nil)])
        let plan = try Pruner.plan(
            PruneRequest(tensors: ["fc.weight"], granularity: .block(rows: 2, cols: 2), amount: .sparsity(0.5)), model: model)
        #expect(plan.masks["fc.weight"]?.data == [0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1])
    }

    @Test func neuronPruningMasksRowBiasAndNextColumns() throws {
        let model = try PruningFixtures.tinyMLP()
        // fc1 rows: L1 0.9 and 0.65: row 1 goes, with fc1.bias[1] and column 1 of fc2.
        let plan = try Pruner.plan(PruneRequest(tensors: ["fc1.weight"], granularity: .neuron, amount: .count(1)), model: model)
        #expect(plan.masks["fc1.weight"]?.data == [1, 1, 1, 0, 0, 0])
        #expect(plan.masks["fc1.bias"]?.data == [1, 0])
        #expect(plan.masks["fc2.weight"]?.data == [1, 0, 1, 0])
        #expect(plan.masks["fc2.bias"] == nil)
    }

    @Test func filterPruningMasksChannelBlockAfterFlatten() throws {
        let model = PruningFixtures.tinyCNN()
        let session = PruningSession(model: model)
        let filters = (0..<3).map { f in
            (0..<9).reduce(Float(0)) { $0 + abs(model.parameter(named: "conv1.weight")!.value.data[f * 9 + $1]) }
        }
        let weakest = filters.indices.min { filters[$0] < filters[$1] }!
        try session.prune(PruneRequest(tensors: ["conv1.weight"], granularity: .filter, amount: .count(1)))
        let convMask = try #require(model.parameter(named: "conv1.weight")?.mask)
        let fcMask = try #require(model.parameter(named: "fc.weight")?.mask)
        for f in 0..<3 {
            #expect(convMask.data[f * 9..<(f + 1) * 9].allSatisfy { $0 == (f == weakest ? 0 : 1) })
        }
        // Each fc row has 12 inputs = 3 channels x 2 x 2: channel `weakest` occupies 4 columns.
        for row in 0..<2 {
            for col in 0..<12 { #expect(fcMask.data[row * 12 + col] == (col / 4 == weakest ? 0 : 1)) }
        }
        #expect(model.parameter(named: "conv1.bias")?.value.data[weakest] == 0)
    }

    @Test func structuredPruneRefusesToEmptyALayerOrTouchTheOutputLayer() throws {
        let model = try PruningFixtures.tinyMLP()
        #expect(throws: PruningError.self) {
            try Pruner.plan(PruneRequest(tensors: ["fc1.weight"], granularity: .neuron, amount: .count(2)), model: model)
        }
        #expect(throws: PruningError.self) {
            try Pruner.plan(PruneRequest(tensors: ["fc1.weight"], granularity: .neuron, amount: .sparsity(0.9)), model: model)
        }
        #expect(throws: PruningError.self) {
            try Pruner.plan(PruneRequest(tensors: ["fc2.weight"], granularity: .neuron, amount: .count(1)), model: model)
        }
        #expect(throws: PruningError.self) {
            try Pruner.plan(PruneRequest(tensors: ["fc1.bias"], granularity: .neuron, amount: .count(1)), model: model)
        }
        // Default tensors for structured pruning leave out the output layer.
        #expect(Topology(model: model).defaultTensors(structured: true) == ["fc1.weight"])
        #expect(Topology(model: model).defaultTensors(structured: false) == ["fc1.weight", "fc2.weight"])
    }
}
