/// Generates BERT-style safetensors checkpoints of a chosen size, for
/// benchmarks and demos of inspection mode.
///
/// Layout follows Hugging Face's BertModel names: embeddings (word,
/// position, token type, LayerNorm, I64 `position_ids`), `layers` encoder
/// layers (attention query/key/value/output dense + LayerNorm, intermediate
/// and output dense + LayerNorm) and a pooler. Hidden size 768 and
/// intermediate 3072 like BERT-base; the vocabulary and layer count are
/// chosen to reach the requested size. Weights are seeded normals x 0.02,
/// LayerNorm weights 1, biases small; the attention of the last layer is
/// stored as BF16 and the word embeddings as F16, so every float dtype is
/// exercised. Written tensor by tensor (memory stays at one tensor).
public enum CheckpointSynthesis {
    /// A hidden size for a checkpoint of about `approximateBytes` (with
    /// intermediate size 4x hidden): BERT-base's 768 when two encoder layers
    /// of it fit in three quarters of the bytes, else the largest of 512,
    /// 384, 256, 128 that does, else 64. Keeps small benchmark files
    /// BERT-shaped (several layers) instead of one oversized layer.
    public static func hiddenSize(approximateBytes: Int) -> Int {
        // One layer: 4 h x h attention matrices + 2 h x 4h dense, F32.
        for h in [768, 512, 384, 256, 128] where 2 * 48 * h * h <= approximateBytes * 3 / 4 { return h }
        return 64
    }

    /// The layout for about `approximateBytes` of tensor data: (name, shape, dtype).
    public static func bertLayout(
        approximateBytes: Int, hidden: Int = 768, intermediate: Int = 3072
    ) -> [(name: String, shape: [Int], dtype: DType)] {
        let layerBytes = (4 * hidden * hidden + 2 * hidden * intermediate) * 4
        let layers = max(1, min(24, approximateBytes * 3 / 4 / layerBytes))
        // The word embeddings (F16) take whatever the rest leaves.
        let rest = layout(vocab: 0, layers: layers, hidden: hidden, intermediate: intermediate)
            .reduce(0) { $0 + $1.shape.reduce(1, *) * $1.dtype.byteSize }
        let vocab = max(100, (approximateBytes - rest) / (hidden * 2))
        return layout(vocab: vocab, layers: layers, hidden: hidden, intermediate: intermediate)
    }

    private static func layout(vocab: Int, layers: Int, hidden: Int, intermediate: Int) -> [(name: String, shape: [Int], dtype: DType)] {
        var t: [(String, [Int], DType)] = [
            ("embeddings.word_embeddings.weight", [vocab, hidden], .F16),
            ("embeddings.position_embeddings.weight", [512, hidden], .F32),
            ("embeddings.token_type_embeddings.weight", [2, hidden], .F32),
            ("embeddings.LayerNorm.weight", [hidden], .F32),
            ("embeddings.LayerNorm.bias", [hidden], .F32),
            ("embeddings.position_ids", [1, 512], .I64),
        ]
        for l in 0..<layers {
            let p = "encoder.layer.\(l)."
            let attn: DType = l == layers - 1 ? .BF16 : .F32
            for (n, shape, dtype) in [
                ("attention.self.query", [hidden, hidden], attn), ("attention.self.key", [hidden, hidden], attn),
                ("attention.self.value", [hidden, hidden], attn), ("attention.output.dense", [hidden, hidden], DType.F32),
                ("intermediate.dense", [intermediate, hidden], .F32), ("output.dense", [hidden, intermediate], .F32),
            ] {
                t.append((p + n + ".weight", shape, dtype))
                t.append((p + n + ".bias", [shape[0]], dtype))
                if n == "attention.output.dense" || n == "output.dense" {
                    t.append((p + n.replacingOccurrences(of: "dense", with: "LayerNorm") + ".weight", [hidden], .F32))
                    t.append((p + n.replacingOccurrences(of: "dense", with: "LayerNorm") + ".bias", [hidden], .F32))
                }
            }
        }
        t.append(("pooler.dense.weight", [hidden, hidden], .F32))
        t.append(("pooler.dense.bias", [hidden], .F32))
        return t.map { (name: $0.0, shape: $0.1, dtype: $0.2) }
    }

    /// Writes a BERT-style checkpoint of about `approximateBytes` of tensor
    /// data to `path` (atomically) and returns its layout.
    @discardableResult
    public static func writeBERT(
        to path: String, approximateBytes: Int, hidden: Int = 768, intermediate: Int = 3072,
        seed: UInt64 = 0
    ) throws -> [(name: String, shape: [Int], dtype: DType)] {
        let layout = bertLayout(approximateBytes: approximateBytes, hidden: hidden, intermediate: intermediate)
        let header = try SafetensorsWriter.layoutHeader(
            layout.map { ($0.name, $0.dtype, $0.shape, $0.shape.reduce(1, *) * $0.dtype.byteSize) },
            metadata: ["format": "pt", "generator": "PruneScope CheckpointSynthesis, seed \(seed)"], path: path)
        var rng = SeededRandom(seed: seed)
        try AtomicFile.write(to: path) { sink in
            try sink.append(header)
            for (name, shape, dtype) in layout {
                let count = shape.reduce(1, *)
                if dtype == .I64 {
                    let ids = (0..<Int64(count)).map { $0.littleEndian }
                    try ids.withUnsafeBytes { try sink.append($0) }
                    continue
                }
                var values = [Float](repeating: 0, count: count)
                if name.contains("LayerNorm.weight") {
                    for i in 0..<count { values[i] = 1 }
                } else if name.hasSuffix(".bias") {
                    for i in 0..<count { values[i] = 0.01 * rng.normal() }
                } else {
                    for i in 0..<count { values[i] = 0.02 * rng.normal() }
                }
                try sink.append(try SafetensorsEntry(name: name, tensor: Tensor(shape: shape, data: values), dtype: dtype).bytes)
            }
        }
        return layout
    }
}
