import Testing

@testable import PruneKit

/// The schedule defaults the command line and the explorer share: they must
/// always fit the training run they are used for.
@Suite struct ScheduleDefaultsTests {
    @Test func gradualDefaultsFitEveryRunLength() {
        for perEpoch in [2, 3, 5, 10, 63, 79, 1_000] {
            for epochs in [1, 2, 3, 10] {
                let (frequency, updates) = ScheduleDefaults.gradual(stepsPerEpoch: perEpoch, epochs: epochs)
                let total = perEpoch * epochs
                let last = ScheduleDefaults.gradualStartStep + updates * frequency
                #expect(frequency >= 1 && updates >= 1)
                #expect(updates <= ScheduleDefaults.gradualUpdates)
                #expect(last <= total, "\(perEpoch) x \(epochs): last update \(last) of \(total)")
                #expect(ScheduleDefaults.gradualEpochs(frequency: frequency, updates: updates, stepsPerEpoch: perEpoch) <= epochs)
            }
        }
        // lenet-300-100: 4,000 samples / 64 = 63 steps; one epoch.
        #expect(ScheduleDefaults.gradual(stepsPerEpoch: 63, epochs: 1) == (frequency: 9, updates: 5))
        #expect(ScheduleDefaults.stepsPerEpoch(samples: 4_000, batchSize: 64) == 63)
        #expect(ScheduleDefaults.stepsPerEpoch(samples: 0, batchSize: 64) == 0)
    }

    @Test func epochsAGradualScheduleNeeds() {
        // The old command-line defaults: t0 1, dt 50, n 10 -> last update at step 501.
        #expect(ScheduleDefaults.gradualEpochs(frequency: 50, updates: 10, stepsPerEpoch: 63) == 8)
        #expect(ScheduleDefaults.gradualEpochs(frequency: 1, updates: 1, stepsPerEpoch: 2) == 1)
        #expect(ScheduleDefaults.gradualEpochs(frequency: 2, updates: 1, stepsPerEpoch: 2, startStep: 1) == 2)
    }

    @Test func gradualWithTheDefaultsRunsAndReachesTheTarget() throws {
        let model = PruningFixtures.mlp([8, 16, 2], seed: 11)
        let train = PruningFixtures.blobs(count: 64, features: 8)
        let session = PruningSession(model: model, train: train, validation: PruningFixtures.blobs(count: 32, features: 8, seed: 9))
        let settings = RetrainSettings(epochs: ScheduleDefaults.retrainEpochs, batchSize: 8, optimizer: .sgd(learningRate: 0.05))
        let perEpoch = ScheduleDefaults.stepsPerEpoch(samples: train.count, batchSize: settings.batchSize)
        let (frequency, updates) = ScheduleDefaults.gradual(stepsPerEpoch: perEpoch, epochs: settings.epochs)
        let steps = try session.run(
            .gradual(
                initialSparsity: ScheduleDefaults.gradualInitialSparsity,
                startStep: ScheduleDefaults.gradualStartStep, frequency: frequency, updates: updates),
            request: PruneRequest(tensors: ["fc1.weight"], amount: .sparsity(0.5)), retrain: settings)
        #expect(steps.map(\.kind) == [.gradual])
        #expect(Mask.prunedCount(session.model.parameter(named: "fc1.weight")?.mask) == 64)
        #expect(steps[0].summary.contains("1 epoch,"), "\(steps[0].summary)")
    }

    @Test func aScheduleThatDoesNotFitSaysHowManyEpochsItNeeds() throws {
        let model = PruningFixtures.mlp([8, 16, 2], seed: 11)
        let session = PruningSession(model: model, train: PruningFixtures.blobs(count: 64, features: 8))
        let settings = RetrainSettings(epochs: 1, batchSize: 16, optimizer: .sgd(learningRate: 0.05))
        #expect(
            throws: PruningError(
                "--updates",
                "the last mask update is at step 501 but training has only 4 steps "
                    + "(1 epoch of 4); lower --frequency or --updates, or train 126 epochs")
        ) {
            try session.run(
                .gradual(initialSparsity: 0, startStep: 1, frequency: 50, updates: 10),
                request: PruneRequest(tensors: ["fc1.weight"], amount: .sparsity(0.5)), retrain: settings)
        }
    }
}
