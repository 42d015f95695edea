import Testing

@testable import PruneKit

@Suite struct AdaptiveScheduleTests {
    private func session(seed: UInt64 = 11) -> PruningSession {
        let model = PruningFixtures.mlp([8, 16, 2], seed: seed)
        let train = PruningFixtures.blobs(count: 64, features: 8)
        let s = PruningSession(model: model, train: train, validation: PruningFixtures.blobs(count: 32, features: 8, seed: 9), seed: seed)
        // Train the dense model first so the start accuracy means something.
        _ = try? s.retrain(epochs: 5, batchSize: 16, optimizer: .sgd(learningRate: 0.1, momentum: 0.9))
        return s
    }

    private func settings(lr: Float = 0.05) -> RetrainSettings {
        RetrainSettings(epochs: 1, batchSize: 16, optimizer: .sgd(learningRate: lr, momentum: 0.9))
    }

    private func pruned(_ s: PruningSession) -> Int {
        s.model.parameter(named: "fc1.weight")?.mask.map(Mask.prunedCount) ?? 0
    }

    @Test func stepsDoubleWhileAccuracyHoldsAndStopAtTheTarget() throws {
        let s = session()
        let start = s.cursor
        var levels = [Int]()
        // A budget of 99 points always holds, without retraining: 50 %, then
        // 87.5 % (step doubled in log of the remaining weights), then the 95 % target.
        let steps = try s.run(
            .adaptive(maxDrop: 0.99, initialStep: 0.5, maxAttempts: 10),
            request: PruneRequest(tensors: ["fc1.weight"], amount: .sparsity(0.95)), retrain: settings(),
            onEvent: { e in
                if case .recorded(let step) = e, step.kind == .prune { levels.append(self.pruned(s)) }
            })
        #expect(steps.map(\.kind) == [.prune, .prune, .prune])
        #expect(levels == [64, 112, 122])  // round(0.5, 0.875, 0.95 x 128)
        #expect(steps[0].summary.contains("first step"))
        #expect(steps[1].summary.contains("without retraining, step doubled"))
        #expect(s.cursor == start + 3)
    }

    @Test func aStepOverTheBudgetBacksOffToTheLastGoodStateAndHalves() throws {
        let s = session()
        let startAccuracy = try #require(s.current.metrics.accuracy)
        let before = SessionSnapshot(model: s.model, optimizerState: [:], optimizerStepCount: 0)
        // The first step prunes 99 % of fc1 and a retrain at a tiny learning
        // rate cannot recover it: the attempt must fail a zero budget.
        let steps = try s.run(
            .adaptive(maxDrop: 0, initialStep: 0.99, maxAttempts: 3),
            request: PruneRequest(tensors: ["fc1.weight"], amount: .sparsity(0.99)), retrain: settings(lr: 1e-7))
        let firstTry = try #require(steps[1].metrics.accuracy)
        try #require(firstTry < startAccuracy, "the constructed step must cost accuracy")
        #expect(steps.map(\.kind).prefix(3) == [.prune, .retrain, .backoff])
        let backoff = steps[2]
        #expect(backoff.summary.contains("below start: back to 0.0% sparsity, step halved"))
        #expect(backoff.parameters["back_to_step"] == String(steps[0].id - 1))
        // The back-off restored the weights and masks of the last good step exactly.
        let after = s.snapshots[backoff.id]
        #expect(after.values == before.values)
        #expect(after.masks == before.masks)
        #expect(backoff.metrics.accuracy == startAccuracy)
        // Half the failed step (in log of remaining weights): 1 - sqrt(0.01) = 90 %.
        #expect(steps[3].kind == .prune)
        #expect(steps[3].summary.contains("after a back-off"))
        let mask = try #require(s.snapshots[steps[3].id].masks["fc1.weight"])
        #expect(Mask.prunedCount(mask) == 115)  // round(0.9 x 128)
    }

    @Test func theSameSeedGivesTheSameRun() throws {
        func run() throws -> [HistoryStep] {
            try session().run(
                .adaptive(maxDrop: 0.02, initialStep: 0.5, maxAttempts: 4),
                request: PruneRequest(tensors: ["fc1.weight"], amount: .sparsity(0.97)), retrain: settings())
        }
        #expect(try run() == run())
    }

    @Test func adaptiveNeedsValidationDataAndALevel() throws {
        let model = PruningFixtures.mlp([8, 16, 2])
        let s = PruningSession(model: model, train: PruningFixtures.blobs(count: 16, features: 8))
        #expect(throws: PruningError.self) {
            try s.run(
                .adaptive(maxDrop: 0.01, initialStep: 0.5, maxAttempts: 2),
                request: PruneRequest(tensors: ["fc1.weight"], amount: .sparsity(0.9)), retrain: settings())
        }
        let v = session()
        #expect(throws: PruningError.self) {
            try v.run(
                .adaptive(maxDrop: 0.01, initialStep: 0.5, maxAttempts: 2),
                request: PruneRequest(tensors: ["fc1.weight"], amount: .threshold(0.1)), retrain: settings())
        }
    }
}
