/// What is pruned as one unit.
///
/// Tensors are viewed as 2-D `[rows, cols]` with `rows = shape[0]` (output
/// neurons of a Dense weight `[out, in]`, filters of a Conv2D weight
/// `[out_c, in_c, kh, kw]`) and `cols` the rest flattened (the input dimension).
public enum Granularity: Codable, Sendable, Equatable, CustomStringConvertible {
    /// Single weights.
    case unstructured
    /// N:M semi-structured sparsity: in every group of `m` consecutive
    /// weights along the input dimension at most `n` are kept (2:4 keeps 2 of
    /// every 4, 50 % sparsity). A trailing group shorter than `m` keeps at
    /// most `n` too. The amount is implied (1 - n/m), so requests with
    /// N:M take no amount.
    case nOfM(n: Int, m: Int)
    /// Whole output neurons (rows of a Dense weight). Also masks the neuron's
    /// bias entry and the matching input columns of the next layer.
    case neuron
    /// Whole conv filters (first dimension of a Conv2D weight). Also masks
    /// the filter's bias entry and the matching input channels of the next
    /// layer (or the matching columns after a Flatten).
    case filter
    /// Rectangular `rows x cols` blocks of the 2-D view; edge blocks may be smaller.
    case block(rows: Int, cols: Int)

    /// Whether a unit is a whole output slice (neuron or filter).
    public var isStructured: Bool {
        switch self {
        case .neuron, .filter: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .unstructured: "unstructured"
        case .nOfM(let n, let m): "\(n):\(m)"
        case .neuron: "neuron"
        case .filter: "filter"
        case .block(let r, let c): "block:\(r)x\(c)"
        }
    }

    /// Checks the parameters (N <= M, positive sizes).
    public func validate() throws {
        switch self {
        case .nOfM(let n, let m):
            guard m >= 1, n >= 0 else { throw PruningError("--granularity", "\(n):\(m) needs M >= 1 and N >= 0") }
            guard n <= m else { throw PruningError("--granularity", "\(n):\(m) keeps N = \(n) of every M = \(m), but N > M") }
        case .block(let r, let c):
            guard r >= 1, c >= 1 else { throw PruningError("--granularity", "block:\(r)x\(c) needs positive sizes") }
        default:
            break
        }
    }

    /// Parses `unstructured`, `2:4` / `n:m`, `neuron`, `filter`, `block:RxC`.
    public static func parse(_ text: String) throws -> Granularity {
        let t = text.lowercased()
        switch t {
        case "unstructured": return .unstructured
        case "neuron", "neurons": return .neuron
        case "filter", "filters", "channel": return .filter
        default: break
        }
        if t.hasPrefix("block:") {
            let dims = t.dropFirst(6).split(separator: "x")
            guard dims.count == 2, let r = Int(dims[0]), let c = Int(dims[1]) else {
                throw PruningError("--granularity", "'\(text)' is not block:RxC (e.g. block:4x4)")
            }
            let g = Granularity.block(rows: r, cols: c)
            try g.validate()
            return g
        }
        let parts = t.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count == 2, let n = Int(parts[0]), let m = Int(parts[1]) {
            let g = Granularity.nOfM(n: n, m: m)
            try g.validate()
            return g
        }
        throw PruningError("--granularity", "unknown granularity '\(text)' (unstructured, N:M, neuron, filter, block:RxC)")
    }
}

/// How a tensor's elements fall into multi-element units (neuron, filter, block).
struct UnitLayout {
    /// Element indices of each unit.
    let units: [[Int]]

    init(shape: [Int], granularity: Granularity) {
        let count = shape.reduce(1, *)
        let rows = shape.isEmpty ? 1 : shape[0]
        let cols = rows == 0 ? 0 : count / rows
        switch granularity {
        case .unstructured, .nOfM:
            // Single elements: callers rank elements directly (no per-element arrays).
            units = []
        case .neuron, .filter:
            units = (0..<rows).map { r in Array(r * cols..<(r + 1) * cols) }
        case .block(let br, let bc):
            var out = [[Int]]()
            var r0 = 0
            while r0 < rows {
                var c0 = 0
                while c0 < cols {
                    var unit = [Int]()
                    for r in r0..<min(r0 + br, rows) {
                        for c in c0..<min(c0 + bc, cols) { unit.append(r * cols + c) }
                    }
                    out.append(unit)
                    c0 += bc
                }
                r0 += br
            }
            units = out
        }
    }
}
