import Foundation
import Testing

@testable import PruneKit

/// A model's weights file holding NaN or an infinity is refused at load,
/// with one line naming the file and the tensor, in every format it may be.
@Suite struct NonFiniteWeightsTests {
    @Test(arguments: [Float.nan, .infinity, -.infinity])
    func loadingRefusesNonFiniteWeights(bad: Float) throws {
        let dir = try makeTemporaryDirectory("nonfinite")
        defer { try? FileManager.default.removeItem(at: dir) }
        try makeTinyModel(in: dir)
        let bundle = try ModelBundle.initialise(path: dir.path, seed: 1)
        var poisoned = bundle.model.parameters.map { ($0.name, $0.value) }
        let target = poisoned.firstIndex { $0.0 == "head.w" } ?? 0
        poisoned[target].1.data[4] = bad

        let safetensors = dir.appendingPathComponent("weights.safetensors").path
        try SafetensorsWriter.write(poisoned.map { SafetensorsEntry(name: $0.0, tensor: $0.1) }, to: safetensors)
        let npz = dir.appendingPathComponent("weights.npz").path
        try NpzWriter.write(tensors: poisoned.map { (name: $0.0, tensor: $0.1) }, to: npz)
        for path in [dir.path, npz] {
            let file = path == npz ? npz : safetensors
            do {
                _ = try ModelBundle.load(path: path)
                Issue.record("loaded \(bad) from \(file)")
            } catch {
                #expect("\(error)" == "\(file): tensor \"head.w\": holds a non-finite value (\(bad)) at element 4")
            }
        }
        // The same values, finite again, load.
        poisoned[target].1.data[4] = 0.5
        try SafetensorsWriter.write(poisoned.map { SafetensorsEntry(name: $0.0, tensor: $0.1) }, to: safetensors)
        #expect(try ModelBundle.load(path: dir.path).model.parameter(named: "head.w")?.value.data[4] == 0.5)
    }

    @Test func firstNonFiniteFindsTheFirstOnly() {
        #expect(Tensor(shape: [3], data: [1, 2, 3]).firstNonFinite == nil)
        #expect(Tensor(shape: [0], data: []).nonFiniteProblem == nil)
        let found = Tensor(shape: [4], data: [0, .infinity, .nan, 1]).firstNonFinite
        #expect(found?.index == 1 && found?.value == .infinity)
    }
}
