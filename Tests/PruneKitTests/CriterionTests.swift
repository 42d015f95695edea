import Foundation
import Testing

@testable import PruneKit

@Suite struct CriterionTests {
    @Test func magnitudePrunesSmallestAbsoluteValues() throws {
        let model = try PruningFixtures.tinyMLP()
        let plan = try Pruner.plan(PruneRequest(tensors: ["fc2.weight"], amount: .count(1)), model: model)
        // |w| = 1, 2, 3, 0.5: the 0.5 goes.
        #expect(plan.masks["fc2.weight"]?.data == [1, 1, 1, 0])
    }

    @Test func randomIsSeededAndExact() throws {
        let model = PruningFixtures.mlp([20, 10, 2])
        let r = PruneRequest(tensors: ["fc1.weight"], criterion: .random(seed: 5), amount: .sparsity(0.3))
        let a = try Pruner.plan(r, model: model).masks["fc1.weight"]
        let b = try Pruner.plan(r, model: model).masks["fc1.weight"]
        var r2 = r
        r2.criterion = .random(seed: 6)
        let c = try Pruner.plan(r2, model: model).masks["fc1.weight"]
        #expect(a == b)
        #expect(a != c)
        #expect(Mask.prunedCount(a) == 60)
        // Random ignores magnitude: it does not prune the same entries as magnitude.
        let mag = try Pruner.plan(PruneRequest(tensors: ["fc1.weight"], amount: .sparsity(0.3)), model: model).masks["fc1.weight"]
        #expect(mag != a)
    }

    /// One linear layer, one sample: dL/dW = (softmax(Wx + b) - onehot) x^T.
    @Test func taylorAndSnipMatchHandComputedGradients() throws {
        let w = Parameter(name: "fc.weight", role: .weight, value: Tensor(shape: [2, 2], data: [1, -1, 0.5, 2]))
        let b = Parameter(name: "fc.bias", role: .bias, value: Tensor(shape: [2], data: [0, 0]))
        let model = Model(name: "lin", inputShape: [2], layers: [try Dense(name: "fc", weight: w, bias: b)])
        let data = Dataset(name: "one", inputs: Tensor(shape: [1, 2], data: [1, 2]), labels: [0], classCount: 2)
        // logits: [1*1 + -1*2, 0.5*1 + 2*2] = [-1, 4.5]; p = softmax.
        let e0 = Float(exp(-1.0)), e1 = Float(exp(4.5))
        let p0 = e0 / (e0 + e1), p1 = e1 / (e0 + e1)
        let g: [Float] = [(p0 - 1) * 1, (p0 - 1) * 2, p1 * 1, p1 * 2]
        let expected = zip(w.value.data, g).map { abs($0 * $1) }
        let sal = try GradientSaliency.accumulate(model: model, parameters: [w], data: data, batches: 3, batchSize: 1, seed: 1)
        let got = try #require(sal["fc.weight"])
        for (x, y) in zip(got, expected) { #expect(abs(x - 3 * y) < 1e-5) }

        let taylor = try Criterion.taylor(batches: 3, batchSize: 1).scores(for: [w], gradientSaliency: sal)[0]
        #expect(taylor == got)
        let snip = try Criterion.snip(batchSize: 1).scores(for: [w], gradientSaliency: sal)[0]
        #expect(abs(snip.reduce(0, +) - 1) < 1e-6)
        let total = expected.reduce(0, +)
        for (x, y) in zip(snip, expected) { #expect(abs(x - y / total) < 1e-5) }
        // Gradient criteria through the session need training data.
        let session = PruningSession(model: model)
        #expect(throws: PruningError.self) {
            try session.preview(PruneRequest(tensors: ["fc.weight"], criterion: .snip(batchSize: 1), amount: .count(1)))
        }
    }

    @Test func l1AndL2NormsRankNeuronsDifferently() throws {
        // Row 0: [1, 1, 1] (L1 3, L2 1.73); row 1: [0, 0, 2.5] (L1 2.5, L2 2.5); row 2 large.
        let w1 = Parameter(name: "a.weight", role: .weight, value: Tensor(shape: [3, 3], data: [1, 1, 1, 0, 0, 2.5, 5, 5, 5]))
        let w2 = Parameter(name: "b.weight", role: .weight, value: Tensor(shape: [1, 3], data: [1, 2, 3]))
        let model = Model(
            name: "n", inputShape: [3],
            layers: [
                try Dense(name: "a", weight: w1, bias: nil), ReLU(name: "r"), try Dense(name: "b", weight: w2, bias: nil),
            ])
        let l1 = try Pruner.plan(
            PruneRequest(tensors: ["a.weight"], criterion: .l1Norm, granularity: .neuron, amount: .count(1)), model: model)
        let l2 = try Pruner.plan(
            PruneRequest(tensors: ["a.weight"], criterion: .l2Norm, granularity: .neuron, amount: .count(1)), model: model)
        #expect(l1.masks["a.weight"]?.data == [1, 1, 1, 0, 0, 0, 1, 1, 1])
        #expect(l1.masks["b.weight"]?.data == [1, 0, 1])
        #expect(l2.masks["a.weight"]?.data == [0, 0, 0, 1, 1, 1, 1, 1, 1])
        #expect(l2.masks["b.weight"]?.data == [0, 1, 1])
        #expect(throws: PruningError.self) {
            try Pruner.plan(PruneRequest(tensors: ["a.weight"], criterion: .l1Norm, amount: .count(1)), model: model)
        }
    }

    @Test func parsesCriterionNames() throws {
        #expect(try Criterion.parse("l2-norm", seed: 0, batches: 1, batchSize: 1) == .l2Norm)
        #expect(try Criterion.parse("random", seed: 9, batches: 1, batchSize: 1) == .random(seed: 9))
        #expect(throws: PruningError.self) { try Criterion.parse("bogus", seed: 0, batches: 1, batchSize: 1) }
    }
}
