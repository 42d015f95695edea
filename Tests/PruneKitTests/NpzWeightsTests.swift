import Foundation
import Testing

@testable import PruneKit

/// A model spec that takes its weights from an .npz (written by numpy's
/// savez / savez_compressed from the spirals-mlp sample weights) loads the
/// same values and evaluates to the same accuracy as the safetensors original.
@Suite struct NpzWeightsTests {
    static let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../SampleModels/spirals-mlp").standardizedFileURL

    @Test(arguments: ["spirals_weights_stored.npz", "spirals_weights_deflated.npz"])
    func specWithNpzWeights(fixture: String) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ps-npz-spec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // The sample's spec with the weights file replaced and the data path made absolute.
        var spec = try String(contentsOf: Self.sample.appendingPathComponent("model.json"), encoding: .utf8)
        let data = Self.sample.appendingPathComponent("../data/spirals.csv").standardizedFileURL.path
        spec = spec.replacingOccurrences(of: "\"weights.safetensors\"", with: "\"weights.npz\"")
            .replacingOccurrences(of: "\"../data/spirals.csv\"", with: "\"\(data)\"")
        try spec.write(to: dir.appendingPathComponent("model.json"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: Fixtures.path(fixture), toPath: dir.appendingPathComponent("weights.npz").path)

        let fromNpz = try ModelBundle.load(path: dir.path)
        let original = try ModelBundle.load(path: Self.sample.path)
        #expect(fromNpz.weightsURL.lastPathComponent == "weights.npz")
        for p in original.model.parameters {
            #expect(fromNpz.model.parameter(named: p.name)?.value == p.value, "\(p.name)")
        }
        #expect(evaluate(fromNpz.model, on: fromNpz.validation).accuracy == evaluate(original.model, on: original.validation).accuracy)
    }
}
