import Foundation
import Testing

@Suite struct EvalCommandTests {
    struct Figures: Decodable { var accuracy: Double; var loss: Double; var correct: Int; var count: Int }
    struct Report: Decodable { var model: String; var validation: Figures; var train: Figures }

    /// The acceptance figure: within one point of PyTorch's 94.9 %.
    @Test func lenetValidationAccuracyIsWithinOnePointOfPyTorch() throws {
        let result = try Binary.run(["eval", "SampleModels/lenet-300-100", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
        #expect(report.model == "lenet-300-100")
        #expect(report.validation.count == 1000 && report.train.count == 4000)
        #expect(abs(report.validation.accuracy - 0.949) <= 0.01, "validation accuracy \(report.validation.accuracy)")
        #expect(report.train.accuracy > report.validation.accuracy)
        #expect(report.validation.loss > 0 && report.validation.loss < 1)
    }

    @Test func tableNamesBothSets() throws {
        let result = try Binary.run(["eval", "SampleModels/spirals-mlp/model.json"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("validation") && $0.contains("%") && $0.contains("/200") })
        #expect(lines.contains { $0.hasPrefix("train") && $0.contains("/800") })
    }
}
