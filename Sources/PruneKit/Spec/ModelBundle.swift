import Foundation

/// A model ready to use: its spec, its weights loaded into a `Model`, and
/// its data split into training and validation sets.
///
/// Load one with `load(path:)` (trained weights) or `initialise` (fresh
/// weights for training). The model is a reference type updated in place by
/// training and pruning; hand `model.copy()` to background work.
public final class ModelBundle {
    /// The decoded spec.
    public let spec: ModelSpec
    /// The spec file.
    public let specURL: URL
    /// The weights file (read by `load`, the default target of `writeWeights`).
    public let weightsURL: URL
    /// The network, with loaded or fresh weights.
    public let model: Model
    /// Training part of the data, normalised.
    public let train: Dataset
    /// Validation part of the data, normalised with the training statistics.
    public let validation: Dataset
    /// The range normalised inputs can take (attacks and noise are clipped to it).
    public let inputRange: InputRange
    /// The spec's normalisation as fitted on the training part (what maps a
    /// raw input to the one the model sees), nil when the data are used raw.
    public let normalisation: Normalisation?

    init(
        spec: ModelSpec, specURL: URL, weightsURL: URL, model: Model, train: Dataset, validation: Dataset,
        inputRange: InputRange, normalisation: Normalisation?
    ) {
        self.inputRange = inputRange
        self.spec = spec
        self.specURL = specURL
        self.weightsURL = weightsURL
        self.model = model
        self.train = train
        self.validation = validation
        self.normalisation = normalisation
    }

    /// The spec's directory; relative paths in the spec start here.
    public var directory: URL { specURL.deletingLastPathComponent() }

    /// Where the spec and weights of `path` are: a directory holding
    /// `model.json`, a spec `.json` file, or a weights file (`.safetensors`,
    /// `.npz`) with a `model.json` beside it, which then replaces the spec's
    /// weights file.
    /// - Throws: `ModelSpecError.notFound`, or `TensorArchiveError.pytorchCheckpoint`
    ///   for a legacy `torch.save` pickle (said before anything else is looked for).
    public static func locate(path: String) throws -> (spec: URL, weights: URL?) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ModelSpecError.notFound(path: path, problem: "no such file or directory")
        }
        let url = URL(fileURLWithPath: path).standardizedFileURL
        if isDirectory.boolValue {
            let spec = url.appendingPathComponent("model.json")
            guard FileManager.default.fileExists(atPath: spec.path) else {
                throw ModelSpecError.notFound(path: path, problem: "no model.json in this directory")
            }
            return (spec, nil)
        }
        if url.pathExtension.lowercased() == "json" { return (url, nil) }
        let spec = url.deletingLastPathComponent().appendingPathComponent("model.json")
        if PyTorchCheckpoint.detect(path: path) == .legacyPickle {
            throw TensorArchiveError.pytorchCheckpoint(path: path, kind: .legacyPickle)
        }
        guard FileManager.default.fileExists(atPath: spec.path) else {
            throw ModelSpecError.notFound(path: path, problem: "a weights file needs a model.json beside it to describe the model")
        }
        return (spec, url)
    }

    /// Loads a model with its weights and data from a directory, a spec, or
    /// a weights file with a `model.json` beside it (see `locate`).
    ///
    /// Checks the layers chain, every tensor the spec names exists with the
    /// shape the spec implies (extra tensors in the file are ignored), and
    /// the data fits the input shape and the number of classes.
    /// - Throws: `ModelSpecError`, `DatasetError` or the weights format's
    ///   own error (`SafetensorsError`, ...), each naming the file at fault.
    public static func load(path: String) throws -> ModelBundle {
        let (specURL, weightsOverride) = try locate(path: path)
        let spec = try ModelSpec.read(path: specURL.path)
        let weightsURL = weightsOverride ?? resolve(spec.weights, in: specURL.deletingLastPathComponent())
        let model = try spec.makeModel(seed: 0, path: specURL.path)
        try loadWeights(into: model, from: weightsURL.path)
        return try assemble(spec: spec, specURL: specURL, weightsURL: weightsURL, model: model)
    }

    /// A bundle with fresh PyTorch-default weights drawn from `seed` (for
    /// training), reading the spec at `path` (a directory, spec or weights
    /// file as in `load`). No weights file is read.
    public static func initialise(path: String, seed: UInt64) throws -> ModelBundle {
        let (specURL, weightsOverride) = try locate(path: path)
        let spec = try ModelSpec.read(path: specURL.path)
        return try initialise(spec: spec, specURL: specURL, seed: seed, weightsURL: weightsOverride)
    }

    /// A bundle with fresh weights drawn from `seed` for an in-memory spec.
    /// - Parameters:
    ///   - specURL: where the spec lives (relative data paths start in its directory).
    ///   - weightsURL: where weights go by default; the spec's `weights` when nil.
    public static func initialise(
        spec: ModelSpec, specURL: URL, seed: UInt64,
        weightsURL: URL? = nil
    ) throws -> ModelBundle {
        let model = try spec.makeModel(seed: seed, path: specURL.path)
        let weights = weightsURL ?? resolve(spec.weights, in: specURL.deletingLastPathComponent())
        return try assemble(spec: spec, specURL: specURL, weightsURL: weights, model: model)
    }

    /// Writes every parameter as F32 to a `.safetensors` file, atomically
    /// (temp file + rename), under the tensor names of the spec.
    /// Metadata records the model name and `format: pt` as PyTorch expects.
    public func writeWeights(to path: String) throws {
        let entries = model.parameters.map { SafetensorsEntry(name: $0.name, tensor: $0.value) }
        try SafetensorsWriter.write(entries, metadata: ["format": "pt", "prunescope.model": spec.name], to: path)
    }

    /// Copies the named tensors of the file at `path` into `model`'s parameters,
    /// refusing any that holds a NaN or an infinity.
    /// - Throws: the file format's error, or `ModelSpecError.missingTensor` /
    ///   `.shapeMismatch` / `.unusableTensor` naming the weights file and tensor.
    public static func loadWeights(into model: Model, from path: String) throws {
        let archive = try openTensorArchive(path: path)
        for layer in model.layers {
            for p in layer.parameters {
                guard let info = archive.info(named: p.name) else {
                    throw ModelSpecError.missingTensor(path: path, tensor: p.name, layer: layer.name)
                }
                guard info.shape == p.value.shape else {
                    throw ModelSpecError.shapeMismatch(path: path, tensor: p.name, expected: p.value.shape, found: info.shape)
                }
                guard info.dtype.isFloatingPoint else {
                    throw ModelSpecError.unusableTensor(
                        path: path, tensor: p.name,
                        problem: "dtype \(info.dtype) is not a floating-point type")
                }
                let value = try archive.floatTensor(named: p.name)
                if let problem = value.nonFiniteProblem {
                    throw ModelSpecError.unusableTensor(path: path, tensor: p.name, problem: problem)
                }
                p.value = value
            }
        }
    }

    private static func resolve(_ relative: String, in directory: URL) -> URL {
        relative.hasPrefix("/") ? URL(fileURLWithPath: relative) : directory.appendingPathComponent(relative).standardizedFileURL
    }

    private static func assemble(spec: ModelSpec, specURL: URL, weightsURL: URL, model: Model) throws -> ModelBundle {
        let outputs = try model.activationShapes().last ?? []
        let (train, validation, normalisation, inputRange) = try spec.dataset.loadNormalised(
            directory: specURL.deletingLastPathComponent(),
            sampleShape: spec.inputShape,
            classCount: outputs.first ?? 0,
            specPath: specURL.path)
        return ModelBundle(
            spec: spec, specURL: specURL, weightsURL: weightsURL, model: model,
            train: train, validation: validation, inputRange: inputRange, normalisation: normalisation)
    }
}
