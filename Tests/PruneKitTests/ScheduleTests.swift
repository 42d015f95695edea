import Testing

@testable import PruneKit

@Suite struct ScheduleTests {
    @Test func cubicScheduleValuesAtChosenSteps() {
        // s_i = 0, s_f = 0.9, t0 = 10, dt = 5, n = 4 (last update at step 30).
        func s(_ t: Int) -> Double { Schedule.gradualSparsity(step: t, initial: 0, final: 0.9, start: 10, frequency: 5, updates: 4) }
        #expect(s(5) == 0)
        #expect(s(10) == 0)
        #expect(abs(s(15) - 0.5203125) < 1e-12)  // 0.9 - 0.9 x 0.75^3
        #expect(abs(s(20) - 0.7875) < 1e-12)  // 0.9 - 0.9 x 0.5^3
        #expect(abs(s(25) - 0.8859375) < 1e-12)  // 0.9 - 0.9 x 0.25^3
        #expect(s(30) == 0.9)
        #expect(s(100) == 0.9)
        #expect(abs(Schedule.gradualSparsity(step: 15, initial: 0.2, final: 0.8, start: 10, frequency: 5, updates: 2) - 0.725) < 1e-12)
        let updates = (0...40).filter { Schedule.isGradualUpdate(step: $0, start: 10, frequency: 5, updates: 4) }
        #expect(updates == [10, 15, 20, 25, 30])
    }

    @Test func iterativeRoundsPruneTheSameFractionOfTheRemainder() {
        #expect(abs(Schedule.roundSparsity(1, of: 3, target: 0.875) - 0.5) < 1e-12)
        #expect(abs(Schedule.roundSparsity(2, of: 3, target: 0.875) - 0.75) < 1e-12)
        #expect(abs(Schedule.roundSparsity(3, of: 3, target: 0.875) - 0.875) < 1e-12)
    }

    private func session(seed: UInt64 = 11) -> PruningSession {
        let model = PruningFixtures.mlp([8, 16, 2], seed: seed)
        return PruningSession(
            model: model, train: PruningFixtures.blobs(count: 64, features: 8),
            validation: PruningFixtures.blobs(count: 32, features: 8, seed: 9), seed: seed)
    }

    private let settings = RetrainSettings(epochs: 1, batchSize: 16, optimizer: .sgd(learningRate: 0.05, momentum: 0.9))

    @Test func oneShotRetrainsAfterTheCutOnlyWhenGivenSettings() throws {
        let request = PruneRequest(tensors: ["fc1.weight"], amount: .sparsity(0.75))
        let bare = session()
        #expect(try bare.run(.oneShot, request: request, retrain: nil).map(\.kind) == [.prune])
        let retrained = session()
        let steps = try retrained.run(.oneShot, request: request, retrain: settings)
        #expect(steps.map(\.kind) == [.prune, .retrain])
        #expect(steps[1].epochs.count == 1)
        // The cut is the same; retraining keeps it and moves the survivors.
        let w = try #require(retrained.model.parameter(named: "fc1.weight"))
        let mask = try #require(w.mask)
        #expect(Mask.prunedCount(mask) == 96)
        for i in 0..<w.value.count where mask.data[i] == 0 { #expect(w.value.data[i] == 0) }
        let before = try #require(bare.model.parameter(named: "fc1.weight")).value.data
        #expect(before != w.value.data)
    }

    @Test func iterativeReachesTargetAndRetrainingKeepsZeros() throws {
        let s = session()
        let steps = try s.run(
            .iterative(rounds: 3), request: PruneRequest(tensors: ["fc1.weight"], amount: .sparsity(0.875)),
            retrain: settings)
        #expect(steps.map(\.kind) == [.prune, .retrain, .prune, .retrain, .prune, .retrain])
        let w = try #require(s.model.parameter(named: "fc1.weight"))
        let mask = try #require(w.mask)
        #expect(Mask.prunedCount(mask) == 112)
        for i in 0..<w.value.count where mask.data[i] == 0 { #expect(w.value.data[i] == 0) }
        // Momentum buffers are zero where the mask prunes.
        let momentum = try #require(s.optimizerState["fc1.weight.momentum"])
        for i in 0..<mask.count where mask.data[i] == 0 { #expect(momentum.data[i] == 0) }
        #expect(s.current.metrics.tensors.first { $0.name == "fc1.weight" }?.sparsity == 0.875)
    }

    @Test func gradualUpdatesMasksOnScheduleAndFreezes() throws {
        let s = session()
        // 64 samples / 16 = 4 steps per epoch, 3 epochs = 12 steps; updates at 2, 4, 6, 8.
        let settings = RetrainSettings(epochs: 3, batchSize: 16, optimizer: .sgd(learningRate: 0.05))
        let steps = try s.run(
            .gradual(initialSparsity: 0, startStep: 2, frequency: 2, updates: 3),
            request: PruneRequest(tensors: ["fc1.weight"], amount: .sparsity(0.5)), retrain: settings)
        #expect(steps.count == 1 && steps[0].kind == .gradual)
        let updates = steps[0].parameters["sparsity_updates"] ?? ""
        #expect(updates == "2:0.0000,4:0.3519,6:0.4815,8:0.5000")
        #expect(Mask.prunedCount(s.model.parameter(named: "fc1.weight")?.mask) == 64)
        #expect(throws: PruningError.self) {
            try s.run(
                .gradual(initialSparsity: 0, startStep: 2, frequency: 5, updates: 3),
                request: PruneRequest(tensors: ["fc1.weight"], amount: .sparsity(0.5)), retrain: settings)
        }
    }

    @Test func lotteryRewindsSurvivorsToInit() throws {
        let s = session()
        let steps = try s.run(
            .lottery(rounds: 2, rewindIteration: 0),
            request: PruneRequest(tensors: ["fc1.weight", "fc2.weight"], scope: .global, amount: .sparsity(0.75)),
            retrain: settings)
        #expect(steps.map(\.kind) == [.rewind, .retrain, .prune, .rewind, .retrain, .prune, .rewind, .retrain])
        let initW = try #require(s.rewindPoints["init"]?["fc1.weight"])
        // Right after the last rewind, survivors equal their initial values.
        try s.jump(to: s.steps.count - 2)
        let w = try #require(s.model.parameter(named: "fc1.weight"))
        let mask = try #require(w.mask)
        for i in 0..<w.value.count { #expect(w.value.data[i] == (mask.data[i] == 0 ? 0 : initW.data[i])) }
        let m = s.steps.last!.metrics
        #expect(abs(m.prunableSparsity - 0.75) < 1e-9)
    }

    @Test func randomReinitGivesSurvivorsFreshValuesEachRound() throws {
        let request = PruneRequest(tensors: ["fc1.weight", "fc2.weight"], scope: .global, amount: .sparsity(0.75))
        let s = session()
        let before = try #require(s.model.parameter(named: "fc1.weight")).value
        let steps = try s.run(.randomReinit(rounds: 2), request: request, retrain: settings)
        #expect(steps.map(\.kind) == [.prune, .rewind, .retrain, .prune, .rewind, .retrain])
        #expect(steps[1].summary == "rewind survivors to random-round-1")
        // Right after each re-init, survivors hold that round's fresh values, which
        // are neither the trained weights nor the other round's values.
        let first = try #require(s.rewindPoints["random-round-1"]?["fc1.weight"])
        let second = try #require(s.rewindPoints["random-round-2"]?["fc1.weight"])
        #expect(first.data != second.data && first.data != before.data)
        try s.jump(to: s.steps.count - 2)
        let w = try #require(s.model.parameter(named: "fc1.weight"))
        let mask = try #require(w.mask)
        for i in 0..<w.value.count { #expect(w.value.data[i] == (mask.data[i] == 0 ? 0 : second.data[i])) }
        #expect(abs(s.current.metrics.prunableSparsity - 0.75) < 1e-9)
        // The same seed gives the same values.
        let again = session()
        try again.run(.randomReinit(rounds: 2), request: request, retrain: settings)
        #expect(again.rewindPoints["random-round-2"]?["fc1.weight"]?.data == second.data)
        #expect(again.current.metrics == s.steps.last?.metrics)
    }

    @Test func lateResettingCapturesIterationK() throws {
        let s = session()
        try s.run(
            .lottery(rounds: 1, rewindIteration: 3), request: PruneRequest(tensors: ["fc1.weight"], amount: .sparsity(0.5)),
            retrain: settings)
        #expect(s.rewindPoints["iteration-3"] != nil)
        #expect(throws: PruningError.self) {
            try s.run(
                .lottery(rounds: 1, rewindIteration: 999), request: PruneRequest(tensors: ["fc1.weight"], amount: .sparsity(0.6)),
                retrain: settings)
        }
    }

    @Test func l1RegularisedTrainingIsRecorded() throws {
        let s = session()
        let step = try s.retrain(epochs: 1, batchSize: 16, optimizer: .sgd(learningRate: 0.05), l1Lambda: 0.01)
        #expect(step.kind == .regularise)
        #expect(step.parameters["l1_lambda"] == "0.01")
        #expect(throws: PruningError.self) { try s.retrain(epochs: 1, batchSize: 16, optimizer: .sgd(learningRate: 0.05), l1Lambda: -1) }
    }
}

@Suite struct SchedulePerTensorTests {
    @Test func iterativeFollowsPerTensorTargets() throws {
        let model = PruningFixtures.mlp([8, 16, 4], seed: 2)
        let s = PruningSession(model: model, train: PruningFixtures.blobs(count: 32, features: 8), seed: 2)
        // Output layer at half the rate, as Frankle & Carbin prune LeNet's.
        try s.run(
            .iterative(rounds: 2), request: PruneRequest(amount: .perTensorSparsity(["fc1.weight": 0.75, "fc2.weight": 0.5])),
            retrain: RetrainSettings(epochs: 1, batchSize: 8, optimizer: .sgd(learningRate: 0.05)))
        // Round 1: 1 - 0.25^(1/2) = 0.5 of fc1 (64 of 128), 1 - 0.5^(1/2) = 0.293 of fc2 (19 of 64).
        #expect(s.steps[1].metrics.tensors.first { $0.name == "fc1.weight" }?.masked == 64)
        #expect(s.steps[1].metrics.tensors.first { $0.name == "fc2.weight" }?.masked == 19)
        #expect(Mask.prunedCount(model.parameter(named: "fc1.weight")?.mask) == 96)
        #expect(Mask.prunedCount(model.parameter(named: "fc2.weight")?.mask) == 32)
    }
}
