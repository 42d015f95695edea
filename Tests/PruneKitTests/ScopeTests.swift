import Testing

@testable import PruneKit

@Suite struct ScopeTests {
    /// Two layers a = [[1,2],[3,4]], b = [[0.5,5,6],[0.1,7,8]]. The masks were
    /// checked with torch 2.15: prune.global_unstructured(L1Unstructured,
    /// amount=0.3) then amount=0.25.
    private func model() throws -> Model {
        let a = Parameter(name: "a.weight", role: .weight, value: Tensor(shape: [2, 2], data: [1, 2, 3, 4]))
        let b = Parameter(name: "b.weight", role: .weight, value: Tensor(shape: [2, 3], data: [0.5, 5, 6, 0.1, 7, 8]))
        return Model(
            name: "g", inputShape: [3],
            layers: [
                try Dense(name: "b", weight: b, bias: nil), ReLU(name: "r"), try Dense(name: "a", weight: a, bias: nil),
            ])
    }

    @Test func globalMatchesPyTorchGlobalUnstructured() throws {
        let m = try model()
        let session = PruningSession(model: m)
        let request = PruneRequest(tensors: ["a.weight", "b.weight"], scope: .global, amount: .fractionOfRemaining(0.3))
        try session.prune(request)
        #expect(m.parameter(named: "a.weight")?.mask?.data == [0, 1, 1, 1])
        #expect(m.parameter(named: "b.weight")?.mask?.data == [0, 1, 1, 0, 1, 1])
        // 7 remain; 0.25 x 7 = 1.75 rounds to 2: the 2 and the 3 go.
        var second = request
        second.amount = .fractionOfRemaining(0.25)
        try session.prune(second)
        #expect(m.parameter(named: "a.weight")?.mask?.data == [0, 0, 0, 1])
        #expect(m.parameter(named: "b.weight")?.mask?.data == [0, 1, 1, 0, 1, 1])
    }

    @Test func roundingIsHalfToEvenAsPython() throws {
        let m = try model()
        // 10 x 0.25 = 2.5 rounds to 2 (Python round), not 3.
        let plan = try Pruner.plan(
            PruneRequest(tensors: ["a.weight", "b.weight"], scope: .global, amount: .fractionOfRemaining(0.25)), model: m)
        #expect(plan.newlyPruned.values.reduce(0, +) == 2)
    }

    @Test func layerScopeRanksEachTensorAlone() throws {
        let m = try model()
        let plan = try Pruner.plan(PruneRequest(tensors: ["a.weight", "b.weight"], scope: .layer, amount: .sparsity(0.5)), model: m)
        #expect(plan.masks["a.weight"]?.data == [0, 0, 1, 1])
        #expect(plan.masks["b.weight"]?.data == [0, 0, 1, 0, 1, 1])
    }

    @Test func perTensorTargets() throws {
        let m = try model()
        let plan = try Pruner.plan(PruneRequest(amount: .perTensorSparsity(["a.weight": 0.25, "b.weight": 0.5])), model: m)
        #expect(plan.masks["a.weight"]?.data == [0, 1, 1, 1])
        #expect(plan.masks["b.weight"]?.data == [0, 0, 1, 0, 1, 1])
    }

    @Test func thresholdValueAndQuality() throws {
        let m = try model()
        let byValue = try Pruner.plan(PruneRequest(tensors: ["b.weight"], amount: .threshold(5.5)), model: m)
        #expect(byValue.masks["b.weight"]?.data == [0, 0, 1, 0, 1, 1])
        // b: mean 4.4333, population std 3.0641; quality 0.5 -> threshold 1.532: 0.5, 0.1 go.
        let std = Pruner.standardDeviation([0.5, 5, 6, 0.1, 7, 8])
        #expect(abs(std - 3.06413) < 1e-4)
        let byQuality = try Pruner.plan(PruneRequest(tensors: ["b.weight"], amount: .quality(0.5)), model: m)
        #expect(byQuality.masks["b.weight"]?.data == [0, 1, 1, 0, 1, 1])
        #expect(throws: PruningError.self) {
            try Pruner.plan(PruneRequest(tensors: ["b.weight"], criterion: .random(seed: 1), amount: .quality(0.5)), model: m)
        }
    }

    @Test func badParametersAreErrors() throws {
        let m = try model()
        func fails(_ r: PruneRequest) -> Bool {
            do { _ = try Pruner.plan(r, model: m); return false } catch let e as PruningError {
                return !e.description.isEmpty && !e.description.contains("\n")
            } catch { return false }
        }
        #expect(fails(PruneRequest(tensors: ["a.weight"], amount: .sparsity(1.0))))
        #expect(fails(PruneRequest(tensors: ["a.weight"], amount: .sparsity(-0.1))))
        #expect(fails(PruneRequest(tensors: ["a.weight"], amount: .fractionOfRemaining(.nan))))
        #expect(fails(PruneRequest(tensors: ["nope.weight"], amount: .sparsity(0.5))))
        #expect(fails(PruneRequest(tensors: ["a.weight"], amount: .count(5))))
        #expect(fails(PruneRequest(tensors: ["a.weight"], granularity: .neuron, scope: .global, amount: .sparsity(0.5))))
        #expect(fails(PruneRequest(tensors: ["a.weight"], amount: .threshold(-1))))
        let e = try? Pruner.plan(PruneRequest(tensors: ["nope.weight"], amount: .sparsity(0.5)), model: m)
        #expect(e == nil)
    }
}
