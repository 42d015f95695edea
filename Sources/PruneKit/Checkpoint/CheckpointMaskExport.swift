extension CheckpointPruning {
    /// Writes the masks `rules` describe as `<tensor>_mask` U8 tensors (1
    /// keep, 0 pruned), the file `prune` and the explorer write beside a
    /// spec model's export and what `torch.nn.utils.prune.custom_from_mask`
    /// takes. Each mask is computed, narrowed to one byte per element and
    /// its float form dropped before the next: peak memory is the U8 masks
    /// plus one tensor's float mask. Atomic. Returns the names written.
    @discardableResult
    public static func writeMasks(
        _ archive: any TensorArchive, rules: [String: CheckpointMaskRule], to path: String
    ) throws -> [String] {
        var entries = [SafetensorsEntry]()
        for name in rules.keys.sorted() {
            guard let rule = rules[name] else { continue }
            guard let info = archive.info(named: name) else { throw SafetensorsError.tensorNotFound(path: archive.path, name: name) }
            let mask = try archive.withRawBytes(named: name) { rule.mask(dtype: info.dtype, shape: info.shape, bytes: $0) }
            entries.append(PrunedWeightsExport.maskEntries([name: mask])[0])
        }
        try SafetensorsWriter.write(entries, metadata: ["format": "pt", "mask_convention": "1 keep, 0 pruned"], to: path)
        return entries.map(\.name)
    }

    /// Where the masks of a pruned checkpoint written to `path` go:
    /// `NAME.safetensors` -> `NAME.masks.safetensors`.
    public static func masksPath(beside path: String) -> String {
        let suffix = ".safetensors"
        let stem = path.hasSuffix(suffix) ? String(path.dropLast(suffix.count)) : path
        return stem + ".masks" + suffix
    }
}
