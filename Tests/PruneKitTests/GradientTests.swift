import Testing

@testable import PruneKit

/// Finite-difference checks: for L = sum(r * layer(x)) with a fixed random r,
/// the analytic dL/dx and dL/dparameter must match central differences.
@Suite struct GradientTests {
    /// Random tensor with entries in [-1, 1), kept at least `gap` away from 0.
    static func random(_ shape: [Int], seed: UInt64, gap: Float = 0) -> Tensor {
        var rng = SeededRandom(seed: seed)
        var t = Tensor.zeros(shape)
        for i in t.data.indices {
            var v = rng.uniform(-1, 1)
            if abs(v) < gap { v = v < 0 ? v - gap : v + gap }
            t.data[i] = v
        }
        return t
    }

    static func dot(_ a: Tensor, _ b: Tensor) -> Double {
        zip(a.data, b.data).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }

    /// Largest |analytic - numeric| relative to max(1, |numeric|) over all checked entries.
    static func check(
        _ layer: any Layer, input: Tensor, epsilon: Float = 1e-2,
        training: Bool = false, before: () -> Void = {}
    ) -> Float {
        before()
        let out = layer.forward(input, training: training)
        let r = random(out.shape, seed: 99)
        for p in layer.parameters { p.zeroGrad() }
        let gradInput = layer.backward(r)
        #expect(gradInput.shape == input.shape)
        var worst: Float = 0
        func loss(_ x: Tensor) -> Double {
            before()
            return dot(layer.forward(x, training: training), r)
        }
        func compare(_ analytic: Float, _ numeric: Double) {
            let err = abs(Double(analytic) - numeric) / max(1, abs(numeric))
            worst = max(worst, Float(err))
        }
        for i in input.data.indices {
            var plus = input, minus = input
            plus.data[i] += epsilon
            minus.data[i] -= epsilon
            compare(gradInput.data[i], (loss(plus) - loss(minus)) / Double(2 * epsilon))
        }
        for p in layer.parameters {
            let analytic = p.grad
            for i in p.value.data.indices {
                let saved = p.value.data[i]
                p.value.data[i] = saved + epsilon
                let lp = loss(input)
                p.value.data[i] = saved - epsilon
                let lm = loss(input)
                p.value.data[i] = saved
                compare(analytic.data[i], (lp - lm) / Double(2 * epsilon))
            }
        }
        return worst
    }

    @Test func dense() {
        var rng = SeededRandom(seed: 1)
        let layer = Dense(name: "fc", inFeatures: 5, outFeatures: 4, weightName: "fc.weight", biasName: "fc.bias", rng: &rng)
        #expect(Self.check(layer, input: Self.random([3, 5], seed: 2)) < 2e-3)
        let noBias = Dense(name: "fc", inFeatures: 3, outFeatures: 2, weightName: "w", biasName: nil, rng: &rng)
        #expect(noBias.parameters.count == 1)
        #expect(Self.check(noBias, input: Self.random([4, 3], seed: 3)) < 2e-3)
    }

    @Test(arguments: [
        (stride: 1, padding: 0), (stride: 1, padding: 1), (stride: 2, padding: 1), (stride: 2, padding: 0), (stride: 3, padding: 2),
    ])
    func conv2D(stride: Int, padding: Int) {
        var rng = SeededRandom(seed: 4)
        let layer = Conv2D(
            name: "conv", inChannels: 2, outChannels: 3, kernelSize: 3, stride: stride, padding: padding,
            weightName: "conv.weight", biasName: "conv.bias", rng: &rng)
        #expect(Self.check(layer, input: Self.random([2, 2, 5, 6], seed: 5)) < 2e-3)
    }

    /// Batches larger than the column budget run in chunks of samples; the
    /// results and gradients must not depend on the chunking.
    @Test func conv2DInChunks() {
        var rng = SeededRandom(seed: 16)
        let whole = Conv2D(
            name: "conv", inChannels: 2, outChannels: 3, kernelSize: 3, stride: 2, padding: 1,
            weightName: "w", biasName: "b", rng: &rng)
        guard let chunked = whole.copy() as? Conv2D else { Issue.record("copy is not a Conv2D"); return }
        chunked.columnBudget = 2 * 18 * 9  // two samples of 18 rows x 9 positions per chunk
        let x = Self.random([5, 2, 5, 5], seed: 17)
        let r = Self.random([5, 3, 3, 3], seed: 18)
        let yWhole = whole.forward(x, training: false), yChunked = chunked.forward(x, training: false)
        #expect(zip(yWhole.data, yChunked.data).allSatisfy { abs($0 - $1) < 1e-5 })
        let gWhole = whole.backward(r), gChunked = chunked.backward(r)
        #expect(zip(gWhole.data, gChunked.data).allSatisfy { abs($0 - $1) < 1e-5 })
        for (a, b) in zip(whole.parameters, chunked.parameters) {
            #expect(zip(a.grad.data, b.grad.data).allSatisfy { abs($0 - $1) < 1e-5 })
        }
        #expect(Self.check(chunked, input: x) < 2e-3)
    }

    @Test func maxPool() {
        // Distinct values spaced 0.1 apart so no window has a near-tie.
        var rng = SeededRandom(seed: 6)
        let perm = rng.permutation(2 * 2 * 5 * 5)
        let x = Tensor(shape: [2, 2, 5, 5], data: perm.map { Float($0) * 0.1 })
        let layer = MaxPool2D(name: "pool", kernelSize: 2, stride: 2)
        #expect(Self.check(layer, input: x, epsilon: 1e-2) < 2e-3)
        let overlapping = MaxPool2D(name: "pool", kernelSize: 3, stride: 1)
        #expect(Self.check(overlapping, input: x, epsilon: 1e-2) < 2e-3)
    }

    @Test func reluAndTanh() {
        let x = Self.random([3, 7], seed: 7, gap: 0.05)
        #expect(Self.check(ReLU(name: "relu"), input: x, epsilon: 1e-2) < 2e-3)
        #expect(Self.check(Tanh(name: "tanh"), input: x, epsilon: 1e-2) < 2e-3)
    }

    @Test func flatten() {
        let layer = Flatten(name: "flat")
        #expect(Self.check(layer, input: Self.random([2, 3, 2, 2], seed: 8)) < 1e-3)
        #expect(layer.forward(Self.random([2, 3, 2, 2], seed: 8), training: false).shape == [2, 12])
    }

    @Test func dropoutWithFixedSeed() {
        let layer = Dropout(name: "drop", probability: 0.4, seed: 11)
        let x = Self.random([4, 6], seed: 9)
        #expect(Self.check(layer, input: x, training: true, before: { layer.reseed(11) }) < 2e-3)
        // The pattern really drops something and scales survivors by 1/(1-p).
        layer.reseed(11)
        let y = layer.forward(x, training: true)
        let dropped = y.data.filter { $0 == 0 }.count
        #expect(dropped > 0 && dropped < x.count)
        for (a, b) in zip(x.data, y.data) where b != 0 { #expect(abs(b - a / 0.6) < 1e-6) }
        #expect(layer.forward(x, training: false) == x)
    }

    @Test func softmaxCrossEntropy() {
        let logits = Self.random([4, 5], seed: 12)
        let labels = [0, 3, 4, 3]
        let (loss, grad) = SoftmaxCrossEntropy.lossAndGradient(logits: logits, labels: labels)
        #expect(loss == SoftmaxCrossEntropy.loss(logits: logits, labels: labels))
        let eps: Float = 1e-2
        for i in logits.data.indices {
            var plus = logits, minus = logits
            plus.data[i] += eps
            minus.data[i] -= eps
            let numeric =
                (SoftmaxCrossEntropy.loss(logits: plus, labels: labels)
                    - SoftmaxCrossEntropy.loss(logits: minus, labels: labels)) / (2 * eps)
            #expect(abs(numeric - grad.data[i]) < 2e-3)
        }
        // Each gradient row sums to zero (softmax sums to one).
        for row in 0..<4 { #expect(abs(grad.data[row * 5..<row * 5 + 5].reduce(0, +)) < 1e-6) }
    }

    @Test func l1Penalty() {
        var rng = SeededRandom(seed: 13)
        let layer = Dense(name: "fc", inFeatures: 4, outFeatures: 3, weightName: "w", biasName: "b", rng: &rng)
        let weights = layer.parameters.filter { $0.role == .weight }
        let lambda: Float = 0.3
        layer.weight?.value.data[0] = 0  // sign(0) = 0, as torch.sign
        for p in layer.parameters { p.zeroGrad() }
        Trainer.addL1Gradient(weights, lambda: lambda)
        guard let w = layer.weight else { Issue.record("no weight"); return }
        #expect(w.grad.data[0] == 0)
        #expect(layer.bias?.grad.data.allSatisfy { $0 == 0 } == true)
        let eps: Float = 1e-3
        for i in 1..<w.value.count {
            let saved = w.value.data[i]
            w.value.data[i] = saved + eps
            let lp = Trainer.l1Penalty(weights, lambda: lambda)
            w.value.data[i] = saved - eps
            let lm = Trainer.l1Penalty(weights, lambda: lambda)
            w.value.data[i] = saved
            #expect(abs((lp - lm) / (2 * eps) - w.grad.data[i]) < 1e-2)
        }
        let expected = lambda * w.value.data.reduce(0) { $0 + abs($1) }
        #expect(abs(Trainer.l1Penalty(weights, lambda: lambda) - expected) < 1e-5)
    }

    /// A whole model's backward equals per-layer chaining, and the
    /// parameters-only pass gives the same parameter gradients.
    @Test func modelBackwardForParametersMatchesFullBackward() {
        var rng = SeededRandom(seed: 14)
        let model = Model(
            name: "cnn", inputShape: [1, 6, 6],
            layers: [
                Conv2D(
                    name: "c1", inChannels: 1, outChannels: 2, kernelSize: 3, padding: 1, weightName: "c1.w", biasName: "c1.b", rng: &rng),
                ReLU(name: "r1"),
                MaxPool2D(name: "p1", kernelSize: 2, stride: 2),
                Flatten(name: "f"),
                Dense(name: "fc", inFeatures: 18, outFeatures: 3, weightName: "fc.w", biasName: "fc.b", rng: &rng),
            ])
        let x = Self.random([3, 1, 6, 6], seed: 15)
        let labels = [0, 2, 1]
        model.zeroGrad()
        let (_, g) = SoftmaxCrossEntropy.lossAndGradient(logits: model.forward(x, training: true), labels: labels)
        model.backward(g)
        let full = model.parameters.map(\.grad)
        model.zeroGrad()
        let (_, g2) = SoftmaxCrossEntropy.lossAndGradient(logits: model.forward(x, training: true), labels: labels)
        model.backwardForParameters(g2)
        #expect(model.parameters.map(\.grad) == full)
        #expect(full.allSatisfy { $0.data.contains { $0 != 0 } })
    }
}
