import Foundation

/// Writes a physically smaller model (from `StructuralShrink`) as a model
/// directory: `model.json` + `weights.safetensors`, loadable with
/// `ModelBundle.load` and `prunescope eval`.
public enum SmallerModelExport {
    /// Writes `model` next to nothing else in `directory`, with a spec derived
    /// from `bundle.spec`: Dense/Conv2D sizes follow the new weight shapes,
    /// the weights file is `weights.safetensors`, and relative dataset paths
    /// are made absolute (resolved from the original spec's directory) so
    /// the spec still finds its data from its new place. Both files atomic.
    public static func write(_ model: Model, like bundle: ModelBundle, to directory: String) throws {
        var spec = bundle.spec
        guard spec.layers.count == model.layers.count else {
            throw PruningError(directory, "the smaller model has \(model.layers.count) layers, the spec \(spec.layers.count)")
        }
        for (i, layer) in model.layers.enumerated() {
            guard let w = layer.weight else { continue }
            let s = w.value.shape
            switch layer.kind {
            case "dense":
                spec.layers[i].outFeatures = s[0]
                spec.layers[i].inFeatures = s[1]
            case "conv2d":
                spec.layers[i].outChannels = s[0]
                spec.layers[i].inChannels = s[1]
            default:
                break
            }
        }
        spec.weights = "weights.safetensors"
        func absolute(_ p: String?) -> String? {
            guard let p, !p.hasPrefix("/") else { return p }
            return bundle.directory.appendingPathComponent(p).standardizedFileURL.path
        }
        spec.dataset.images = absolute(spec.dataset.images)
        spec.dataset.labels = absolute(spec.dataset.labels)
        spec.dataset.file = absolute(spec.dataset.file)
        spec.summary = (spec.summary.map { $0 + "; " } ?? "") + "structurally pruned by prunescope"
        let dir = URL(fileURLWithPath: directory)
        let entries = model.parameters.map { SafetensorsEntry(name: $0.name, tensor: $0.value) }
        try SafetensorsWriter.write(entries, metadata: ["format": "pt", "prunescope.model": spec.name],
                                    to: dir.appendingPathComponent("weights.safetensors").path)
        try AtomicFile.write([UInt8](try spec.encoded()), to: dir.appendingPathComponent("model.json").path)
    }
}
