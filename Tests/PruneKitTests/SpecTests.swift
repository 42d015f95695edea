import Foundation
import Testing

@testable import PruneKit

/// The package root, found from this file.
let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

@Suite struct ModelSpecTests {
    @Test func layerSpecDecodesDefaultsAndNoBias() throws {
        let json = """
            {"kind": "dense", "name": "fc", "inFeatures": 3, "outFeatures": 2, "bias": false}
            """
        let spec = try JSONDecoder().decode(LayerSpec.self, from: Data(json.utf8))
        #expect(spec.hasBias == false && spec.bias == nil && spec.weight == nil)
        var rng = SeededRandom(seed: 1)
        let layer = try spec.makeLayer(name: "fc", index: 0, rng: &rng, path: "m.json")
        #expect(layer.parameters.map(\.name) == ["fc.weight"])
        // Round trip keeps "bias": false.
        let again = try JSONDecoder().decode(LayerSpec.self, from: JSONEncoder().encode(spec))
        #expect(again == spec)
    }

    func spec(layers: [LayerSpec], inputShape: [Int] = [4]) -> ModelSpec {
        ModelSpec(
            name: "t", inputShape: inputShape, layers: layers, weights: "w.safetensors",
            dataset: DatasetSpec(
                name: "xor", format: .synthetic, generator: .xor, count: 20,
                validationFraction: 0.25, splitSeed: 1),
            training: TrainingConfig(epochs: 1, batchSize: 4, optimizer: .sgd(learningRate: 0.1), seed: 3))
    }

    @Test func layersThatDoNotChainNameTheLayer() {
        let s = spec(layers: [
            LayerSpec(kind: .dense, name: "a", inFeatures: 4, outFeatures: 5),
            LayerSpec(kind: .relu, name: "r"),
            LayerSpec(kind: .dense, name: "b", inFeatures: 6, outFeatures: 2),
        ])
        do {
            _ = try s.makeModel(seed: 0, path: "/x/model.json")
            Issue.record("expected an error")
        } catch let error as ModelSpecError {
            guard case let .layersDoNotChain(path, layer, _) = error else { Issue.record("\(error)"); return }
            #expect(path == "/x/model.json" && layer == "b")
            #expect(!error.description.contains("\n"))
        } catch { Issue.record("\(error)") }
    }

    @Test func modelMustEndInClassScores() {
        let s = spec(layers: [LayerSpec(kind: .dense, name: "a", inFeatures: 4, outFeatures: 1)])
        #expect(throws: ModelSpecError.self) { try s.makeModel(seed: 0, path: "m.json") }
    }

    @Test func duplicateNamesAndMissingSizesAreInvalid() {
        let dup = spec(layers: [
            LayerSpec(kind: .dense, name: "a", inFeatures: 4, outFeatures: 4),
            LayerSpec(kind: .dense, name: "a", inFeatures: 4, outFeatures: 2),
        ])
        #expect(throws: ModelSpecError.invalid(path: "m.json", problem: "two layers are named 'a'")) {
            try dup.makeModel(seed: 0, path: "m.json")
        }
        let missing = spec(layers: [LayerSpec(kind: .dense, name: "a", inFeatures: 4)])
        #expect(throws: ModelSpecError.invalid(path: "m.json", problem: "layer 'a' (dense) needs \"outFeatures\"")) {
            try missing.makeModel(seed: 0, path: "m.json")
        }
    }

    @Test func decodingErrorsAreOneLineWithTheField() throws {
        let dir = try makeTemporaryDirectory("spec")
        let path = dir.appendingPathComponent("model.json").path
        try #"{"name": "x", "inputShape": [2], "layers": [{"kind": "dense"}]}"#.write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try ModelSpec.read(path: path)
            Issue.record("expected an error")
        } catch {
            let text = "\(error)"
            #expect(text.hasPrefix("\(path): invalid model spec: missing field \"weights\""))
            #expect(!text.contains("\n"))
        }
        try #"{"name": "x", "inputShape": [2], "layers": [{"kind": "conv3d"}]}"#.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: ModelSpecError.self) { try ModelSpec.read(path: path) }
        try "{ not json".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: ModelSpecError.invalid(path: path, problem: "not valid JSON")) { try ModelSpec.read(path: path) }
    }

    @Test func sameSeedSameInitialWeights() throws {
        let s = spec(layers: [
            LayerSpec(kind: .dense, name: "a", inFeatures: 4, outFeatures: 5),
            LayerSpec(kind: .tanh, name: "t"),
            LayerSpec(kind: .dense, name: "b", inFeatures: 5, outFeatures: 2),
        ])
        let m1 = try s.makeModel(seed: 9, path: "m"), m2 = try s.makeModel(seed: 9, path: "m")
        let m3 = try s.makeModel(seed: 10, path: "m")
        #expect(m1.parameters.map(\.value) == m2.parameters.map(\.value))
        #expect(m1.parameters.map(\.value) != m3.parameters.map(\.value))
        #expect(m1.parameters.map(\.name) == ["a.weight", "a.bias", "b.weight", "b.bias"])
    }
}

@Suite struct SampleModelSpecTests {
    static let models = ["lenet-300-100", "digits-mlp", "digits-cnn", "spirals-mlp"]

    @Test(arguments: models)
    func sampleModelLoads(name: String) throws {
        let bundle = try ModelBundle.load(path: packageRoot.appendingPathComponent("SampleModels/\(name)").path)
        #expect(bundle.spec.name == name)
        #expect(bundle.model.inputShape == bundle.spec.inputShape)
        #expect(bundle.train.sampleShape == bundle.spec.inputShape)
        #expect(bundle.validation.count > 0 && bundle.train.count > bundle.validation.count)
        let file = try SafetensorsFile(contentsOf: bundle.weightsURL.path)
        // Every parameter comes from the file, bit for bit.
        for p in bundle.model.parameters {
            #expect(try file.floatTensor(named: p.name) == p.value)
        }
        // The model is better than chance on its validation set.
        let e = evaluate(bundle.model, on: bundle.validation)
        #expect(e.accuracy > 0.9)
    }

    /// wide-mlp's weights are made by scripts/setup, not kept in git: its
    /// spec alone is checked here (no 11.6M-parameter model is built).
    @Test func wideMlpSpecHasOver10MParameters() throws {
        let spec = try ModelSpec.read(path: packageRoot.appendingPathComponent("SampleModels/wide-mlp/model.json").path)
        #expect(spec.name == "wide-mlp" && spec.dataset.name == "mnist5k" && spec.training.seed == 0)
        let parameters = spec.layers.reduce(0) { total, layer in
            guard layer.kind == .dense, let i = layer.inFeatures, let o = layer.outFeatures else { return total }
            return total + i * o + o
        }
        #expect(parameters == 11_626_506)
    }

    @Test func lenetDataIsMnist5kSplit80To20() throws {
        let bundle = try ModelBundle.load(path: packageRoot.appendingPathComponent("SampleModels/lenet-300-100/model.json").path)
        #expect(bundle.train.count == 4000 && bundle.validation.count == 1000)
        #expect(bundle.model.parameterCount == 266_610)
        #expect(bundle.train.inputs.data.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(bundle.train.classCount == 10)
    }
}
