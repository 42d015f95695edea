import Testing

@testable import PruneKit

/// What a retrain step records: the epochs that ran, not the ones asked for.
@Suite struct RetrainRecordTests {
    private func session() -> PruningSession {
        // 64 samples at batch 16: 4 steps per epoch.
        PruningSession(
            model: PruningFixtures.mlp([8, 16, 2], seed: 3), train: PruningFixtures.blobs(count: 64, features: 8),
            validation: PruningFixtures.blobs(count: 32, features: 8, seed: 9))
    }

    @Test func aCompletedRetrainSaysItsEpochsInGoodEnglish() throws {
        let s = session()
        let one = try s.retrain(epochs: 1, batchSize: 16, optimizer: .sgd(learningRate: 0.05))
        #expect(one.summary.hasPrefix("retrain 1 epoch, "), "\(one.summary)")
        #expect(one.parameters["steps"] == "4" && one.parameters["cancelled"] == nil && one.parameters["epochs_completed"] == nil)
        let two = try s.retrain(epochs: 2, batchSize: 16, optimizer: .sgd(learningRate: 0.05))
        #expect(two.summary.hasPrefix("retrain 2 epochs, "), "\(two.summary)")
        #expect(two.epochs.count == 2)
    }

    @Test func aCancelledRetrainRecordsHowFarItGot() throws {
        let s = session()
        var steps = 0
        // Cancelled before the 4th step of 8 (2 epochs of 4): 3 steps = 0.75 epochs.
        let step = try s.retrain(
            epochs: 2, batchSize: 16, optimizer: .sgd(learningRate: 0.05),
            onEvent: { if case .step = $0 { steps += 1 } }, isCancelled: { steps >= 3 })
        #expect(step.summary.hasPrefix("retrain 0.75 of 2 epochs, "), "\(step.summary)")
        #expect(step.summary.hasSuffix(" (cancelled)"))
        #expect(step.parameters["cancelled"] == "true")
        #expect(step.parameters["steps"] == "3")
        #expect(step.parameters["epochs"] == "2")
        #expect(step.parameters["epochs_completed"] == "0.75")
        #expect(step.epochs.isEmpty)
    }

    @Test func aCancelledRegularisationToo() throws {
        let s = session()
        var steps = 0
        let step = try s.retrain(
            epochs: 1, batchSize: 16, optimizer: .sgd(learningRate: 0.05), l1Lambda: 0.001,
            onEvent: { if case .step = $0 { steps += 1 } }, isCancelled: { steps >= 2 })
        #expect(step.kind == .regularise)
        #expect(step.summary.contains("0.5 of 1 epoch, ") && step.summary.hasSuffix(" (cancelled)"), "\(step.summary)")
    }

    @Test func aCancelledScheduleRetrainIsMarkedToo() throws {
        let s = session()
        var steps = 0
        let recorded = try s.run(
            .iterative(rounds: 2), request: PruneRequest(tensors: ["fc1.weight"], amount: .sparsity(0.5)),
            retrain: RetrainSettings(epochs: 1, batchSize: 16, optimizer: .sgd(learningRate: 0.05)),
            onEvent: { if case .training(.step, _) = $0 { steps += 1 } },
            isCancelled: { steps >= 1 })
        let retrain = try #require(recorded.first { $0.kind == .retrain })
        #expect(retrain.summary.hasPrefix("retrain 0.25 of 1 epoch, ") && retrain.summary.hasSuffix("(cancelled)"), "\(retrain.summary)")
        #expect(retrain.parameters["epochs_completed"] == "0.25")
    }
}
