import Foundation
import Testing

@testable import PruneKit

/// Builds a tiny model directory (xor data, 2-3-2 dense net) for bundle tests.
func makeTinyModel(in dir: URL, layers: String? = nil, dataset: String? = nil) throws {
    let layerJSON =
        layers ?? """
            [{"kind": "dense", "name": "fc1", "inFeatures": 2, "outFeatures": 3},
             {"kind": "relu", "name": "relu1"},
             {"kind": "dense", "name": "fc2", "inFeatures": 3, "outFeatures": 2, "weight": "head.w", "bias": "head.b"}]
            """
    let datasetJSON =
        dataset ?? """
            {"name": "xor", "format": "synthetic", "generator": "xor", "count": 40, "noise": 0.05, "seed": 1,
             "validationFraction": 0.25, "splitSeed": 2}
            """
    let json = """
        {"name": "tiny", "inputShape": [2], "layers": \(layerJSON), "weights": "weights.safetensors",
         "dataset": \(datasetJSON),
         "training": {"epochs": 2, "batchSize": 8, "optimizer": {"sgd": {"learningRate": 0.1, "momentum": 0.9, "weightDecay": 0}}, "seed": 5}}
        """
    try json.write(to: dir.appendingPathComponent("model.json"), atomically: true, encoding: .utf8)
}

@Suite struct ModelBundleTests {
    @Test func initialiseWriteAndLoadRoundTrip() throws {
        let dir = try makeTemporaryDirectory("bundle")
        try makeTinyModel(in: dir)
        let fresh = try ModelBundle.initialise(path: dir.path, seed: 4)
        #expect(fresh.weightsURL.lastPathComponent == "weights.safetensors")
        try fresh.writeWeights(to: fresh.weightsURL.path)
        let file = try SafetensorsFile(contentsOf: fresh.weightsURL.path)
        #expect(file.tensors.map(\.name).sorted() == ["fc1.bias", "fc1.weight", "head.b", "head.w"])
        #expect(file.metadata["format"] == "pt")

        for path in [dir.path, dir.appendingPathComponent("model.json").path, fresh.weightsURL.path] {
            let loaded = try ModelBundle.load(path: path)
            #expect(loaded.model.parameters.map(\.value) == fresh.model.parameters.map(\.value))
            #expect(loaded.train.inputs == fresh.train.inputs && loaded.validation.labels == fresh.validation.labels)
        }
        #expect(fresh.train.count == 30 && fresh.validation.count == 10)
    }

    @Test func weightsFileBesideTheSpecReplacesTheSpecsWeights() throws {
        let dir = try makeTemporaryDirectory("bundle")
        try makeTinyModel(in: dir)
        let a = try ModelBundle.initialise(path: dir.path, seed: 1)
        let other = dir.appendingPathComponent("other.safetensors").path
        try a.writeWeights(to: other)
        let loaded = try ModelBundle.load(path: other)
        #expect(loaded.weightsURL.path == URL(fileURLWithPath: other).standardizedFileURL.path)
        #expect(loaded.model.parameters.map(\.value) == a.model.parameters.map(\.value))
    }

    @Test func missingTensorNamesTheWeightsFileAndTensor() throws {
        let dir = try makeTemporaryDirectory("bundle")
        try makeTinyModel(in: dir)
        let bundle = try ModelBundle.initialise(path: dir.path, seed: 1)
        let weights = bundle.weightsURL.path
        let kept = bundle.model.parameters.filter { $0.name != "head.b" }
        try SafetensorsWriter.write(kept.map { SafetensorsEntry(name: $0.name, tensor: $0.value) }, to: weights)
        #expect(throws: ModelSpecError.missingTensor(path: weights, tensor: "head.b", layer: "fc2")) {
            try ModelBundle.load(path: dir.path)
        }
    }

    @Test func shapeMismatchNamesTheTensor() throws {
        let dir = try makeTemporaryDirectory("bundle")
        try makeTinyModel(in: dir)
        let bundle = try ModelBundle.initialise(path: dir.path, seed: 1)
        let weights = bundle.weightsURL.path
        let entries = bundle.model.parameters.map { p in
            SafetensorsEntry(name: p.name, tensor: p.name == "fc1.weight" ? Tensor.zeros([2, 3]) : p.value)
        }
        try SafetensorsWriter.write(entries, to: weights)
        #expect(throws: ModelSpecError.shapeMismatch(path: weights, tensor: "fc1.weight", expected: [3, 2], found: [2, 3])) {
            try ModelBundle.load(path: dir.path)
        }
    }

    @Test func datasetShapeMustFitInputShape() throws {
        let dir = try makeTemporaryDirectory("bundle")
        try "x0,x1,x2,label\n1,2,3,0\n4,5,6,1\n1,1,1,1\n".write(to: dir.appendingPathComponent("d.csv"), atomically: true, encoding: .utf8)
        try makeTinyModel(
            in: dir,
            dataset: """
                {"name": "three", "format": "csv", "file": "d.csv", "validationFraction": 0.3, "splitSeed": 0}
                """)
        let spec = dir.appendingPathComponent("model.json").standardizedFileURL.path
        #expect(throws: ModelSpecError.datasetShape(path: spec, dataset: "three", inputShape: [2], sampleShape: [3])) {
            try ModelBundle.initialise(path: dir.path, seed: 0)
        }
    }

    @Test func labelsBeyondTheModelsOutputsNameTheDataFile() throws {
        let dir = try makeTemporaryDirectory("bundle")
        let csv = dir.appendingPathComponent("d.csv")
        try "x0,x1,label\n1,2,0\n4,5,1\n1,1,2\n".write(to: csv, atomically: true, encoding: .utf8)
        try makeTinyModel(
            in: dir,
            dataset: """
                {"name": "three", "format": "csv", "file": "d.csv", "validationFraction": 0.3, "splitSeed": 0}
                """)
        #expect(throws: DatasetError.csvLabelOutOfRange(path: csv.standardizedFileURL.path, line: 4, label: 2, classCount: 2)) {
            try ModelBundle.initialise(path: dir.path, seed: 0)
        }
    }

    @Test func locateExplainsWhatIsMissing() throws {
        let dir = try makeTemporaryDirectory("bundle")
        #expect(throws: ModelSpecError.notFound(path: dir.path, problem: "no model.json in this directory")) {
            try ModelBundle.locate(path: dir.path)
        }
        let nowhere = dir.appendingPathComponent("nope").path
        #expect(throws: ModelSpecError.notFound(path: nowhere, problem: "no such file or directory")) {
            try ModelBundle.load(path: nowhere)
        }
    }

    /// A PyTorch checkpoint saved in half precision, with buffers the spec
    /// does not name (as `state_dict()` includes), loads as is.
    @Test func halfPrecisionCheckpointWithExtraTensorsLoads() throws {
        let dir = try makeTemporaryDirectory("bundle")
        try makeTinyModel(in: dir)
        let bundle = try ModelBundle.initialise(path: dir.path, seed: 8)
        var entries = try bundle.model.parameters.map { try SafetensorsEntry(name: $0.name, tensor: $0.value, dtype: .F16) }
        entries.append(SafetensorsEntry(name: "bn.num_batches_tracked", dtype: .I64, shape: [], bytes: [UInt8](repeating: 0, count: 8)))
        try SafetensorsWriter.write(entries, metadata: ["format": "pt"], to: bundle.weightsURL.path)
        let loaded = try ModelBundle.load(path: dir.path)
        for (a, b) in zip(loaded.model.parameters, bundle.model.parameters) {
            #expect(a.value.shape == b.value.shape)
            for (x, y) in zip(a.value.data, b.value.data) { #expect(abs(x - y) <= 1e-3 * max(1, abs(y))) }
        }
    }
}
