/// Counts for one tensor. "Zeros" are exactly-zero values (what a saved
/// file holds); "masked" are entries whose mask is 0 (always zeros too).
public struct TensorMetrics: Codable, Sendable, Equatable {
    /// Tensor name in the weights file.
    public var name: String
    /// Owning layer.
    public var layer: String
    public var shape: [Int]
    /// Elements.
    public var total: Int
    /// Exactly-zero elements.
    public var zeros: Int
    /// Elements whose mask is 0.
    public var masked: Int
    /// Whether the tensor is a prunable weight (Dense/Conv2D weight).
    public var prunable: Bool

    /// Non-zero elements.
    public var nonzero: Int { total - zeros }
    /// Fraction of zeros, zeros / total, in [0, 1].
    public var sparsity: Double { total == 0 ? 0 : Double(zeros) / Double(total) }
}

/// Per-layer figures for a Dense or Conv2D layer.
public struct LayerMetrics: Codable, Sendable, Equatable {
    public var name: String
    public var kind: LayerKind
    /// Elements of the layer's weight tensor.
    public var weightTotal: Int
    /// Exactly-zero elements of the weight.
    public var weightZeros: Int
    /// Output units (neurons of a Dense, filters of a Conv2D).
    public var units: Int
    /// Units whose weight row has at least one non-zero.
    public var unitsAlive: Int
    /// Multiply-accumulates per sample with every weight dense.
    public var denseMACs: Int
    /// Multiply-accumulates per sample counting non-zero weights only
    /// (denseMACs x weight density).
    public var remainingMACs: Int

    /// Sparsity of the layer's weight: zeros / total.
    public var weightSparsity: Double { weightTotal == 0 ? 0 : Double(weightZeros) / Double(weightTotal) }
}

/// A model's pruning figures, each named for exactly what it counts.
public struct ModelMetrics: Codable, Sendable, Equatable {
    public var tensors: [TensorMetrics]
    public var layers: [LayerMetrics]
    /// Elements of the prunable weights (Dense/Conv2D weights).
    public var prunableTotal: Int
    /// Exactly-zero elements of the prunable weights.
    public var prunableZeros: Int
    /// Elements of all parameters (weights and biases).
    public var parameterTotal: Int
    /// Exactly-zero elements of all parameters.
    public var parameterZeros: Int
    /// Per-sample MACs with dense weights, summed over Dense/Conv2D layers.
    public var denseMACs: Int
    /// Per-sample MACs counting non-zero weights only.
    public var remainingMACs: Int
    /// Validation accuracy in [0, 1], if evaluated.
    public var accuracy: Double?
    /// Mean validation cross-entropy loss, if evaluated.
    public var loss: Double?

    /// Sparsity of the prunable weights: zeros / total.
    public var prunableSparsity: Double { prunableTotal == 0 ? 0 : Double(prunableZeros) / Double(prunableTotal) }
    /// Sparsity of all parameters: zeros / total.
    public var parameterSparsity: Double { parameterTotal == 0 ? 0 : Double(parameterZeros) / Double(parameterTotal) }
    /// Non-zero elements among all parameters.
    public var parameterNonzero: Int { parameterTotal - parameterZeros }
    /// Compression ratio of all parameters: total / non-zero (Blalock et al.).
    public var compressionRatio: Double { parameterNonzero == 0 ? .infinity : Double(parameterTotal) / Double(parameterNonzero) }
    /// Dense FLOPs per sample (2 x MACs).
    public var denseFLOPs: Int { 2 * denseMACs }
    /// Remaining FLOPs per sample (2 x remaining MACs).
    public var remainingFLOPs: Int { 2 * remainingMACs }
    /// Theoretical speed-up: dense FLOPs / remaining FLOPs.
    public var theoreticalSpeedup: Double { remainingMACs == 0 ? .infinity : Double(denseMACs) / Double(remainingMACs) }

    /// Measures `model` (one pass over every parameter). `accuracy` and
    /// `loss` are attached as given (evaluate separately: it costs a forward pass).
    public static func measure(_ model: Model, accuracy: Double? = nil, loss: Double? = nil) -> ModelMetrics {
        measure(model, masks: [:], accuracy: accuracy, loss: loss)
    }

    /// Measures `model` as if `masks` (complete masks by tensor name) were
    /// applied, without copying it: the figures of
    /// `measure(model with masks applied)`, read in one pass.
    public static func measure(
        _ model: Model, masks: [String: Tensor], accuracy: Double? = nil, loss: Double? = nil
    ) -> ModelMetrics {
        let topology = Topology(model: model)
        let prunable = Set(topology.couplings.map(\.weight))
        var tensors = [TensorMetrics]()
        var layers = [LayerMetrics]()
        let shapes = (try? model.activationShapes()) ?? []
        for (i, layer) in model.layers.enumerated() {
            for p in layer.parameters {
                let overlay = masks[p.name]
                tensors.append(
                    TensorMetrics(
                        name: p.name, layer: layer.name, shape: p.value.shape,
                        total: p.value.count, zeros: zeroCount(p.value, mask: overlay),
                        masked: Mask.prunedCount(overlay ?? p.mask), prunable: prunable.contains(p.name)))
            }
            guard let w = layer.weight, prunable.contains(w.name) else { continue }
            let units = w.value.shape[0]
            let cols = units == 0 ? 0 : w.value.count / units
            var alive = 0
            let overlay = masks[w.name]?.data
            w.value.data.withUnsafeBufferPointer { v in
                for r in 0..<units {
                    for c in 0..<cols where v[r * cols + c] != 0 && (overlay?[r * cols + c] ?? 1) != 0 { alive += 1; break }
                }
            }
            let zeros = tensors.last { $0.name == w.name }?.zeros ?? 0
            let dense = i < shapes.count ? layer.denseMACs(for: shapes[i]) : 0
            let remaining =
                w.value.count == 0
                ? 0
                : Int((Double(dense) * Double(w.value.count - zeros) / Double(w.value.count)).rounded())
            layers.append(
                LayerMetrics(
                    name: layer.name, kind: layer.kind, weightTotal: w.value.count, weightZeros: zeros,
                    units: units, unitsAlive: alive, denseMACs: dense, remainingMACs: remaining))
        }
        let pt = tensors.filter(\.prunable)
        return ModelMetrics(
            tensors: tensors, layers: layers,
            prunableTotal: pt.reduce(0) { $0 + $1.total }, prunableZeros: pt.reduce(0) { $0 + $1.zeros },
            parameterTotal: tensors.reduce(0) { $0 + $1.total }, parameterZeros: tensors.reduce(0) { $0 + $1.zeros },
            denseMACs: layers.reduce(0) { $0 + $1.denseMACs }, remainingMACs: layers.reduce(0) { $0 + $1.remainingMACs },
            accuracy: accuracy, loss: loss)
    }
}

extension ModelMetrics {
    /// Exactly-zero entries of `values` once `mask` (if any) is applied.
    static func zeroCount(_ values: Tensor, mask: Tensor?) -> Int {
        guard let mask else { return Mask.zeroCount(values) }
        return values.data.withUnsafeBufferPointer { v in
            mask.data.withUnsafeBufferPointer { m in
                var n = 0
                for i in 0..<v.count { n &+= v[i] == 0 || m[i] == 0 ? 1 : 0 }
                return n
            }
        }
    }

    /// More elements of one weight tensor masked, in counts: what the
    /// figures need to follow a mask without a pass over the model.
    public struct MaskedChange: Sendable, Equatable {
        /// The weight tensor and its layer.
        public var tensor: String
        public var layer: String
        /// Elements masked in addition to the tensor's current mask.
        public var masked: Int
        /// Of those, how many were non-zero (the zeros the change adds).
        public var zeroed: Int
        /// Units (rows) with a non-zero weight left afterwards.
        public var unitsAlive: Int

        public init(tensor: String, layer: String, masked: Int, zeroed: Int, unitsAlive: Int) {
            self.tensor = tensor
            self.layer = layer
            self.masked = masked
            self.zeroed = zeroed
            self.unitsAlive = unitsAlive
        }
    }

    /// These figures with `changes` applied, accuracy and loss dropped (the
    /// masked model is not evaluated): equal to `measure` of the model with
    /// the masks applied, in O(tensors) instead of a pass over every weight.
    public func applying(_ changes: [MaskedChange]) -> ModelMetrics {
        var out = self
        out.accuracy = nil
        out.loss = nil
        for change in changes {
            if let t = out.tensors.firstIndex(where: { $0.name == change.tensor }) {
                out.tensors[t].masked += change.masked
                out.tensors[t].zeros += change.zeroed
            }
            if let l = out.layers.firstIndex(where: { $0.name == change.layer }) {
                var layer = out.layers[l]
                layer.weightZeros += change.zeroed
                layer.unitsAlive = change.unitsAlive
                layer.remainingMACs =
                    layer.weightTotal == 0
                    ? 0
                    : Int((Double(layer.denseMACs) * Double(layer.weightTotal - layer.weightZeros) / Double(layer.weightTotal)).rounded())
                out.layers[l] = layer
            }
        }
        let prunable = out.tensors.filter(\.prunable)
        out.prunableZeros = prunable.reduce(0) { $0 + $1.zeros }
        out.parameterZeros = out.tensors.reduce(0) { $0 + $1.zeros }
        out.remainingMACs = out.layers.reduce(0) { $0 + $1.remainingMACs }
        return out
    }
}
