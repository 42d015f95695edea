import Foundation

/// Writes a physically smaller model (from `StructuralShrink`) as a model
/// directory: `model.json` + `weights.safetensors`, loadable with
/// `ModelBundle.load` and `prunescope eval`.
public enum SmallerModelExport {
    /// Writes `model` next to nothing else in `directory`, with a spec derived
    /// from `bundle.spec`: Dense/Conv2D sizes follow the new weight shapes,
    /// the weights file is `weights.safetensors`, and the dataset paths are
    /// rewritten so the new spec finds the same files from its new place.
    /// Both files atomic.
    ///
    /// A relative dataset path becomes relative to `directory` when the data
    /// and `directory` share a folder below the root (`../../data/x` when
    /// both are in one project folder or clone, which can then move as a
    /// whole); otherwise, and when the original spec gave an absolute path,
    /// the path is absolute.
    public static func write(_ model: Model, like bundle: ModelBundle, to directory: String) throws {
        var spec = bundle.spec
        guard spec.layers.count == model.layers.count else {
            throw PruningError(directory, "the smaller model has \(model.layers.count) layers, the spec \(spec.layers.count)")
        }
        for (i, layer) in model.layers.enumerated() {
            guard let w = layer.weight else { continue }
            let s = w.value.shape
            switch layer.kind {
            case .dense:
                spec.layers[i].outFeatures = s[0]
                spec.layers[i].inFeatures = s[1]
            case .conv2d:
                spec.layers[i].outChannels = s[0]
                spec.layers[i].inChannels = s[1]
            default:
                break
            }
        }
        spec.weights = "weights.safetensors"
        let newDirectory = URL(fileURLWithPath: directory).standardizedFileURL
        func relocated(_ p: String?) -> String? {
            guard let p, !p.hasPrefix("/") else { return p }
            let target = bundle.directory.appendingPathComponent(p).standardizedFileURL
            return relativePath(to: target, from: newDirectory) ?? target.path
        }
        spec.dataset.images = relocated(spec.dataset.images)
        spec.dataset.labels = relocated(spec.dataset.labels)
        spec.dataset.file = relocated(spec.dataset.file)
        spec.summary = (spec.summary.map { $0 + "; " } ?? "") + "structurally pruned by prunescope"
        let dir = URL(fileURLWithPath: directory)
        let entries = model.parameters.map { SafetensorsEntry(name: $0.name, tensor: $0.value) }
        try SafetensorsWriter.write(
            entries, metadata: ["format": "pt", "prunescope.model": spec.name],
            to: dir.appendingPathComponent("weights.safetensors").path)
        try AtomicFile.write([UInt8](try spec.encoded()), to: dir.appendingPathComponent("model.json").path)
    }

    /// `file` as a path relative to `directory` (both absolute and
    /// standardised), e.g. `../../data/x`; nil when they share nothing but
    /// the root. Resolving it the way specs are read (appended to the
    /// directory, then standardised) gives `file` back.
    static func relativePath(to file: URL, from directory: URL) -> String? {
        let to = file.pathComponents.filter { $0 != "/" }
        let from = directory.pathComponents.filter { $0 != "/" }
        var common = 0
        while common < min(to.count, from.count) && to[common] == from[common] { common += 1 }
        guard common > 0, common < to.count else { return nil }
        let relative = (Array(repeating: "..", count: from.count - common) + to[common...]).joined(separator: "/")
        guard directory.appendingPathComponent(relative).standardizedFileURL.path == file.path else { return nil }
        return relative
    }
}
