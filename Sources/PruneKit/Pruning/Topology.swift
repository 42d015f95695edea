/// How the output units (neurons / filters) of one weight layer feed the next.
///
/// Structured pruning of unit `u` masks row `u` of `weight`, entry `u` of
/// `bias`, and in every row of `consumerWeight` (viewed as
/// `[rows, cols]`) the columns `u * consumerWidth ..< (u + 1) * consumerWidth`:
/// one column after a Dense, `kh * kw` after a Conv2D, `H * W` after a
/// Flatten of a conv output.
public struct UnitCoupling: Sendable, Equatable {
    /// Layer name (e.g. "fc1").
    public let layer: String
    /// Weight tensor name.
    public let weight: String
    /// Bias tensor name, if the layer has one.
    public let bias: String?
    /// Output units (rows of the weight).
    public let units: Int
    /// The next layer's weight tensor, if any (nil for the output layer).
    public let consumerWeight: String?
    /// Columns of the consumer's 2-D view per unit.
    public let consumerWidth: Int
}

/// The prunable structure of a model: which tensors are weights of Dense and
/// Conv2D layers, and how each layer's units feed the next weight layer.
public struct Topology: Sendable {
    /// Couplings of every layer with a rank >= 2 weight, in layer order.
    public let couplings: [UnitCoupling]

    /// Derives couplings from the model's layers and activation shapes.
    /// Parameter-free layers between two weight layers (activations,
    /// pooling, dropout, flatten) keep unit identity; a layer with parameters
    /// that is not a weight layer ends the chain (no coupling).
    public init(model: Model) {
        var out = [UnitCoupling]()
        let layers = model.layers
        for (i, layer) in layers.enumerated() {
            guard let w = layer.weight, w.value.rank >= 2 else { continue }
            let units = w.value.shape[0]
            var consumer: Parameter?
            var j = i + 1
            while j < layers.count {
                if let cw = layers[j].weight, cw.value.rank >= 2 { consumer = cw; break }
                if !layers[j].parameters.isEmpty { break }
                j += 1
            }
            var width = 0
            if let c = consumer {
                let cols = c.value.count / max(c.value.shape[0], 1)
                if units > 0, cols % units == 0 { width = cols / units } else { consumer = nil }
            }
            out.append(
                UnitCoupling(
                    layer: layer.name, weight: w.name, bias: layer.bias?.name,
                    units: units, consumerWeight: consumer?.name, consumerWidth: width))
        }
        couplings = out
    }

    /// The coupling whose weight is `tensor`.
    public func coupling(forWeight tensor: String) -> UnitCoupling? {
        couplings.first { $0.weight == tensor }
    }

    /// Default tensors to prune: the weights of Dense and Conv2D layers
    /// (every rank >= 2 weight). With `structured`, the output layer is left
    /// out, because removing its units would remove classes.
    public func defaultTensors(structured: Bool) -> [String] {
        couplings.filter { !structured || $0.consumerWeight != nil }.map(\.weight)
    }
}
