import Testing

@testable import PruneKit

/// Tiny models and data built in code for the pruning tests.
enum PruningFixtures {
    /// Dense 3->2 (fc1), ReLU, Dense 2->2 (fc2), with hand-picked weights.
    static func tinyMLP() throws -> Model {
        let w1 = Parameter(
            name: "fc1.weight", role: .weight,
            value: Tensor(shape: [2, 3], data: [0.1, -0.5, 0.3, 0.05, -0.2, 0.4]))
        let b1 = Parameter(name: "fc1.bias", role: .bias, value: Tensor(shape: [2], data: [0.01, -0.02]))
        let w2 = Parameter(name: "fc2.weight", role: .weight, value: Tensor(shape: [2, 2], data: [1, -2, 3, 0.5]))
        let b2 = Parameter(name: "fc2.bias", role: .bias, value: Tensor(shape: [2], data: [0, 0.1]))
        return Model(
            name: "tiny", inputShape: [3],
            layers: [
                try Dense(name: "fc1", weight: w1, bias: b1), ReLU(name: "relu1"),
                try Dense(name: "fc2", weight: w2, bias: b2),
            ])
    }

    /// A seeded MLP in -> hidden -> hidden2 -> classes.
    static func mlp(_ sizes: [Int], seed: UInt64 = 1) -> Model {
        var rng = SeededRandom(seed: seed)
        var layers = [any Layer]()
        for i in 0..<(sizes.count - 1) {
            layers.append(
                Dense(
                    name: "fc\(i + 1)", inFeatures: sizes[i], outFeatures: sizes[i + 1],
                    weightName: "fc\(i + 1).weight", biasName: "fc\(i + 1).bias", rng: &rng))
            if i < sizes.count - 2 { layers.append(ReLU(name: "relu\(i + 1)")) }
        }
        return Model(name: "mlp", inputShape: [sizes[0]], layers: layers)
    }

    /// Two Gaussian blobs per class in `features` dimensions (learnable).
    static func blobs(count: Int, features: Int, classes: Int = 2, seed: UInt64 = 7) -> Dataset {
        var rng = SeededRandom(seed: seed)
        var x = [Float]()
        var y = [Int]()
        for i in 0..<count {
            let c = i % classes
            for f in 0..<features { x.append(rng.normal() * 0.5 + (f % classes == c ? 1.5 : -0.5)) }
            y.append(c)
        }
        return Dataset(name: "blobs", inputs: Tensor(shape: [count, features], data: x), labels: y, classCount: classes)
    }

    /// Conv(1->3, k3) -> ReLU -> MaxPool2 -> Flatten -> Dense(3*2*2 -> 2) on 6x6 inputs.
    static func tinyCNN(seed: UInt64 = 3) -> Model {
        var rng = SeededRandom(seed: seed)
        return Model(
            name: "cnn", inputShape: [1, 6, 6],
            layers: [
                Conv2D(
                    name: "conv1", inChannels: 1, outChannels: 3, kernelSize: 3, weightName: "conv1.weight",
                    biasName: "conv1.bias", rng: &rng),
                ReLU(name: "relu1"), MaxPool2D(name: "pool1", kernelSize: 2, stride: 2), Flatten(name: "flatten"),
                Dense(name: "fc", inFeatures: 12, outFeatures: 2, weightName: "fc.weight", biasName: "fc.bias", rng: &rng),
            ])
    }

    static func masks(_ model: Model) -> [String: [Float]] {
        var out = [String: [Float]]()
        for p in model.parameters { if let m = p.mask { out[p.name] = m.data } }
        return out
    }
}

@Suite struct PruningTests {
    @Test func scoreIndexThresholdAndSparsityAgree() {
        let scores: [Float] = [0.4, 0.1, 0.3, 0.2, 0.5, 0.0]
        let index = ScoreIndex(scores: scores, shape: [6], mask: nil)
        #expect(index.sortedScores == [0.0, 0.1, 0.2, 0.3, 0.4, 0.5])
        #expect(index.order == [5, 1, 3, 2, 0, 4])
        #expect(index.sparsity(atThreshold: 0.25) == 0.5)
        #expect(index.sparsity(atThreshold: 0) == 0)
        #expect(index.sparsity(atThreshold: 1) == 1)
        let t = index.threshold(forSparsity: 0.5)
        #expect(t > 0.2 && t <= 0.3)
        #expect(index.mask(forSparsity: 0.5).data == [1, 0, 1, 0, 1, 0])
        #expect(index.mask(atThreshold: t).data == index.mask(forSparsity: 0.5).data)
    }

    @Test func scoreIndexSkipsAlreadyPrunedEntries() {
        let mask = Tensor(shape: [4], data: [1, 0, 1, 1])
        let index = ScoreIndex(scores: [0.3, 0, 0.1, 0.2], shape: [4], mask: mask)
        #expect(index.alreadyPruned == 1)
        #expect(index.sortedScores == [0.1, 0.2, 0.3])
        #expect(index.sparsity(atThreshold: 0.15) == 0.5)
        // Target 50 % of the whole tensor: one more entry.
        #expect(index.mask(forSparsity: 0.5).data == [1, 0, 0, 1])
        // A target below what is already pruned prunes nothing more.
        #expect(index.mask(forSparsity: 0.1).data == mask.data)
    }

    @Test func pruningHalfOfRemainingThreeTimesLeavesOneEighth() throws {
        let model = PruningFixtures.mlp([4, 2, 2])
        let session = PruningSession(model: model)
        for _ in 0..<3 {
            try session.prune(PruneRequest(tensors: ["fc1.weight"], amount: .fractionOfRemaining(0.5)))
        }
        let m = try #require(model.parameter(named: "fc1.weight")?.mask)
        #expect(Mask.prunedCount(m) == 7)
        #expect(session.current.metrics.tensors.first { $0.name == "fc1.weight" }?.sparsity == 0.875)
    }

    @Test func masksZeroValuesAndSparsityIsExact() throws {
        let model = try PruningFixtures.tinyMLP()
        let session = PruningSession(model: model)
        try session.prune(PruneRequest(tensors: ["fc1.weight"], amount: .sparsity(0.5)))
        let w = try #require(model.parameter(named: "fc1.weight"))
        #expect(w.mask?.data == [0, 1, 1, 0, 0, 1])
        #expect(w.value.data == [0, -0.5, 0.3, 0, 0, 0.4])
    }
}
