import Foundation
import Testing

@testable import PruneKit

/// FGSM, PGD and noise against finite differences and hand-worked cases.
@Suite struct RobustnessTests {
    /// Logits z0 = x0 - 2 x1 (x2 unused), z1 = 0: for label 0, dL/dz0 = p0 - 1 < 0,
    /// so dL/dx = (p0 - 1) * (1, -2, 0) has sign (-1, +1, 0) for every input.
    static func linear() throws -> Model {
        let w = Parameter(name: "fc.weight", role: .weight, value: Tensor(shape: [2, 3], data: [1, -2, 0, 0, 0, 0]))
        let b = Parameter(name: "fc.bias", role: .bias, value: Tensor(shape: [2], data: [0, 0]))
        return Model(name: "linear", inputShape: [3], layers: [try Dense(name: "fc", weight: w, bias: b)])
    }

    static let unit = InputRange(lower: 0, upper: 1)

    static func sumLoss(_ model: Model, _ x: Tensor, _ labels: [Int]) -> Double {
        Double(SoftmaxCrossEntropy.loss(logits: model.forward(x, training: false), labels: labels)) * Double(labels.count)
    }

    @Test(arguments: ["mlp", "cnn"])
    func inputGradientMatchesFiniteDifferences(kind: String) {
        let model = kind == "mlp" ? PruningFixtures.mlp([4, 6, 5, 3], seed: 2) : PruningFixtures.tinyCNN(seed: 5)
        let shape = [3] + model.inputShape
        let x = GradientTests.random(shape, seed: 11)
        let labels = kind == "mlp" ? [0, 2, 1] : [1, 0, 1]
        let analytic = Robustness.inputGradient(of: model, inputs: x, labels: labels)
        #expect(analytic.shape == x.shape)
        let h: Float = 1e-2
        var worst = 0.0
        for i in x.data.indices {
            var plus = x, minus = x
            plus.data[i] += h
            minus.data[i] -= h
            let numeric = (Self.sumLoss(model, plus, labels) - Self.sumLoss(model, minus, labels)) / Double(2 * h)
            worst = max(worst, abs(Double(analytic.data[i]) - numeric) / max(1, abs(numeric)))
        }
        #expect(worst < 3e-3)
        // Not the batch mean: the per-sample gradient does not shrink with the batch.
        #expect(analytic.data.map(abs).max() ?? 0 > 1e-3)
    }

    @Test func fgsmHandWorkedOnALinearModel() throws {
        let model = try Self.linear()
        let x = Tensor(shape: [3, 3], data: [0.6, 0.2, 0.3, 0.05, 0.97, 0.5, 0.5, 0.5, 1])
        let adv = Robustness.fgsm(model: model, inputs: x, labels: [0, 0, 0], epsilon: 0.1, range: Self.unit)
        let expected: [Float] = [0.5, 0.3, 0.3, 0, 1, 0.5, 0.4, 0.6, 1]
        for (a, e) in zip(adv.data, expected) { #expect(abs(a - e) < 1e-6) }
        // Sample 0: z0 = 0.6 - 0.4 = 0.2 > 0, right; at eps 0.05 z0 = 0.55 - 0.5 = 0.05, still right;
        // at eps 0.1 z0 = 0.5 - 0.6 = -0.1, wrong.
        let data = Dataset(name: "one", inputs: x.reshaped([3, 3]).rows(0..<1), labels: [0], classCount: 2)
        let clean = try Robustness.evaluate(model, on: data, under: .none, range: Self.unit)
        let small = try Robustness.evaluate(model, on: data, under: .fgsm(epsilon: 0.05), range: Self.unit)
        let large = try Robustness.evaluate(model, on: data, under: .fgsm(epsilon: 0.1), range: Self.unit)
        #expect(clean.accuracy == 1 && small.accuracy == 1 && large.accuracy == 0)
    }

    @Test func onePGDStepIsFGSMAtAQuarterAndManyStepsReachTheBall() throws {
        let model = PruningFixtures.mlp([4, 6, 3], seed: 3)
        let x = GradientTests.random([5, 4], seed: 4)
        let labels = [0, 1, 2, 1, 0]
        let range = InputRange(lower: -1, upper: 1)
        let one = Robustness.pgd(model: model, inputs: x, labels: labels, epsilon: 0.2, steps: 1, range: range)
        let quarter = Robustness.fgsm(model: model, inputs: x, labels: labels, epsilon: 0.05, range: range)
        #expect(one.data == quarter.data)
        #expect(one.data != x.data)
        // The linear model's gradient sign never changes: after 4 or more steps PGD sits on FGSM's corner.
        let linear = try Self.linear()
        let y = Tensor(shape: [2, 3], data: [0.6, 0.2, 0.3, 0.5, 0.5, 0.5])
        let far = Robustness.pgd(model: linear, inputs: y, labels: [0, 0], epsilon: 0.1, steps: 10, range: Self.unit)
        let corner = Robustness.fgsm(model: linear, inputs: y, labels: [0, 0], epsilon: 0.1, range: Self.unit)
        #expect(far.data == corner.data)
        let three = Robustness.pgd(model: linear, inputs: y, labels: [0, 0], epsilon: 0.1, steps: 3, range: Self.unit)
        #expect(abs(three.data[0] - 0.525) < 1e-6)
    }

    @Test func attacksStayInTheBallAndRangeAndRaiseTheLoss() {
        let model = PruningFixtures.mlp([6, 8, 3], seed: 6)
        let x = GradientTests.random([20, 6], seed: 7)
        let labels = (0..<20).map { $0 % 3 }
        // Per feature: features 0-2 in [-0.9, 0.9], 3-5 in [-0.5, 0.2].
        let range = InputRange(lower: [-0.9, -0.9, -0.9, -0.5, -0.5, -0.5], upper: [0.9, 0.9, 0.9, 0.2, 0.2, 0.2])
        let start = Tensor(shape: x.shape, data: x.data.enumerated().map { range.clip($1, at: $0) })
        let epsilon: Float = 0.1
        let clean = Self.sumLoss(model, start, labels)
        let fgsm = Robustness.fgsm(model: model, inputs: start, labels: labels, epsilon: epsilon, range: range)
        let pgd = Robustness.pgd(model: model, inputs: start, labels: labels, epsilon: epsilon, steps: 10, range: range)
        for adv in [fgsm, pgd] {
            for (i, (a, s)) in zip(adv.data, start.data).enumerated() {
                #expect(abs(a - s) <= epsilon + 1e-6)
                #expect(a >= range.lower[i % 6] && a <= range.upper[i % 6])
            }
            #expect(Self.sumLoss(model, adv, labels) > clean)
        }
    }

    @Test func attacksLeaveWeightsMasksAndGradientsAlone() throws {
        let model = PruningFixtures.mlp([4, 6, 3], seed: 8)
        let session = PruningSession(model: model, train: nil, validation: nil, seed: 0)
        _ = try session.prune(
            PruneRequest(tensors: ["fc1.weight"], criterion: .magnitude, granularity: .unstructured, scope: .layer, amount: .sparsity(0.5)))
        let before = model.parameters.map { ($0.value.data, $0.grad.data, $0.mask?.data) }
        let data = PruningFixtures.blobs(count: 30, features: 4, classes: 3)
        _ = try Robustness.evaluate(model, on: data, under: .pgd(epsilon: 0.3, steps: 3), range: InputRange.covering([data]))
        for (p, saved) in zip(model.parameters, before) {
            #expect(p.value.data == saved.0 && p.grad.data == saved.1 && p.mask?.data == saved.2)
        }
        #expect(model.parameters[0].value.data.filter { $0 == 0 }.count == 12)
    }

    @Test func noiseIsDeterministicPerSeedWhateverTheBatch() throws {
        let model = PruningFixtures.mlp([4, 6, 2], seed: 9)
        let data = PruningFixtures.blobs(count: 50, features: 4)
        let range = InputRange.covering([data])
        func run(_ seed: UInt64, _ batch: Int, _ sigma: Float = 1) throws -> Evaluation {
            try Robustness.evaluate(model, on: data, under: .gaussianNoise(sigma: sigma, seed: seed), range: range, batchSize: batch)
        }
        #expect(try run(1, 500) == run(1, 500))
        #expect(try run(1, 7) == run(1, 500))
        #expect(try run(1, 500).loss != run(2, 500).loss)
        #expect(try run(3, 500, 0) == Robustness.evaluate(model, on: data, under: .none, range: range))
        var a = SeededRandom(seed: 5), b = SeededRandom(seed: 5)
        let x = GradientTests.random([3, 4], seed: 1)
        #expect(
            Robustness.noisy(inputs: x, sigma: 0.5, range: range, rng: &a) == Robustness.noisy(inputs: x, sigma: 0.5, range: range, rng: &b)
        )
    }

    @Test func evaluationStopsWhenCancelled() {
        let model = PruningFixtures.mlp([4, 6, 2], seed: 9)
        let data = PruningFixtures.blobs(count: 50, features: 4)
        #expect(throws: CancellationError.self) {
            try Robustness.evaluate(model, on: data, under: .fgsm(epsilon: 0.1), range: InputRange.covering([data]), isCancelled: { true })
        }
    }

    /// Raw 0...16 divided by 16, standardised per feature with means (0.5, 0.25)
    /// and stds (0.5, 0.25): feature 0 spans [-1, 1], feature 1 [-1, 3].
    @Test func rangeFollowsThePerFeatureNormalisation() throws {
        let n = Normalisation(divideBy: 16, mean: [0.5, 0.25], std: [0.5, 0.25])
        let range = InputRange.normalised(rawLower: 0, rawUpper: 16, normalisation: n, features: 2)
        #expect(range == InputRange(lower: [-1, -1], upper: [1, 3]))
        #expect(!range.isGlobal && range.summary == "each feature's range, within [-1, 3]")
        let pixels = InputRange.normalised(rawLower: 0, rawUpper: 255, normalisation: Normalisation(divideBy: 255), features: 784)
        #expect(pixels == InputRange(lower: 0, upper: 1) && pixels.summary == "[0, 1]")
        // FGSM clips each feature to its own range: (0.95, 2.95) + 0.1 * (-1, +1) of the linear model, in 3 features.
        let wide = InputRange(lower: [0, 0, 0], upper: [1, 3, 1])
        let adv = Robustness.fgsm(
            model: try Self.linear(), inputs: Tensor(shape: [1, 3], data: [0.05, 2.95, 0.5]), labels: [0], epsilon: 0.1, range: wide)
        #expect(adv.data == [0, 3, 0.5])
    }

    @Test func bundlesKnowTheirDataRange() throws {
        let samples = SampleModelsDirectory.directory
        let lenet = try ModelBundle.load(path: samples.appendingPathComponent("lenet-300-100").path)
        #expect(lenet.inputRange == InputRange(lower: 0, upper: 1))
        let digits = try ModelBundle.load(path: samples.appendingPathComponent("digits-mlp").path)
        #expect(!digits.inputRange.isGlobal && digits.inputRange.lower.count == 64)
        // Every normalised sample lies inside its feature's range.
        let f = 64, range = digits.inputRange
        let outside = (digits.train.inputs.data + digits.validation.inputs.data).enumerated().filter { i, v in
            v < range.lower[i % f] - 1e-4 || v > range.upper[i % f] + 1e-4
        }
        #expect(outside.isEmpty)
        // And some reach the ends: the range is the data's, not wider.
        #expect(range.upper.max() ?? 0 > 3)
    }

    @Test func rangeCoversEveryValueOfEverySet() {
        let a = Dataset(name: "a", inputs: Tensor(shape: [2, 2], data: [0, 0.5, 0.25, 1]), labels: [0, 1], classCount: 2)
        let b = Dataset(name: "b", inputs: Tensor(shape: [1, 2], data: [-0.5, 0.75]), labels: [0], classCount: 2)
        #expect(InputRange.covering([a]) == InputRange(lower: 0, upper: 1))
        #expect(InputRange.covering([a, b]) == InputRange(lower: -0.5, upper: 1))
        #expect(InputRange.covering([]) == InputRange(lower: 0, upper: 0))
    }
}

extension Tensor {
    /// Rows `range` of a `[rows, columns]` tensor.
    func rows(_ range: Range<Int>) -> Tensor {
        let width = count / shape[0]
        return Tensor(shape: [range.count] + shape.dropFirst(), data: Array(data[(range.lowerBound * width)..<(range.upperBound * width)]))
    }
}

/// Where the sample models are, from this file.
enum SampleModelsDirectory {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../SampleModels").standardizedFileURL
}
