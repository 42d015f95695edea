/// What `PrunedWeightsExport.write` did with each tensor.
public struct WeightsExportSummary: Codable, Sendable, Equatable {
    /// Tensors whose original bytes were copied unchanged (value bit-identical to the original file).
    public var copied: [String]
    /// Tensors written as F32 from the model's current values (pruned or retrained).
    public var rewritten: [String]
    /// Tensors of the original file that the model does not have, copied unchanged.
    public var passedThrough: [String]
}

/// Writes pruned weights and masks as plain safetensors.
public enum PrunedWeightsExport {
    /// Writes the model's weights with the zeros baked in, loadable by
    /// PyTorch's `load_state_dict` (plain names, no `_orig`/`_mask` pairs).
    ///
    /// With `original` (the file the model was loaded from), tensors keep
    /// that file's order; every tensor whose current value is bit-identical to
    /// the original's decoded value keeps its original bytes and dtype, and
    /// tensors the model does not use (buffers) are copied as they are. Other
    /// tensors are written as F32. The original metadata is kept, with
    /// `extraMetadata` added. Atomic (temporary file + rename).
    @discardableResult
    public static func write(
        model: Model, original: SafetensorsFile?, to path: String,
        extraMetadata: [String: String] = [:]
    ) throws -> WeightsExportSummary {
        var entries = [SafetensorsEntry]()
        var summary = WeightsExportSummary(copied: [], rewritten: [], passedThrough: [])
        var written = Set<String>()
        var metadata = original?.metadata ?? [:]
        for (k, v) in extraMetadata { metadata[k] = v }
        if let original {
            for info in original.tensors {
                written.insert(info.name)
                guard let p = model.parameter(named: info.name) else {
                    entries.append(
                        SafetensorsEntry(
                            name: info.name, dtype: info.dtype, shape: info.shape,
                            bytes: try original.rawBytes(named: info.name)))
                    summary.passedThrough.append(info.name)
                    continue
                }
                if info.dtype.isFloatingPoint, info.shape == p.value.shape,
                    let orig = try? original.floatTensor(named: info.name),
                    orig.data.elementsEqual(p.value.data, by: { $0.bitPattern == $1.bitPattern })
                {
                    entries.append(
                        SafetensorsEntry(
                            name: info.name, dtype: info.dtype, shape: info.shape,
                            bytes: try original.rawBytes(named: info.name)))
                    summary.copied.append(info.name)
                } else {
                    entries.append(SafetensorsEntry(name: info.name, tensor: p.value))
                    summary.rewritten.append(info.name)
                }
            }
        }
        for p in model.parameters where !written.contains(p.name) {
            entries.append(SafetensorsEntry(name: p.name, tensor: p.value))
            summary.rewritten.append(p.name)
        }
        try SafetensorsWriter.write(entries, metadata: metadata.isEmpty ? nil : metadata, to: path)
        return summary
    }

    /// Writes every mask as `<tensor>_mask`, dtype U8 (1 keep, 0 pruned),
    /// same shape as the tensor. PyTorch's
    /// `prune.custom_from_mask(module, "weight", mask)` accepts it (it
    /// multiplies the default mask by `mask.to(dtype)`). Tensors without a
    /// mask are left out. Returns the names written. Atomic.
    @discardableResult
    public static func writeMasks(model: Model, to path: String) throws -> [String] {
        let entries = maskEntries(model: model)
        try SafetensorsWriter.write(entries, metadata: ["format": "pt", "mask_convention": "1 keep, 0 pruned"], to: path)
        return entries.map(\.name)
    }

    /// The entries `writeMasks` writes: `<tensor>_mask`, U8, for every
    /// parameter with a mask (also what an evaluator receives).
    public static func maskEntries(model: Model) -> [SafetensorsEntry] {
        model.parameters.compactMap { p in p.mask.map { maskEntry(p.name, $0) } }
    }

    /// `masks` (by tensor name) as `writeMasks` writes them, in name order.
    public static func maskEntries(_ masks: [String: Tensor]) -> [SafetensorsEntry] {
        masks.keys.sorted().compactMap { name in masks[name].map { maskEntry(name, $0) } }
    }

    private static func maskEntry(_ name: String, _ mask: Tensor) -> SafetensorsEntry {
        SafetensorsEntry(name: name + "_mask", dtype: .U8, shape: mask.shape, bytes: mask.data.map { $0 == 0 ? 0 : 1 })
    }
}
