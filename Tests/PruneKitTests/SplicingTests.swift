import Testing

@testable import PruneKit

@Suite struct SplicingTests {
    /// Dense 2 -> 2 with weights [[1, 0], [0.5, 1]], the 0 pruned.
    private func model() throws -> Model {
        let w = Parameter(name: "fc.weight", role: .weight, value: Tensor(shape: [2, 2], data: [1, 0, 0.5, 1]))
        w.mask = Tensor(shape: [2, 2], data: [1, 0, 1, 1])
        let b = Parameter(name: "fc.bias", role: .bias, value: Tensor(shape: [2], data: [0, 0]))
        return Model(name: "one", inputShape: [2], layers: [try Dense(name: "fc", weight: w, bias: b)])
    }

    /// One sample x = (1, 1) of class 0: the loss pushes fc.weight[0][1] up.
    private let data = Dataset(name: "one", inputs: Tensor(shape: [1, 2], data: [1, 1]), labels: [0], classCount: 2)

    @Test func aPrunedWeightTheGradientPushesPastTheUpperThresholdComesBack() throws {
        // Kept magnitudes {1, 0.5, 1}: t = 0.5, band (0.45, 0.55). One SGD
        // step at lr 5: w01 = 0 + 5 (1 - p0) x 1, p0 = softmax(1, 1.5)[0] = 0.378,
        // so w01 = 3.11 > 0.55 and it returns.
        let net = try model()
        let session = PruningSession(model: net, train: data, validation: data, seed: 1)
        let step = try session.retrain(
            epochs: 1, batchSize: 1, optimizer: .sgd(learningRate: 5), splicing: SplicingSettings(interval: 1, margin: 0.1))
        let w = try #require(net.parameter(named: "fc.weight"))
        #expect(w.mask?.data[1] == 1)
        #expect(abs(w.value.data[1] - 5 * (1 - 0.37754067)) < 1e-4)
        #expect(step.parameters["spliced_returned"] == "1")
        #expect(step.summary.contains("splicing: 0 pruned, 1 returned"))
        // Without splicing the same step leaves it pruned at exactly 0.
        let fixed = try model()
        _ = try PruningSession(model: fixed, train: data, validation: data, seed: 1).retrain(
            epochs: 1, batchSize: 1, optimizer: .sgd(learningRate: 5))
        #expect(fixed.parameter(named: "fc.weight")?.value.data[1] == 0)
    }

    @Test func keptWeightsBelowTheLowerThresholdLeaveAndTheBandHolds() throws {
        let p = Parameter(name: "w", role: .weight, value: Tensor(shape: [4], data: [1, 0, 0.5, 1]))
        p.mask = Tensor(shape: [4], data: [1, 0, 1, 1])
        let splicer = Splicer(parameters: [p], settings: SplicingSettings(interval: 2, margin: 0.1))
        splicer.willStep()
        #expect(p.mask == nil)
        // An optimiser moved w0 into the band, w1 just inside it, w2 below a = 0.45.
        p.value.data = [0.5, 0.54, 0.4, 1]
        splicer.didStep(1)  // not an update step: masks unchanged, pruned value hidden
        #expect(p.mask?.data == [1, 0, 1, 1])
        #expect(p.value.data == [0.5, 0, 0.4, 1])
        splicer.willStep()
        #expect(p.value.data == [0.5, 0.54, 0.4, 1])  // the dense weight survived the masked step
        splicer.didStep(2)
        #expect(p.mask?.data == [1, 0, 0, 1])
        #expect(p.value.data == [0.5, 0, 0, 1])
        #expect(splicer.changes.map(\.pruned) == [1])
        #expect(splicer.changes.map(\.returned) == [0])
    }

    @Test func maskedWeightsAreExactlyZeroInEveryForwardPassAndRunsRepeat() throws {
        func run() throws -> (HistoryStep, [Float]) {
            let net = PruningFixtures.mlp([8, 16, 2], seed: 3)
            let train = PruningFixtures.blobs(count: 64, features: 8)
            let session = PruningSession(model: net, train: train, validation: PruningFixtures.blobs(count: 32, features: 8, seed: 9))
            _ = try session.prune(PruneRequest(tensors: ["fc1.weight", "fc2.weight"], amount: .sparsity(0.8)))
            var zerosHeld = true
            let step = try session.retrain(
                epochs: 3, batchSize: 8, optimizer: .sgd(learningRate: 0.2, momentum: 0.9),
                splicing: SplicingSettings(interval: 3, margin: 0.1),
                afterStep: { _ in
                    // Between updates the forward pass sees masked weights at 0.
                    for p in net.parameters {
                        guard let m = p.mask else { continue }
                        for i in 0..<m.count where m.data[i] == 0 && p.value.data[i] != 0 { zerosHeld = false }
                    }
                })
            #expect(zerosHeld)
            return (step, net.parameter(named: "fc1.weight")?.value.data ?? [])
        }
        let (a, wa) = try run()
        let (b, wb) = try run()
        #expect(a == b)
        #expect(wa == wb)
        #expect(Int(a.parameters["spliced_returned"] ?? "") ?? 0 > 0)
    }
}

@Suite struct SplicingShadowTests {
    @Test func prunedWeightsResumeFromTheValueTheyHadWhenPruned() throws {
        let net = PruningFixtures.mlp([4, 6, 2], seed: 8)
        let before = try #require(net.parameter(named: "fc1.weight")).value
        let session = PruningSession(model: net, seed: 1)
        _ = try session.prune(PruneRequest(tensors: ["fc1.weight"], amount: .sparsity(0.5)))
        let p = try #require(net.parameter(named: "fc1.weight"))
        let mask = try #require(p.mask)
        #expect(zip(p.value.data, mask.data).contains { $1 == 0 && $0 == 0 })
        let shadow = try #require(session.splicingShadow()["fc1.weight"])
        // Every weight, pruned or not, has its value from before the prune.
        #expect(shadow.data == before.data)
        // Pruning more: the newly pruned ones resume from the step before, the older ones from the start.
        _ = try session.prune(PruneRequest(tensors: ["fc1.weight"], amount: .sparsity(0.75)))
        #expect(session.splicingShadow()["fc1.weight"]?.data == before.data)
    }
}
