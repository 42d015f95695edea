import Foundation
import Testing

@testable import PruneKit

@Suite struct ExportTests {
    private func tempDir() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("prunescope-export-\(UInt32.random(in: 0...UInt32.max))")
            .path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func prunedWeightsBakeZerosAndCopyUntouchedBytes() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = try PruningFixtures.tinyMLP()
        let originalPath = dir + "/original.safetensors"
        var entries = model.parameters.map { SafetensorsEntry(name: $0.name, tensor: $0.value) }
        entries.insert(SafetensorsEntry(name: "steps", dtype: .I64, shape: [1], bytes: [7, 0, 0, 0, 0, 0, 0, 0]), at: 1)
        try SafetensorsWriter.write(entries, metadata: ["source": "test"], to: originalPath)
        let original = try SafetensorsFile(contentsOf: originalPath)

        let session = PruningSession(model: model)
        try session.prune(PruneRequest(tensors: ["fc1.weight"], amount: .sparsity(0.5)))
        let out = dir + "/pruned.safetensors"
        let summary = try PrunedWeightsExport.write(model: model, original: original, to: out)
        #expect(summary.rewritten == ["fc1.weight"])
        #expect(Set(summary.copied) == ["fc1.bias", "fc2.weight", "fc2.bias"])
        #expect(summary.passedThrough == ["steps"])
        let back = try SafetensorsFile(contentsOf: out)
        #expect(back.tensors.map(\.name) == original.tensors.map(\.name))
        #expect(try back.floatTensor(named: "fc1.weight").data == [0, -0.5, 0.3, 0, 0, 0.4])
        for name in ["fc1.bias", "fc2.weight", "fc2.bias", "steps"] {
            #expect(try back.rawBytes(named: name) == original.rawBytes(named: name))
        }
        #expect(back.metadata["source"] == "test")

        let maskPath = dir + "/masks.safetensors"
        let names = try PrunedWeightsExport.writeMasks(model: model, to: maskPath)
        #expect(names == ["fc1.weight_mask"])
        let masks = try SafetensorsFile(contentsOf: maskPath)
        #expect(masks.info(named: "fc1.weight_mask")?.dtype == .U8)
        #expect(try masks.rawBytes(named: "fc1.weight_mask") == [0, 1, 1, 0, 0, 1])
    }

    @Test func smallerModelGivesIdenticalPredictions() throws {
        let model = PruningFixtures.mlp([8, 16, 12, 3], seed: 5)
        let data = PruningFixtures.blobs(count: 60, features: 8, classes: 3)
        let session = PruningSession(model: model, train: data, seed: 5)
        try session.retrain(epochs: 2, batchSize: 10, optimizer: .sgd(learningRate: 0.1))
        try session.prune(PruneRequest(tensors: ["fc1.weight", "fc2.weight"], granularity: .neuron, amount: .sparsity(0.5)))
        let shrunk = try StructuralShrink.shrink(model)
        #expect(shrunk.removedUnits["fc1"]?.count == 8)
        #expect(shrunk.removedUnits["fc2"]?.count == 6)
        #expect(shrunk.model.parameter(named: "fc1.weight")?.value.shape == [8, 8])
        #expect(shrunk.model.parameter(named: "fc2.weight")?.value.shape == [6, 8])
        #expect(shrunk.model.parameter(named: "fc3.weight")?.value.shape == [3, 6])
        #expect(shrunk.parametersAfter < shrunk.parametersBefore)
        #expect(predictions(shrunk.model, on: data) == predictions(model, on: data))
        let a = model.forward(data.inputs), b = shrunk.model.forward(data.inputs)
        #expect(zip(a.data, b.data).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    @Test func smallerModelSpecFindsItsDataAfterTheProjectMoves() throws {
        // project/data/points.csv, project/model/model.json (dataset "../data/points.csv").
        let root = try makeTemporaryDirectory("smaller")
        defer { try? FileManager.default.removeItem(at: root) }
        let project = root.appendingPathComponent("project")
        for sub in ["data", "model"] {
            try FileManager.default.createDirectory(at: project.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        var csv = "x,y,label\n"
        for i in 0..<40 {
            let x = Double(i % 8) / 4 - 1, y = Double(i / 8) / 2 - 1
            csv += "\(x),\(y),\(x * y > 0 ? 1 : 0)\n"
        }
        try csv.write(to: project.appendingPathComponent("data/points.csv"), atomically: true, encoding: .utf8)
        let layers = """
            [{"kind": "dense", "name": "fc1", "inFeatures": 2, "outFeatures": 8},
             {"kind": "relu", "name": "relu1"},
             {"kind": "dense", "name": "fc2", "inFeatures": 8, "outFeatures": 2}]
            """
        let dataset = """
            {"name": "points", "format": "csv", "file": "../data/points.csv", "header": true,
             "validationFraction": 0.25, "splitSeed": 2}
            """
        try makeTinyModel(in: project.appendingPathComponent("model"), layers: layers, dataset: dataset)
        let fresh = try ModelBundle.initialise(path: project.appendingPathComponent("model").path, seed: 3)
        try fresh.writeWeights(to: fresh.weightsURL.path)
        let bundle = try ModelBundle.load(path: project.appendingPathComponent("model").path)
        let session = PruningSession(model: bundle.model)
        try session.prune(PruneRequest(tensors: ["fc1.weight"], granularity: .neuron, amount: .sparsity(0.5)))
        let shrunk = try StructuralShrink.shrink(bundle.model)

        let smaller = project.appendingPathComponent("exports/run1/smaller")
        try FileManager.default.createDirectory(at: smaller, withIntermediateDirectories: true)
        try SmallerModelExport.write(shrunk.model, like: bundle, to: smaller.path)
        let spec = try ModelSpec.read(path: smaller.appendingPathComponent("model.json").path)
        #expect(spec.dataset.file == "../../../data/points.csv")
        #expect(spec.layers.first?.outFeatures == 4)
        let expected = predictions(bundle.model, on: bundle.validation)
        let loaded = try ModelBundle.load(path: smaller.path)
        #expect(predictions(loaded.model, on: loaded.validation) == expected)

        // The whole project moves: the smaller model still finds its data and evaluates the same.
        let moved = root.appendingPathComponent("elsewhere/project-moved")
        try FileManager.default.createDirectory(at: moved.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: project, to: moved)
        let again = try ModelBundle.load(path: moved.appendingPathComponent("exports/run1/smaller").path)
        #expect(again.validation.count == 10)
        #expect(predictions(again.model, on: again.validation) == expected)
        #expect(evaluate(again.model, on: again.validation).accuracy == evaluate(bundle.model, on: bundle.validation).accuracy)
    }

    @Test func relativeDataPaths() {
        func rel(_ file: String, _ dir: String) -> String? {
            SmallerModelExport.relativePath(to: URL(fileURLWithPath: file), from: URL(fileURLWithPath: dir))
        }
        #expect(rel("/work/p/SampleModels/data/x.idx", "/work/p/out/smaller") == "../../SampleModels/data/x.idx")
        #expect(rel("/work/p/data/x.csv", "/work/p/data") == "x.csv")
        #expect(rel("/work/p/x.csv", "/work/p/a/b/c") == "../../../x.csv")
        #expect(rel("/work/p/data/x.csv", "/work/p/data/sub") == "../x.csv")
        // Nothing in common but the root: stays absolute (nil).
        #expect(rel("/work/p/data/x.csv", "/tmp/out/smaller") == nil)
    }

    @Test func smallerCNNAfterFilterPruning() throws {
        let model = PruningFixtures.tinyCNN()
        var rng = SeededRandom(seed: 2)
        let x = Tensor(shape: [5, 1, 6, 6], data: (0..<180).map { _ in rng.normal() })
        let session = PruningSession(model: model)
        try session.prune(PruneRequest(tensors: ["conv1.weight"], granularity: .filter, amount: .count(1)))
        let shrunk = try StructuralShrink.shrink(model)
        #expect(shrunk.model.parameter(named: "conv1.weight")?.value.shape == [2, 1, 3, 3])
        #expect(shrunk.model.parameter(named: "fc.weight")?.value.shape == [2, 8])
        let a = model.forward(x), b = shrunk.model.forward(x)
        #expect(zip(a.data, b.data).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    @Test func reportHasHistoryAndNamedFigures() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = try PruningFixtures.tinyMLP()
        let session = PruningSession(model: model)
        try session.prune(PruneRequest(amount: .sparsity(0.5)))
        let report = PruningReport(session: session, command: "prunescope prune tiny --sparsity 0.5", settings: ["seed": "0"])
        try report.write(to: dir)
        let md = try String(contentsOfFile: dir + "/report.md", encoding: .utf8)
        #expect(md.contains("Sparsity of prunable weights (zeros / total) | 0.00% | 50.00%"))
        #expect(md.contains("| 1 | prune |"))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/report.json"))) as? [String: Any]
        #expect((json?["history"] as? [Any])?.count == 2)
    }

    @Test func csrProductMatchesDense() throws {
        var rng = SeededRandom(seed: 8)
        var w = Tensor(shape: [5, 7], data: (0..<35).map { _ in rng.normal() })
        for i in stride(from: 0, to: 35, by: 3) { w.data[i] = 0 }
        let x = Tensor(shape: [4, 7], data: (0..<28).map { _ in rng.normal() })
        let bias = Tensor(shape: [5], data: [1, 2, 3, 4, 5])
        let m = SparseMatrix(dense: w)
        #expect(m.nonzeros == 35 - 12)
        let sparse = m.multiplyTransposed(x, bias: bias)
        let dense = Tensor.matmul(x, w, transposeB: true)
        for b in 0..<4 { for r in 0..<5 { #expect(abs(sparse[b, r] - dense[b, r] - bias.data[r]) < 1e-5) } }
        let model = PruningFixtures.mlp([7, 5, 3, 2])
        let session = PruningSession(model: model)
        try session.prune(PruneRequest(amount: .sparsity(0.6)))
        // Batched (feature-major chain) and single-sample paths both match the dense forward.
        let matrices = SparseInference.compress(model)
        for input in [x, Tensor(shape: [1, 7], data: Array(x.data[0..<7]))] {
            let a = model.forward(input), b = SparseInference.forward(model, input, matrices: matrices)
            #expect(a.shape == b.shape)
            #expect(zip(a.data, b.data).allSatisfy { abs($0 - $1) < 1e-5 })
        }
        #expect(SparseInference.measure(model, input: x, runs: 2).maxAbsDifference < 1e-5)
    }

    /// A cancelled export (the explorer's Esc or quit) stops within the
    /// inference timing and leaves the directory as it was: the previous set
    /// stays, nothing of the new one appears.
    @Test func aCancelledExportLeavesTheDirectoryAsItWas() throws {
        let bundle = try ModelBundle.load(path: packageRoot.appendingPathComponent("SampleModels/digits-mlp").path)
        let session = try PruningSession(model: bundle.model)
        let root = try makeTemporaryDirectory("cancelled-export")
        defer { try? FileManager.default.removeItem(at: root) }
        let dir = root.appendingPathComponent("out").path
        _ = try SessionExport.write(session: session, bundle: bundle, to: dir, command: "first", settings: [:])
        let before = try String(contentsOfFile: dir + "/report.md", encoding: .utf8)
        try session.prune(PruneRequest(scope: .global, amount: .sparsity(0.9)))
        // Cancelled once the inference timing has started (the model is pruned, so it is timed).
        var checks = 0
        #expect(throws: CancellationError.self) {
            _ = try SessionExport.write(session: session, bundle: bundle, to: dir, command: "second", settings: [:]) {
                checks += 1
                return checks > 3
            }
        }
        #expect(try String(contentsOfFile: dir + "/report.md", encoding: .utf8) == before)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: root.path)
        #expect(leftovers == ["out"])
    }
}
