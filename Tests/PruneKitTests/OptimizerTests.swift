import Foundation
import Testing

@testable import PruneKit

@Suite struct OptimizerTests {
    static func parameter(_ values: [Float]) -> Parameter {
        Parameter(name: "p.weight", role: .weight, value: Tensor(shape: [values.count], data: values))
    }

    static func close(_ a: [Float], _ b: [Float], _ tol: Float = 2e-6) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tol * max(1, abs($1)) }
    }

    /// Values printed by torch.optim.SGD([w], lr=0.1, momentum=0.9, weight_decay=0.01).
    @Test func sgdMatchesPyTorch() {
        let p = Self.parameter([1.0, -2.0, 0.5])
        let opt = makeOptimizer(.sgd(learningRate: 0.1, momentum: 0.9, weightDecay: 0.01))
        let grads: [[Float]] = [[0.5, 0.25, -1.0], [0.5, 0.25, 0.3], [-0.2, 0.1, 0.0]]
        let expected: [[Float]] = [
            [0.9490000009536743, -2.0230000019073486, 0.5995000004768372],
            [0.8521509766578674, -2.0666770935058594, 0.6584504842758179],
            [0.7841347455978394, -2.113919734954834, 0.7108474969863892],
        ]
        let buffers: [[Float]] = [
            [0.51, 0.23, -0.995], [0.96849, 0.43677, -0.5895049571990967],
            [0.6801624894142151, 0.47242623567581177, -0.5239699482917786],
        ]
        for i in 0..<3 {
            p.grad = Tensor(shape: [3], data: grads[i])
            opt.step([p])
            #expect(Self.close(p.value.data, expected[i]))
            #expect(Self.close(opt.state["p.weight.momentum"]?.data ?? [], buffers[i]))
        }
        #expect(opt.stepCount == 3)
    }

    @Test func plainSGDKeepsNoState() {
        let p = Self.parameter([1, 2])
        let opt = makeOptimizer(.sgd(learningRate: 0.5))
        p.grad = Tensor(shape: [2], data: [0.2, -0.4])
        opt.step([p])
        #expect(p.value.data == [0.9, 2.2])
        #expect(opt.state.isEmpty)
    }

    /// Values printed by torch.optim.Adam([w], lr=0.1, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01).
    @Test func adamMatchesPyTorch() {
        let p = Self.parameter([1.0, -2.0, 0.5])
        let opt = makeOptimizer(.adam(learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01))
        let grads: [[Float]] = [[0.5, 0.25, -1.0], [-0.25, 0.25, 0.3], [-0.2, 0.1, 0.0]]
        let expected: [[Float]] = [
            [0.9000000357627869, -2.0999999046325684, 0.6000000238418579],
            [0.8712294101715088, -2.19998836517334, 0.6421588659286499],
            [0.8707021474838257, -2.290074586868286, 0.6743527054786682],
        ]
        for i in 0..<3 {
            p.grad = Tensor(shape: [3], data: grads[i])
            opt.step([p])
            #expect(Self.close(p.value.data, expected[i], 1e-5))
        }
        #expect(opt.state.keys.sorted() == ["p.weight.exp_avg", "p.weight.exp_avg_sq"])
    }

    /// Restoring `state` and `stepCount` into a fresh optimiser continues exactly.
    @Test(arguments: [OptimizerConfig.sgd(learningRate: 0.1, momentum: 0.9), .adam(learningRate: 0.01)])
    func stateRoundTrips(config: OptimizerConfig) {
        let a = Self.parameter([0.3, -0.7, 1.1]), b = Self.parameter([0.3, -0.7, 1.1])
        let opt = makeOptimizer(config)
        for g: [Float] in [[0.1, 0.2, 0.3], [-0.3, 0.1, 0.2]] {
            a.grad = Tensor(shape: [3], data: g)
            opt.step([a])
            b.grad = a.grad
        }
        b.value = a.value
        let restored = makeOptimizer(config)
        restored.state = opt.state
        restored.stepCount = opt.stepCount
        a.grad = Tensor(shape: [3], data: [0.5, 0.5, -0.5])
        b.grad = a.grad
        opt.step([a])
        restored.step([b])
        #expect(a.value == b.value)
    }

    @Test func configIsCodable() throws {
        for config in [OptimizerConfig.sgd(learningRate: 0.05, momentum: 0.9), .adam(learningRate: 1e-3, weightDecay: 1e-4)] {
            let data = try JSONEncoder().encode(config)
            #expect(try JSONDecoder().decode(OptimizerConfig.self, from: data) == config)
        }
        #expect(OptimizerConfig.sgd(learningRate: 0.05, momentum: 0.9) == .sgd(learningRate: 0.05, momentum: 0.9, weightDecay: 0))
    }

    /// Momentum built up before pruning cannot move a pruned weight, and
    /// masked gradients never reach the state.
    @Test(arguments: [
        OptimizerConfig.sgd(learningRate: 0.1, momentum: 0.9, weightDecay: 1e-3),
        .adam(learningRate: 0.05, weightDecay: 1e-3),
    ])
    func maskedWeightsStayZero(config: OptimizerConfig) {
        let p = Self.parameter([0.5, -0.4, 0.3, 0.2, -0.1, 0.9])
        let opt = makeOptimizer(config)
        var rng = SeededRandom(seed: 21)
        func randomGrad() -> Tensor { Tensor(shape: [6], data: (0..<6).map { _ in rng.uniform(-1, 1) }) }
        for _ in 0..<3 {
            p.grad = randomGrad()
            opt.step([p])
        }
        p.mask = Tensor(shape: [6], data: [1, 0, 1, 0, 0, 1])
        p.applyMask()
        for _ in 0..<6 {
            p.grad = randomGrad()
            opt.step([p])
            for i in [1, 3, 4] {
                #expect(p.value.data[i] == 0)
                for (_, buffer) in opt.state { #expect(buffer.data[i] == 0) }
            }
        }
        #expect(p.value.data[0] != 0.5 && p.value.data[5] != 0.9)
    }

    /// Summaries read as a person would write the rates: a rate computed in
    /// Float (the explorer's recipe rate / 10) is not 0.0009999999.
    @Test func summariesRoundToSixDigits() {
        let tenth = Float(0.01) / 10
        #expect(OptimizerConfig.adam(learningRate: tenth).summary == "Adam lr 0.001 betas (0.9, 0.999) eps 1e-08")
        #expect(OptimizerConfig.sgd(learningRate: 0.005, momentum: 0.9).summary == "SGD lr 0.005 momentum 0.9")
    }
}
