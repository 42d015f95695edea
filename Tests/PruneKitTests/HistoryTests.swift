import Testing

@testable import PruneKit

@Suite struct HistoryTests {
    private func state(_ m: Model) -> [String: ([UInt32], [UInt32]?)] {
        var out = [String: ([UInt32], [UInt32]?)]()
        for p in m.parameters { out[p.name] = (p.value.data.map(\.bitPattern), p.mask?.data.map(\.bitPattern)) }
        return out
    }

    private func same(_ a: [String: ([UInt32], [UInt32]?)], _ b: [String: ([UInt32], [UInt32]?)]) -> Bool {
        a.count == b.count && a.allSatisfy { k, v in b[k].map { $0.0 == v.0 && $0.1 == v.1 } ?? false }
    }

    @Test func undoRedoAndJumpRestoreBitForBit() throws {
        let model = PruningFixtures.mlp([8, 16, 2], seed: 4)
        let s = PruningSession(model: model, train: PruningFixtures.blobs(count: 32, features: 8), seed: 4)
        var states = [state(model)]
        try s.prune(PruneRequest(amount: .sparsity(0.5)))
        states.append(state(model))
        try s.retrain(epochs: 1, batchSize: 8, optimizer: .adam(learningRate: 0.01))
        states.append(state(model))
        try s.prune(PruneRequest(tensors: ["fc1.weight"], granularity: .neuron, amount: .count(3)))
        states.append(state(model))
        try s.rewind(to: "start")
        states.append(state(model))
        #expect(s.steps.map(\.kind) == [.start, .prune, .retrain, .prune, .rewind])
        for i in stride(from: 3, through: 0, by: -1) {
            try s.undo()
            #expect(s.cursor == i)
            #expect(same(state(model), states[i]))
        }
        #expect(throws: PruningError.self) { try s.undo() }
        try s.redo()
        #expect(same(state(model), states[1]))
        try s.jump(to: 4)
        #expect(same(state(model), states[4]))
        try s.jump(to: 2)
        #expect(same(state(model), states[2]))
        #expect(s.optimizerStepCount == 4)
        #expect(throws: PruningError.self) { try s.jump(to: 9) }
        // A new step after undo drops the redo branch.
        try s.prune(PruneRequest(amount: .sparsity(0.6)))
        #expect(s.steps.count == 4 && !s.canRedo)
    }
}
