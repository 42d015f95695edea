import Foundation
import Testing

@testable import PruneKit

@Suite struct TrainingTests {
    /// XOR-like 2-D data: four Gaussian clusters at (+-1, +-1), class = sign(x * y) > 0.
    static func xorData(count: Int, seed: UInt64) -> Dataset {
        var rng = SeededRandom(seed: seed)
        var xs = [Float](), labels = [Int]()
        for i in 0..<count {
            let cx: Float = i % 2 == 0 ? 1 : -1, cy: Float = (i / 2) % 2 == 0 ? 1 : -1
            xs.append(cx + 0.25 * rng.normal())
            xs.append(cy + 0.25 * rng.normal())
            labels.append(cx * cy > 0 ? 1 : 0)
        }
        return Dataset(name: "xor", inputs: Tensor(shape: [count, 2], data: xs), labels: labels, classCount: 2)
    }

    static func mlp(seed: UInt64, dropout: Bool = false) -> Model {
        var rng = SeededRandom(seed: seed)
        var layers: [any Layer] = [
            Dense(name: "fc1", inFeatures: 2, outFeatures: 16, weightName: "fc1.weight", biasName: "fc1.bias", rng: &rng),
            Tanh(name: "act1"),
        ]
        if dropout { layers.append(Dropout(name: "drop", probability: 0.2, seed: 0)) }
        layers += [
            Dense(name: "fc2", inFeatures: 16, outFeatures: 16, weightName: "fc2.weight", biasName: "fc2.bias", rng: &rng),
            ReLU(name: "act2"),
            Dense(name: "fc3", inFeatures: 16, outFeatures: 2, weightName: "fc3.weight", biasName: "fc3.bias", rng: &rng),
        ]
        return Model(name: "mlp", inputShape: [2], layers: layers)
    }

    static func stepLosses(seed: UInt64, dropout: Bool = true) -> [Float] {
        let trainer = Trainer(
            model: mlp(seed: 1, dropout: dropout),
            config: TrainingConfig(epochs: 3, batchSize: 16, optimizer: .sgd(learningRate: 0.1, momentum: 0.9), seed: seed))
        var losses: [Float] = []
        _ = trainer.train(on: xorData(count: 100, seed: 2), validation: nil) { event in
            if case let .step(_, _, _, loss) = event { losses.append(loss) }
        }
        return losses
    }

    @Test func sameSeedSameLossesDifferentSeedDifferent() {
        let a = Self.stepLosses(seed: 7), b = Self.stepLosses(seed: 7), c = Self.stepLosses(seed: 8)
        #expect(a.count == 3 * 7)
        #expect(a == b)
        #expect(a != c)
    }

    @Test func learnsXOR() {
        let train = Self.xorData(count: 200, seed: 3), validation = Self.xorData(count: 100, seed: 4)
        let model = Self.mlp(seed: 5)
        let before = evaluate(model, on: validation)
        let trainer = Trainer(
            model: model, config: TrainingConfig(epochs: 25, batchSize: 20, optimizer: .adam(learningRate: 0.02), seed: 1))
        var epochEvents: [EpochMetrics] = []
        let result = trainer.train(on: train, validation: validation) { event in
            if case let .epochEnd(m) = event { epochEvents.append(m) }
        }
        #expect(!result.cancelled && result.steps == 25 * 10 && trainer.globalStep == 250)
        #expect(result.epochs == epochEvents && result.epochs.map(\.epoch) == Array(1...25))
        let after = evaluate(model, on: validation)
        #expect(after.loss < before.loss * 0.5)
        #expect(after.accuracy > 0.95)
        #expect(result.epochs.last?.validationAccuracy == after.accuracy)
        #expect((result.epochs.last?.trainLoss ?? 1) < result.epochs[0].trainLoss)
        #expect(after.count == 100 && after.correct == Int((after.accuracy * 100).rounded()))
        #expect(
            predictions(model, on: validation, batchSize: 7).enumerated().filter { $0.element == validation.labels[$0.offset] }.count
                == after.correct)
    }

    @Test func maskedTrainingKeepsPrunedWeightsZero() {
        let model = Self.mlp(seed: 6)
        var rng = SeededRandom(seed: 9)
        var masks: [String: Tensor] = [:]
        for p in model.parameters where p.role == .weight {
            let mask = Tensor(shape: p.value.shape, data: (0..<p.value.count).map { _ in rng.nextUnitFloat() < 0.5 ? 0 : 1 })
            p.mask = mask
            p.applyMask()
            masks[p.name] = mask
        }
        let trainer = Trainer(
            model: model,
            config: TrainingConfig(
                epochs: 3, batchSize: 10,
                optimizer: .sgd(learningRate: 0.1, momentum: 0.9, weightDecay: 1e-3),
                seed: 3, l1Lambda: 1e-3))
        var stepsSeen = 0
        trainer.afterStep = { step in
            stepsSeen = step
            for p in model.parameters where p.role == .weight {
                guard let mask = masks[p.name] else { continue }
                for i in 0..<p.value.count where mask.data[i] == 0 { #expect(p.value.data[i] == 0) }
            }
        }
        _ = trainer.train(on: Self.xorData(count: 50, seed: 4), validation: nil)
        #expect(stepsSeen == 15)
        for (key, buffer) in trainer.optimizer.state {
            let name = String(key.dropLast(".momentum".count))
            guard let mask = masks[name] else { continue }
            for i in 0..<buffer.count where mask.data[i] == 0 { #expect(buffer.data[i] == 0) }
        }
    }

    @Test func cancellationStopsAtAStep() {
        let trainer = Trainer(
            model: Self.mlp(seed: 1), config: TrainingConfig(epochs: 5, batchSize: 10, optimizer: .sgd(learningRate: 0.1), seed: 1))
        var calls = 0
        let result = trainer.train(
            on: Self.xorData(count: 100, seed: 2), validation: nil,
            isCancelled: {
                calls += 1
                return calls > 13
            })
        #expect(result.cancelled && result.steps == 13 && result.epochs.count == 1)
        #expect(trainer.epochsCompleted == 1 && trainer.globalStep == 13)
    }

    @Test func evaluateHandlesRaggedBatchesAndEmptyData() {
        let model = Self.mlp(seed: 2)
        let data = Self.xorData(count: 23, seed: 5)
        let whole = evaluate(model, on: data, batchSize: 500)
        let ragged = evaluate(model, on: data, batchSize: 4)
        #expect(whole.correct == ragged.correct && abs(whole.loss - ragged.loss) < 1e-5)
        let logits = model.forward(data.inputs)
        #expect(abs(whole.loss - SoftmaxCrossEntropy.loss(logits: logits, labels: data.labels)) < 1e-5)
        let empty = data.subset([Int]())
        #expect(evaluate(model, on: empty) == Evaluation(loss: 0, accuracy: 0, correct: 0, count: 0))
    }

    @Test func trainingConfigRoundTripsAndDefaultsL1() throws {
        let config = TrainingConfig(epochs: 20, batchSize: 64, optimizer: .sgd(learningRate: 0.05, momentum: 0.9), seed: 42, l1Lambda: 1e-4)
        #expect(try JSONDecoder().decode(TrainingConfig.self, from: JSONEncoder().encode(config)) == config)
        let json =
            #"{"epochs": 3, "batchSize": 8, "seed": 1, "optimizer": {"adam": {"learningRate": 0.001, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8, "weightDecay": 0}}}"#
        let decoded = try JSONDecoder().decode(TrainingConfig.self, from: Data(json.utf8))
        #expect(decoded == TrainingConfig(epochs: 3, batchSize: 8, optimizer: .adam(learningRate: 0.001), seed: 1))
    }

    @Test func lossIsStableForHugeLogits() {
        let logits = Tensor(shape: [2, 3], data: [1, 2, 3, 1000, 0, -1000])
        let (loss, grad) = SoftmaxCrossEntropy.lossAndGradient(logits: logits, labels: [2, 1])
        #expect(abs(loss - 500.20379638671875) < 1e-3)  // torch.nn.functional.cross_entropy
        #expect(grad.data.allSatisfy { $0.isFinite })
    }
}
