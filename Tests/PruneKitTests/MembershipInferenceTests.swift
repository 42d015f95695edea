import Foundation
import Testing

@testable import PruneKit

/// The loss-threshold attack on loss sets whose AUC and advantage are known.
@Suite struct MembershipInferenceTests {
    static func attack(_ members: [Double], _ nonMembers: [Double]) throws -> MembershipInference {
        try #require(MembershipInference(memberLosses: members, nonMemberLosses: nonMembers))
    }

    @Test func perfectlySeparatedIsOneAndReversedIsZero() throws {
        let separated = try Self.attack([0.1, 0.2, 0.3], [0.5, 0.9])
        #expect(separated.auc == 1 && separated.advantage == 1)
        let reversed = try Self.attack([0.5, 0.9], [0.1, 0.2, 0.3])
        #expect(reversed.auc == 0 && reversed.advantage == 0)
    }

    @Test func identicalLossesAreGuessing() throws {
        let same = try Self.attack([0.4, 0.4, 0.4], [0.4, 0.4])
        #expect(same.auc == 0.5 && same.advantage == 0)
        let mirrored = try Self.attack([1, 2, 3, 4], [4, 3, 2, 1])
        #expect(mirrored.auc == 0.5)
    }

    /// Members {1, 2, 3} vs non-members {2, 3, 4}: pairs won 3 + (2 + 0.5) +
    /// (1 + 0.5) = 7 of 9; at every threshold 1, 2, 3 TPR - FPR is 1/3.
    @Test func handWorkedThreeByThree() throws {
        let r = try Self.attack([3, 1, 2], [4, 2, 3])
        #expect(abs(r.auc - 7.0 / 9.0) < 1e-12)
        #expect(abs(r.advantage - 1.0 / 3.0) < 1e-12)
        #expect(r.trainLoss == 2 && r.validationLoss == 3)
    }

    @Test func emptySetsHaveNoAttack() {
        #expect(MembershipInference(memberLosses: [], nonMemberLosses: [1]) == nil)
        #expect(MembershipInference(memberLosses: [1], nonMemberLosses: []) == nil)
    }

    @Test func perSampleLossesAverageToTheEvaluationLoss() {
        let model = PruningFixtures.mlp([4, 6, 2], seed: 9)
        let data = PruningFixtures.blobs(count: 37, features: 4)
        let perSample = SoftmaxCrossEntropy.perSample(model, on: data, batchSize: 10)
        let e = evaluate(model, on: data)
        #expect(perSample.losses.count == 37 && perSample.correct == e.correct)
        let mean = perSample.losses.reduce(0.0, +) / 37
        #expect(abs(mean - Double(e.loss)) < 1e-5)
    }

    /// Logits (30, 0): the loss log(1 + e^-30) ~ 9.4e-14 is 0 in Float
    /// arithmetic; it must stay above the loss of logits (40, 0).
    @Test func confidentLossesStayDistinct() throws {
        let w = Parameter(name: "w", role: .weight, value: Tensor(shape: [2, 1], data: [1, 0]))
        let model = Model(name: "m", inputShape: [1], layers: [try Dense(name: "fc", weight: w, bias: nil)])
        let data = Dataset(name: "d", inputs: Tensor(shape: [2, 1], data: [30, 40]), labels: [0, 0], classCount: 2)
        let losses = SoftmaxCrossEntropy.perSample(model, on: data).losses
        #expect(abs(losses[0] - exp(-30.0)) < 1e-20 && losses[1] < losses[0] && losses[1] > 0)
    }

    @Test func reportEncodesExactlyTheDocumentedShape() throws {
        let model = PruningFixtures.mlp([4, 6, 2], seed: 9)
        let train = PruningFixtures.blobs(count: 40, features: 4, seed: 1)
        let validation = PruningFixtures.blobs(count: 20, features: 4, seed: 2)
        let settings = RobustnessSettings(fgsmEpsilons: [0.1, 0.2], pgdEpsilons: [0.1], pgdSteps: 3, noiseSigmas: [0.5], split: .all)
        let report = try RobustnessReport.measure(model, train: train, validation: validation, settings: settings)
        #expect(report.count == 60)
        let object = try #require(JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Any])
        #expect(Set(object.keys) == ["split", "count", "clean", "fgsm", "pgd", "noise", "membership"])
        #expect(Set((object["membership"] as? [String: Any])?.keys ?? [:].keys) == ["auc", "advantage", "train_loss", "validation_loss"])
        #expect(Set((object["clean"] as? [String: Any])?.keys ?? [:].keys) == ["accuracy", "loss"])
        #expect(Set(((object["pgd"] as? [[String: Any]])?.first ?? [:]).keys) == ["epsilon", "steps", "accuracy"])
        #expect((object["fgsm"] as? [Any])?.count == 2)
        #expect(object["split"] as? String == "all")
    }

    @Test func sessionMeasuresEveryStepOnItsOwnModel() throws {
        let model = PruningFixtures.mlp([4, 6, 2], seed: 9)
        let train = PruningFixtures.blobs(count: 40, features: 4, seed: 1)
        let validation = PruningFixtures.blobs(count: 20, features: 4, seed: 2)
        let session = PruningSession(model: model, train: train, validation: validation, seed: 0)
        _ = try session.prune(
            PruneRequest(tensors: ["fc1.weight"], criterion: .magnitude, granularity: .unstructured, scope: .layer, amount: .sparsity(0.9)))
        let settings = RobustnessSettings(fgsmEpsilons: [0.1], pgdEpsilons: [], noiseSigmas: [])
        let steps = try session.robustness(settings: settings)
        #expect(steps.map(\.step) == [0, 1])
        let startAlone = try RobustnessReport.measure(session.model(atStep: 0), train: train, validation: validation, settings: settings)
        #expect(steps[0].report == startAlone)
        #expect(steps[1].report.clean.accuracy == session.current.metrics.accuracy)
        #expect(steps[1].prunableSparsity > 0.6 && steps[0].prunableSparsity == 0)
    }
}
