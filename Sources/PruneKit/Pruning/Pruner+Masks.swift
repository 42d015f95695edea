/// Masks for global scope, N:M groups, and the couplings of removed units.
extension Pruner {
    /// PyTorch `global_unstructured`: one ranking over all tensors' unpruned entries.
    static func planGlobal(
        _ r: PruneRequest, params: [Parameter], scores: [[Float]],
        masks: inout [String: Tensor], newly: inout [String: Int]
    ) throws {
        let total = params.reduce(0) { $0 + $1.value.count }
        guard total < Int(UInt32.max) else {
            throw PruningError("--scope", "global ranking supports up to 2^32 elements, got \(total)")
        }
        var keys = [UInt64]()
        keys.reserveCapacity(total)
        var offsets = [Int]()
        var offset = 0
        for (p, s) in zip(params, scores) {
            offsets.append(offset)
            let m = p.mask?.data
            for i in 0..<s.count {
                if let m, m[i] == 0 { continue }
                let v = s[i] > 0 ? s[i] : 0
                keys.append(UInt64(v.bitPattern) << 32 | UInt64(offset + i))
            }
            offset += s.count
        }
        let pruned = total - keys.count
        let k: Int
        switch r.amount {
        case .fractionOfRemaining(let f): k = Int((f * Double(keys.count)).rounded(.toNearestOrEven))
        case .sparsity(let s): k = min(max(0, Int((s * Double(total)).rounded(.toNearestOrEven)) - pruned), keys.count)
        case .count(let n):
            guard n <= keys.count else {
                throw PruningError("--count", "cannot prune \(n) more weights: only \(keys.count) are unpruned")
            }
            k = n
        default: k = 0
        }
        keys.sort()
        var newMasks = params.map { $0.mask ?? Mask.ones($0.value.shape) }
        var counts = [Int](repeating: 0, count: params.count)
        for key in keys.prefix(k) {
            let flat = Int(key & 0xFFFF_FFFF)
            var t = offsets.count - 1
            while offsets[t] > flat { t -= 1 }
            newMasks[t].data[flat - offsets[t]] = 0
            counts[t] += 1
        }
        for (i, p) in params.enumerated() {
            masks[p.name] = newMasks[i]
            newly[p.name] = counts[i]
        }
    }

    /// N:M: in each group of `m` consecutive elements of a row keep at most `n`.
    static func nOfMMask(_ p: Parameter, scores: [Float], n: Int, m: Int) -> (Tensor, Int) {
        var mask = p.mask ?? Mask.ones(p.value.shape)
        let rows = p.value.rank == 0 ? 1 : p.value.shape[0]
        let cols = rows == 0 ? 0 : p.value.count / rows
        var pruned = 0
        for r in 0..<rows {
            var c0 = 0
            while c0 < cols {
                let end = min(c0 + m, cols)
                var alive = [(Float, Int)]()
                for c in c0..<end where mask.data[r * cols + c] != 0 { alive.append((scores[r * cols + c], r * cols + c)) }
                if alive.count > n {
                    alive.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
                    for (_, e) in alive.prefix(alive.count - n) { mask.data[e] = 0; pruned += 1 }
                }
                c0 = end
            }
        }
        return (mask, pruned)
    }

    /// Masks the biases and next-layer input columns of removed units.
    static func coupleUnits(
        _ units: [Int], coupling c: UnitCoupling, model: Model,
        masks: inout [String: Tensor], newly: inout [String: Int]
    ) throws {
        if let b = c.bias, let bp = model.parameter(named: b) {
            var mask = masks[b] ?? bp.mask ?? Mask.ones(bp.value.shape)
            var n = 0
            for u in units where mask.data[u] != 0 { mask.data[u] = 0; n += 1 }
            masks[b] = mask
            newly[b, default: 0] += n
        }
        if let cw = c.consumerWeight, let cp = model.parameter(named: cw) {
            var mask = masks[cw] ?? cp.mask ?? Mask.ones(cp.value.shape)
            let rows = cp.value.shape[0]
            let cols = cp.value.count / rows
            var n = 0
            for r in 0..<rows {
                for u in units {
                    for col in u * c.consumerWidth..<(u + 1) * c.consumerWidth where mask.data[r * cols + col] != 0 {
                        mask.data[r * cols + col] = 0
                        n += 1
                    }
                }
            }
            masks[cw] = mask
            newly[cw, default: 0] += n
        }
    }
}
