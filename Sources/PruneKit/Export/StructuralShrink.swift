/// A physically smaller model with removed neurons/filters dropped.
public struct ShrunkModel {
    /// The smaller model (new Dense/Conv2D layers; other layers copied).
    public var model: Model
    /// Removed unit indices per layer name (only layers that lost units).
    public var removedUnits: [String: [Int]]
    /// Parameters before and after.
    public var parametersBefore: Int
    public var parametersAfter: Int
}

/// Removes output units whose contribution is exactly zero.
///
/// Unit `u` of a Dense/Conv2D layer is removed when the next weight layer's
/// input columns (or channels) for `u` are all exactly zero, so the unit's
/// output is multiplied by zero everywhere: dropping it, its weight row and
/// its bias entry, and those columns, leaves every output the same up to
/// floating-point summation order (the products removed are exact zeros).
/// Structured neuron/filter pruning makes exactly such units. At least one
/// unit per layer is kept. Masks are carried over, cut to the new shapes.
public enum StructuralShrink {
    public static func shrink(_ model: Model) throws -> ShrunkModel {
        let topology = Topology(model: model)
        // Units kept per layer (by layer name), from its consumer's zero columns.
        var keptUnits = [String: [Int]]()
        for c in topology.couplings {
            guard let cw = c.consumerWeight, let cp = model.parameter(named: cw) else { continue }
            let rows = cp.value.shape[0]
            let cols = cp.value.count / max(rows, 1)
            var kept = [Int]()
            cp.value.data.withUnsafeBufferPointer { v in
                for u in 0..<c.units {
                    var zero = true
                    outer: for r in 0..<rows {
                        for col in u * c.consumerWidth..<(u + 1) * c.consumerWidth where v[r * cols + col] != 0 {
                            zero = false
                            break outer
                        }
                    }
                    if !zero { kept.append(u) }
                }
            }
            if kept.isEmpty { kept = [0] }
            if kept.count < c.units { keptUnits[c.layer] = kept }
        }
        // Which layer feeds each consumer weight.
        var producerOf = [String: UnitCoupling]()
        for c in topology.couplings { if let cw = c.consumerWeight { producerOf[cw] = c } }

        var layers = [any Layer]()
        for layer in model.layers {
            guard let w = layer.weight, w.value.rank >= 2, layer.kind.hasPrunableWeight else {
                layers.append(layer.copy())
                continue
            }
            let rows = w.value.shape[0]
            let cols = w.value.count / max(rows, 1)
            let keepRows = keptUnits[layer.name] ?? Array(0..<rows)
            var keepCols = Array(0..<cols)
            var newIn = w.value.shape[1]
            if let prod = producerOf[w.name], let keptIn = keptUnits[prod.layer] {
                keepCols = keptIn.flatMap { u in Array(u * prod.consumerWidth..<(u + 1) * prod.consumerWidth) }
                newIn = keptIn.count
            }
            func cut(_ t: Tensor) -> Tensor {
                var out = [Float]()
                out.reserveCapacity(keepRows.count * keepCols.count)
                for r in keepRows { for c in keepCols { out.append(t.data[r * cols + c]) } }
                var shape = t.shape
                shape[0] = keepRows.count
                if layer.kind == .dense { shape[1] = keepCols.count } else { shape[1] = newIn }
                return Tensor(shape: shape, data: out)
            }
            let nw = Parameter(name: w.name, role: .weight, value: cut(w.value))
            nw.mask = w.mask.map(cut)
            var nb: Parameter?
            if let b = layer.bias {
                let p = Parameter(
                    name: b.name, role: .bias,
                    value: Tensor(shape: [keepRows.count], data: keepRows.map { b.value.data[$0] }))
                p.mask = b.mask.map { m in Tensor(shape: [keepRows.count], data: keepRows.map { m.data[$0] }) }
                nb = p
            }
            if let conv = layer as? Conv2D {
                layers.append(try Conv2D(name: conv.name, weight: nw, bias: nb, stride: conv.stride, padding: conv.padding))
            } else {
                layers.append(try Dense(name: layer.name, weight: nw, bias: nb))
            }
        }
        let small = Model(name: model.name, inputShape: model.inputShape, layers: layers)
        _ = try small.activationShapes()
        var removed = [String: [Int]]()
        for c in topology.couplings {
            if let kept = keptUnits[c.layer] { removed[c.layer] = Array(Set(0..<c.units).subtracting(kept)).sorted() }
        }
        return ShrunkModel(
            model: small, removedUnits: removed,
            parametersBefore: model.parameterCount, parametersAfter: small.parameterCount)
    }
}
