import Foundation
import Testing

@testable import PruneKit

/// Crafted specs whose sizes overflow or exceed `SpecLimits` are refused
/// with one line naming the field, before any layer allocates.
@Suite struct SpecLimitsTests {
    func spec(_ layers: [LayerSpec], inputShape: [Int] = [4], batchSize: Int = 4) -> ModelSpec {
        ModelSpec(
            name: "t", inputShape: inputShape, layers: layers, weights: "w.safetensors",
            dataset: DatasetSpec(
                name: "xor", format: .synthetic, generator: .xor, count: 20,
                validationFraction: 0.25, splitSeed: 1),
            training: TrainingConfig(epochs: 1, batchSize: batchSize, optimizer: .sgd(learningRate: 0.1), seed: 3))
    }

    /// The error `makeModel` throws, as text; fails the test if none.
    func refusal(_ spec: ModelSpec, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        do {
            _ = try spec.makeModel(seed: 0, path: "/x/model.json")
            Issue.record("a model was built", sourceLocation: sourceLocation)
            return ""
        } catch {
            let text = "\(error)"
            #expect(text.hasPrefix("/x/model.json: invalid model spec: "), "\(text)", sourceLocation: sourceLocation)
            #expect(!text.contains("\n"), sourceLocation: sourceLocation)
            return text
        }
    }

    static let huge = [1 << 31, 1 << 40, Int(Int32.max), Int.max / 2, Int.max]

    @Test(arguments: huge) func denseSizesThatOverflowOrExceedTheLimit(size: Int) {
        let outText = refusal(
            spec([
                LayerSpec(kind: .dense, name: "fc1", inFeatures: 4, outFeatures: size),
                LayerSpec(kind: .dense, name: "fc2", inFeatures: size, outFeatures: 2),
            ]))
        #expect(outText.contains("layers[0] ('fc1').outFeatures"), "\(outText)")
        let inText = refusal(spec([LayerSpec(kind: .dense, name: "fc1", inFeatures: size, outFeatures: size)], inputShape: [size]))
        #expect(inText.contains("inputShape") || inText.contains("outFeatures"), "\(inText)")
    }

    @Test(arguments: huge) func convolutionSizesThatOverflow(size: Int) {
        let conv = { (channels: Int, kernel: Int, padding: Int) in
            self.spec(
                [
                    LayerSpec(kind: .conv2d, name: "c1", inChannels: 1, outChannels: channels, kernelSize: kernel, padding: padding),
                    LayerSpec(kind: .flatten, name: "f"), LayerSpec(kind: .dense, name: "out", inFeatures: 10, outFeatures: 2),
                ], inputShape: [1, 8, 8])
        }
        #expect(refusal(conv(size, 3, 0)).contains("layers[0] ('c1').outChannels"))
        #expect(refusal(conv(4, size, 0)).contains("layers[0] ('c1')"))
        #expect(refusal(conv(4, 3, size)).contains("layers[0] ('c1')"))
    }

    @Test func activationsPerSampleAreBounded() {
        // 4 filters of 1x1 on a 1x4000x4000 input padded by 2000: 4 x 8000^2 = 256M outputs.
        let text = refusal(
            spec(
                [
                    LayerSpec(kind: .conv2d, name: "wide", inChannels: 1, outChannels: 4, kernelSize: 1, padding: 2_000),
                    LayerSpec(kind: .flatten, name: "f"), LayerSpec(kind: .dense, name: "out", inFeatures: 10, outFeatures: 2),
                ], inputShape: [1, 4_000, 4_000]))
        #expect(text.contains("layers[0] ('wide')") && text.contains("activation") || text.contains("column buffer"), "\(text)")
    }

    @Test func inputShapeIsBounded() {
        for shape in [[1 << 25], [1 << 13, 1 << 13, 1 << 13], [Int.max, 2], [0, 4], [-3]] {
            let text = refusal(spec([LayerSpec(kind: .dense, name: "fc", inFeatures: 4, outFeatures: 2)], inputShape: shape))
            #expect(text.contains("inputShape"), "\(text)")
        }
    }

    @Test func recipeSizesAreBounded() {
        let dense = [LayerSpec(kind: .dense, name: "fc", inFeatures: 4, outFeatures: 2)]
        #expect(refusal(spec(dense, batchSize: Int.max)).contains("training.batchSize"))
        var s = spec(dense)
        s.training.epochs = Int.max
        #expect(refusal(s).contains("training.epochs"))
    }

    @Test func aModelWithinTheLimitsBuilds() throws {
        let s = spec(
            [
                LayerSpec(kind: .conv2d, name: "c1", inChannels: 1, outChannels: 6, kernelSize: 5, padding: 2),
                LayerSpec(kind: .maxpool2d, name: "p1", kernelSize: 2), LayerSpec(kind: .flatten, name: "f"),
                LayerSpec(kind: .dense, name: "out", inFeatures: 6 * 14 * 14, outFeatures: 10),
            ], inputShape: [1, 28, 28])
        try s.checkSizes(path: "x")
        let model = try s.makeModel(seed: 0, path: "x")
        #expect(model.largestActivationPerSample == 25 * 28 * 28)
        #expect(SpecLimits.largestBatch(for: model) == SpecLimits.batchActivations / (25 * 28 * 28))
        #expect(throws: PruningError.self) { try SpecLimits.checkBatchSize(1 << 17, for: model, subject: "--batch-size") }
        #expect(throws: PruningError.self) { try SpecLimits.checkBatchSize(0, for: model, subject: "--batch-size") }
        try SpecLimits.checkBatchSize(64, for: model, subject: "--batch-size")
    }

    @Test func implausibleOptimiserSettingsAreNamed() {
        #expect(OptimizerConfig.sgd(learningRate: 0.1, momentum: 5).implausibleSetting?.field == "momentum")
        #expect(OptimizerConfig.sgd(learningRate: .infinity).implausibleSetting?.field == "learningRate")
        #expect(OptimizerConfig.adam(learningRate: 0.1, beta2: 1).implausibleSetting?.field == "beta2")
        #expect(OptimizerConfig.sgd(learningRate: 0.1, momentum: 0.9, weightDecay: 5e-4).implausibleSetting == nil)
    }

    @Test func divergingTrainingStopsWithoutMetrics() {
        let model = PruningFixtures.mlp([8, 12, 2], seed: 21)
        let config = TrainingConfig(epochs: 3, batchSize: 8, optimizer: .sgd(learningRate: 1e30), seed: 1)
        let result = Trainer(model: model, config: config).train(on: PruningFixtures.blobs(count: 48, features: 8), validation: nil)
        let divergence = result.divergence
        #expect(divergence != nil && result.epochs.isEmpty && !result.cancelled)
        #expect(divergence?.description.contains("training diverged at epoch 1") == true)
    }

    @Test func divergingRetrainingKeepsTheCurrentStep() throws {
        let session = PruningSession(
            model: PruningFixtures.mlp([8, 12, 2], seed: 21), train: PruningFixtures.blobs(count: 48, features: 8),
            validation: PruningFixtures.blobs(count: 16, features: 8, seed: 3), seed: 5)
        try session.prune(PruneRequest(amount: .sparsity(0.5)))
        let before = session.model.parameters.map(\.value)
        #expect(throws: PruningError.self) { try session.retrain(epochs: 2, batchSize: 8, optimizer: .sgd(learningRate: 1e30)) }
        #expect(session.steps.count == 2 && session.cursor == 1)
        #expect(session.model.parameters.map(\.value) == before)
    }
}
