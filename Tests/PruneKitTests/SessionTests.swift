import Foundation
import Testing

@testable import PruneKit

@Suite struct SessionTests {
    private func make() -> PruningSession {
        PruningSession(
            model: PruningFixtures.mlp([8, 12, 2], seed: 21),
            train: PruningFixtures.blobs(count: 48, features: 8),
            validation: PruningFixtures.blobs(count: 16, features: 8, seed: 3), seed: 99)
    }

    @Test func saveAndResumeGiveTheSameNextStep() throws {
        let a = make()
        try a.prune(PruneRequest(amount: .sparsity(0.5)))
        try a.retrain(epochs: 1, batchSize: 8, optimizer: .sgd(learningRate: 0.05, momentum: 0.9))
        try a.prune(PruneRequest(tensors: ["fc1.weight"], criterion: .random(seed: 2), amount: .fractionOfRemaining(0.3)))
        try a.undo()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("prunescope-session-\(UInt32.random(in: 0...UInt32.max))")
            .path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try a.save(to: dir)
        let b = try PruningSession.load(
            from: dir, model: PruningFixtures.mlp([8, 12, 2], seed: 1234),
            train: PruningFixtures.blobs(count: 48, features: 8),
            validation: PruningFixtures.blobs(count: 16, features: 8, seed: 3))
        #expect(b.cursor == 2 && b.steps.count == 4 && b.seed == 99 && b.canRedo)
        #expect(b.steps == a.steps)
        #expect(b.optimizerState == a.optimizerState)
        for (p, q) in zip(a.model.parameters, b.model.parameters) {
            #expect(p.value.data.map(\.bitPattern) == q.value.data.map(\.bitPattern))
            #expect(p.mask == q.mask)
        }
        // The next step (retraining, which uses the optimiser state and the seed) matches.
        let sa = try a.retrain(epochs: 1, batchSize: 8, optimizer: .sgd(learningRate: 0.05, momentum: 0.9))
        let sb = try b.retrain(epochs: 1, batchSize: 8, optimizer: .sgd(learningRate: 0.05, momentum: 0.9))
        #expect(sa == sb)
        for (p, q) in zip(a.model.parameters, b.model.parameters) {
            #expect(p.value.data.map(\.bitPattern) == q.value.data.map(\.bitPattern))
        }
        #expect(throws: PruningError.self) {
            try PruningSession.load(from: dir, model: PruningFixtures.mlp([8, 10, 2]))
        }
    }

    @Test func previewDoesNotCommit() throws {
        let s = make()
        let before = s.model.parameters.map(\.value)
        let plan = try s.preview(PruneRequest(amount: .sparsity(0.8)))
        #expect(s.model.parameters.map(\.value) == before)
        #expect(s.steps.count == 1)
        let m = s.previewMetrics(plan)
        #expect(abs(m.prunableSparsity - 0.8) < 1e-9)
        let copy = s.previewModel(plan)
        #expect(Mask.prunedCount(copy.parameter(named: "fc1.weight")?.mask) == 77)
        s.apply(plan)
        #expect(s.steps.count == 2 && s.current.kind == .prune)
        #expect(s.current.metrics.accuracy != nil)
    }

    @Test func scoreIndexIsCachedAndFollowsState() throws {
        let s = make()
        let a = try s.scoreIndex(for: "fc1.weight")
        #expect(a.alreadyPruned == 0 && a.total == 96)
        let t = a.threshold(forSparsity: 0.25)
        #expect(a.sparsity(atThreshold: t) == 0.25)
        try s.prune(PruneRequest(tensors: ["fc1.weight"], amount: .threshold(t)))
        let b = try s.scoreIndex(for: "fc1.weight")
        #expect(b.alreadyPruned == 24)
        #expect(throws: PruningError.self) { try s.scoreIndex(for: "nope") }
    }
}

@Suite struct SessionPreviewTests {
    @Test func cachedPreviewEqualsThePlanner() throws {
        let model = PruningFixtures.mlp([16, 24, 4], seed: 8)
        let s = PruningSession(model: model)
        try s.prune(PruneRequest(tensors: ["fc1.weight"], amount: .sparsity(0.3)))
        for amount: Amount in [.threshold(0.05), .sparsity(0.6), .fractionOfRemaining(0.5), .sparsity(0.1)] {
            let r = PruneRequest(tensors: ["fc1.weight", "fc2.weight"], amount: amount)
            let fast = try s.preview(r)
            let slow = try Pruner.plan(r, model: model)
            #expect(fast.masks == slow.masks)
            #expect(fast.newlyPruned == slow.newlyPruned)
        }
        let g = try s.globalScoreIndex(for: ["fc1.weight", "fc2.weight"])
        #expect(g.total == 16 * 24 + 24 * 4)
        #expect(g.alreadyPruned == Mask.prunedCount(model.parameter(named: "fc1.weight")?.mask))
        let t = g.threshold(forSparsity: 0.5)
        let plan = try s.preview(PruneRequest(tensors: ["fc1.weight", "fc2.weight"], amount: .threshold(t)))
        let global = try Pruner.plan(
            PruneRequest(tensors: ["fc1.weight", "fc2.weight"], scope: .global, amount: .sparsity(0.5)), model: model)
        #expect(plan.masks == global.masks)
    }
}
