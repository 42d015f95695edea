import Foundation

/// A model described in JSON (`model.json`): its layers in order with their
/// tensor names, the input shape, the weights file, the dataset and its
/// preprocessing, and the default training recipe.
///
/// Tensor names are the keys of the weights file, so a PyTorch `state_dict`
/// saved with safetensors loads as is (`fc1.weight`, or nn.Sequential's
/// `0.weight`). Paths are relative to the spec's directory. The format is
/// documented with examples in SampleModels/README.md.
public struct ModelSpec: Codable, Sendable, Equatable {
    /// Model name shown in the UI and reports, e.g. "lenet-300-100".
    public var name: String
    /// Optional one-line description.
    public var summary: String?
    /// Shape of one input sample, batch excluded: [784] or [1, 28, 28].
    public var inputShape: [Int]
    /// Layers in order.
    public var layers: [LayerSpec]
    /// The weights file, relative to the spec (`.safetensors`; `.npz` also reads).
    public var weights: String
    /// Where the data comes from and how it is prepared and split.
    public var dataset: DatasetSpec
    /// The recipe `prunescope train` uses unless overridden.
    public var training: TrainingConfig

    public init(
        name: String, summary: String? = nil, inputShape: [Int], layers: [LayerSpec],
        weights: String, dataset: DatasetSpec, training: TrainingConfig
    ) {
        self.name = name
        self.summary = summary
        self.inputShape = inputShape
        self.layers = layers
        self.weights = weights
        self.dataset = dataset
        self.training = training
    }

    /// Reads and decodes a spec file.
    /// - Throws: `ModelSpecError` naming the file.
    public static func read(path: String) throws -> ModelSpec {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ModelSpecError.notFound(path: path, problem: "no such file")
        }
        if let problem = FileKind.inputProblem(path) { throw ModelSpecError.unreadable(path: path, problem: problem) }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ModelSpecError.unreadable(path: path, problem: "the file could not be read")
        }
        let spec: ModelSpec
        do {
            spec = try JSONDecoder().decode(ModelSpec.self, from: data)
        } catch let error as DecodingError {
            if case let .dataCorrupted(context) = error, context.codingPath.isEmpty,
                (try? JSONSerialization.jsonObject(with: data)) != nil
            {
                // Valid JSON that the decoder rejects without a path: on Linux
                // this is a number that does not fit its field's type.
                throw ModelSpecError.invalid(
                    path: path,
                    problem: "a number does not fit its field (seeds and sizes are non-negative integers)")
            }
            throw ModelSpecError.invalid(path: path, problem: describe(error))
        } catch {
            throw ModelSpecError.invalid(path: path, problem: "not valid JSON")
        }
        try spec.validateRecipe(path: path)
        try spec.checkSizes(path: path)
        return spec
    }

    /// Checks the training recipe and split settings are usable.
    /// - Throws: `ModelSpecError.invalid` naming the field.
    public func validateRecipe(path: String) throws {
        if training.batchSize < 1 {
            throw ModelSpecError.invalid(path: path, problem: "training.batchSize must be at least 1, got \(training.batchSize)")
        }
        if training.epochs < 0 {
            throw ModelSpecError.invalid(path: path, problem: "training.epochs must not be negative, got \(training.epochs)")
        }
        if !(training.optimizer.learningRate > 0 && training.optimizer.learningRate.isFinite) {
            throw ModelSpecError.invalid(path: path, problem: "training.optimizer learningRate must be a positive number")
        }
        if let (field, problem) = training.optimizer.implausibleSetting {
            throw ModelSpecError.invalid(path: path, problem: "training.optimizer \(field): \(problem)")
        }
        if !(dataset.validationFraction >= 0 && dataset.validationFraction < 1) {
            throw ModelSpecError.invalid(
                path: path, problem: "dataset.validationFraction must be in [0, 1), got \(dataset.validationFraction)")
        }
    }

    /// Encodes the spec as pretty-printed JSON with sorted keys.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Builds the model with fresh PyTorch-default weights drawn from `seed`,
    /// checking that every layer accepts the previous one's output and that
    /// the last layer outputs one score per class.
    /// - Parameter path: the spec's path, for error messages.
    /// - Throws: `ModelSpecError.invalid` or `.layersDoNotChain`.
    public func makeModel(seed: UInt64, path: String) throws -> Model {
        guard !layers.isEmpty else { throw ModelSpecError.invalid(path: path, problem: "no layers") }
        // Before any layer allocates its weights.
        try checkSizes(path: path)
        var names = Set<String>()
        var tensors = Set<String>()
        var rng = SeededRandom(seed: seed)
        var built: [any Layer] = []
        var shape = inputShape
        for (index, spec) in layers.enumerated() {
            let layerName = spec.name ?? "\(spec.kind.rawValue)\(index)"
            guard names.insert(layerName).inserted else {
                throw ModelSpecError.invalid(path: path, problem: "two layers are named '\(layerName)'")
            }
            let layer = try spec.makeLayer(name: layerName, index: index, rng: &rng, path: path)
            for p in layer.parameters where !tensors.insert(p.name).inserted {
                throw ModelSpecError.invalid(path: path, problem: "tensor \"\(p.name)\" is named by two layers")
            }
            do {
                shape = try layer.outputShape(for: shape)
            } catch let error as LayerError {
                let problem: String
                switch error {
                case let .inputShape(_, kind, expected, got):
                    problem = "\(kind) expects input \(expected), gets \(got)"
                case let .kernelTooLarge(_, kernel, height, width):
                    problem = "kernel \(kernel)x\(kernel) does not fit the padded input \(height)x\(width)"
                default:
                    problem = "\(error)"
                }
                throw ModelSpecError.layersDoNotChain(path: path, layer: layerName, problem: problem)
            } catch {
                throw ModelSpecError.layersDoNotChain(path: path, layer: layerName, problem: "\(error)")
            }
            built.append(layer)
        }
        guard shape.count == 1, shape[0] >= 2 else {
            throw ModelSpecError.invalid(
                path: path,
                problem:
                    "the last layer '\(built[built.count - 1].name)' outputs \(shape); the model must end in a vector of at least 2 class scores"
            )
        }
        return Model(name: name, inputShape: inputShape, layers: built)
    }

    private static func describe(_ error: DecodingError) -> String { ErrorText.describe(error) }
}

/// One layer of a `ModelSpec`.
///
/// Only the fields of the layer's kind are used: dense needs `inFeatures`,
/// `outFeatures`; conv2d needs `inChannels`, `outChannels`, `kernelSize`
/// (`stride` 1 and `padding` 0 by default); maxpool2d needs `kernelSize`
/// (`stride` defaults to `kernelSize`); dropout needs `probability`.
/// `weight` and `bias` are tensor names in the weights file, by default
/// `<name>.weight` and `<name>.bias`; `"bias": false` means no bias.
public struct LayerSpec: Codable, Sendable, Equatable {
    public var kind: LayerKind
    /// Layer name; defaults to kind + position, e.g. "relu1".
    public var name: String?
    public var inFeatures: Int?
    public var outFeatures: Int?
    public var inChannels: Int?
    public var outChannels: Int?
    public var kernelSize: Int?
    public var stride: Int?
    public var padding: Int?
    /// Dropout probability in [0, 1).
    public var probability: Float?
    /// Weight tensor name.
    public var weight: String?
    /// Bias tensor name; `nil` with `hasBias == false` means no bias.
    public var bias: String?
    /// False when the layer has no bias (`"bias": false` in JSON).
    public var hasBias: Bool

    public init(
        kind: LayerKind, name: String?, inFeatures: Int? = nil, outFeatures: Int? = nil,
        inChannels: Int? = nil, outChannels: Int? = nil, kernelSize: Int? = nil,
        stride: Int? = nil, padding: Int? = nil, probability: Float? = nil,
        weight: String? = nil, bias: String? = nil, hasBias: Bool = true
    ) {
        self.kind = kind
        self.name = name
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.probability = probability
        self.weight = weight
        self.bias = bias
        self.hasBias = hasBias
    }

    private enum CodingKeys: String, CodingKey {
        case kind, name, inFeatures, outFeatures, inChannels, outChannels, kernelSize, stride, padding
        case probability, weight, bias
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decode(LayerKind.self, forKey: .kind)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        inFeatures = try c.decodeIfPresent(Int.self, forKey: .inFeatures)
        outFeatures = try c.decodeIfPresent(Int.self, forKey: .outFeatures)
        inChannels = try c.decodeIfPresent(Int.self, forKey: .inChannels)
        outChannels = try c.decodeIfPresent(Int.self, forKey: .outChannels)
        kernelSize = try c.decodeIfPresent(Int.self, forKey: .kernelSize)
        stride = try c.decodeIfPresent(Int.self, forKey: .stride)
        padding = try c.decodeIfPresent(Int.self, forKey: .padding)
        probability = try c.decodeIfPresent(Float.self, forKey: .probability)
        weight = try c.decodeIfPresent(String.self, forKey: .weight)
        if let flag = try? c.decodeIfPresent(Bool.self, forKey: .bias) {
            guard !flag else {
                throw DecodingError.dataCorruptedError(
                    forKey: .bias, in: c,
                    debugDescription: "give a tensor name, or false for no bias")
            }
            bias = nil
            hasBias = false
        } else {
            bias = try c.decodeIfPresent(String.self, forKey: .bias)
            hasBias = true
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        try c.encodeIfPresent(name, forKey: .name)
        try c.encodeIfPresent(inFeatures, forKey: .inFeatures)
        try c.encodeIfPresent(outFeatures, forKey: .outFeatures)
        try c.encodeIfPresent(inChannels, forKey: .inChannels)
        try c.encodeIfPresent(outChannels, forKey: .outChannels)
        try c.encodeIfPresent(kernelSize, forKey: .kernelSize)
        try c.encodeIfPresent(stride, forKey: .stride)
        try c.encodeIfPresent(padding, forKey: .padding)
        try c.encodeIfPresent(probability, forKey: .probability)
        try c.encodeIfPresent(weight, forKey: .weight)
        if hasBias { try c.encodeIfPresent(bias, forKey: .bias) } else { try c.encode(false, forKey: .bias) }
    }

    /// Builds the layer with fresh weights from `rng`.
    func makeLayer(name: String, index: Int, rng: inout SeededRandom, path: String) throws -> any Layer {
        func need(_ value: Int?, _ field: String, min: Int = 1) throws -> Int {
            guard let value else {
                throw ModelSpecError.invalid(path: path, problem: "layer '\(name)' (\(kind.rawValue)) needs \"\(field)\"")
            }
            guard value >= min else {
                throw ModelSpecError.invalid(path: path, problem: "layer '\(name)': \"\(field)\" must be at least \(min), got \(value)")
            }
            return value
        }
        let weightName = weight ?? "\(name).weight"
        let biasName = hasBias ? (bias ?? "\(name).bias") : nil
        switch kind {
        case .dense:
            return Dense(
                name: name, inFeatures: try need(inFeatures, "inFeatures"),
                outFeatures: try need(outFeatures, "outFeatures"),
                weightName: weightName, biasName: biasName, rng: &rng)
        case .conv2d:
            return Conv2D(
                name: name, inChannels: try need(inChannels, "inChannels"),
                outChannels: try need(outChannels, "outChannels"),
                kernelSize: try need(kernelSize, "kernelSize"),
                stride: try need(stride ?? 1, "stride"), padding: try need(padding ?? 0, "padding", min: 0),
                weightName: weightName, biasName: biasName, rng: &rng)
        case .maxpool2d:
            let k = try need(kernelSize, "kernelSize")
            return MaxPool2D(name: name, kernelSize: k, stride: try need(stride ?? k, "stride"))
        case .relu:
            return ReLU(name: name)
        case .tanh:
            return Tanh(name: name)
        case .flatten:
            return Flatten(name: name)
        case .dropout:
            guard let p = probability, p >= 0, p < 1 else {
                throw ModelSpecError.invalid(path: path, problem: "layer '\(name)' (dropout) needs \"probability\" in [0, 1)")
            }
            return Dropout(name: name, probability: p, seed: rng.next())
        }
    }
}
