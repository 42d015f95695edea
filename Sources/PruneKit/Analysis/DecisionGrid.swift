/// The class a two-input classifier predicts at every point of a regular
/// grid over a rectangle of its input space: a picture of its decision
/// regions.
///
/// Point (column c, row r) sits at the centre of its cell:
/// x = x.lower + (c + 0.5) * width / columns, and rows run from the top
/// (largest y) down, y = y.upper - (r + 0.5) * height / rows. The
/// coordinates are the model's own input units (after any normalisation
/// of the data).
public struct DecisionGrid: Sendable, Equatable {
    /// Points across (input 0).
    public let columns: Int
    /// Points down (input 1).
    public let rows: Int
    /// The range of input 0 the grid spans.
    public let x: ClosedRange<Double>
    /// The range of input 1 the grid spans.
    public let y: ClosedRange<Double>
    /// The predicted class (argmax of the logits) of each point, row-major, top row first.
    public let classes: [Int]

    /// A grid of precomputed classes (`columns * rows` of them).
    public init(columns: Int, rows: Int, x: ClosedRange<Double>, y: ClosedRange<Double>, classes: [Int]) {
        precondition(classes.count == columns * rows, "a \(columns)x\(rows) grid needs \(columns * rows) classes")
        self.columns = columns
        self.rows = rows
        self.x = x
        self.y = y
        self.classes = classes
    }

    /// Input 0 at the centre of column `c`.
    public func x(column c: Int) -> Double {
        x.lowerBound + (Double(c) + 0.5) * (x.upperBound - x.lowerBound) / Double(max(1, columns))
    }

    /// Input 1 at the centre of row `r` (row 0 at the top).
    public func y(row r: Int) -> Double {
        y.upperBound - (Double(r) + 0.5) * (y.upperBound - y.lowerBound) / Double(max(1, rows))
    }

    /// The class predicted at column `c`, row `r`.
    public subscript(column c: Int, row r: Int) -> Int { classes[r * columns + c] }

    /// The column and row whose cell holds the input point (x0, x1), or nil
    /// when it lies outside the grid.
    public func cell(x x0: Double, y x1: Double) -> (column: Int, row: Int)? {
        let w = x.upperBound - x.lowerBound, h = y.upperBound - y.lowerBound
        guard w > 0, h > 0, x.contains(x0), y.contains(x1) else { return nil }
        let c = min(columns - 1, Int((x0 - x.lowerBound) / w * Double(columns)))
        let r = min(rows - 1, Int((y.upperBound - x1) / h * Double(rows)))
        return (c, r)
    }

    /// Why `model` cannot have a decision grid, or nil when it can: the grid
    /// needs exactly two input values per sample.
    public static func unsupportedReason(_ model: Model) -> String? {
        let inputs = Tensor.elementCount(model.inputShape)
        return inputs == 2 ? nil : "decision boundaries need a model with 2 inputs; \(model.name) has \(inputs)"
    }

    /// Evaluates `model` (dropout off) at every point of a `columns` x `rows`
    /// grid over `x` x `y`, `batchSize` points per forward pass. Between
    /// passes `isCancelled` is asked; the answer nil means it said yes.
    ///
    /// Cost: one forward pass over `columns * rows` samples.
    /// - Precondition: the model takes two inputs (`unsupportedReason` is nil).
    public static func evaluate(
        _ model: Model, columns: Int, rows: Int, x: ClosedRange<Double>, y: ClosedRange<Double>, batchSize: Int = 2048,
        isCancelled: () -> Bool = { false }
    ) -> DecisionGrid? {
        precondition(unsupportedReason(model) == nil, unsupportedReason(model) ?? "")
        guard columns > 0, rows > 0 else { return DecisionGrid(columns: max(0, columns), rows: 0, x: x, y: y, classes: []) }
        let total = columns * rows
        let size = min(max(1, batchSize), SpecLimits.largestBatch(for: model))
        let dx = (x.upperBound - x.lowerBound) / Double(columns), dy = (y.upperBound - y.lowerBound) / Double(rows)
        var classes = [Int]()
        classes.reserveCapacity(total)
        var start = 0
        while start < total {
            if isCancelled() { return nil }
            let end = min(total, start + size)
            var inputs = [Float](repeating: 0, count: 2 * (end - start))
            for i in start..<end {
                inputs[2 * (i - start)] = Float(x.lowerBound + (Double(i % columns) + 0.5) * dx)
                inputs[2 * (i - start) + 1] = Float(y.upperBound - (Double(i / columns) + 0.5) * dy)
            }
            let logits = model.forward(Tensor(shape: [end - start] + model.inputShape, data: inputs), training: false)
            classes.append(contentsOf: argmaxRows(logits))
            start = end
        }
        return DecisionGrid(columns: columns, rows: rows, x: x, y: y, classes: classes)
    }

    /// The rectangle a grid of `columns` x `rows` square cells spans to show
    /// every point of `points` (pairs of input 0, input 1) with `margin` (a
    /// fraction of the larger extent) around them: the data's box, widened
    /// along one axis so a unit of input 0 and of input 1 take the same
    /// length on screen.
    public static func window(
        containing points: [(Double, Double)], columns: Int, rows: Int, margin: Double = 0.05
    ) -> (x: ClosedRange<Double>, y: ClosedRange<Double>) {
        guard let first = points.first else { return (-1...1, -1...1) }
        var lo = first, hi = first
        for (a, b) in points {
            lo = (min(lo.0, a), min(lo.1, b))
            hi = (max(hi.0, a), max(hi.1, b))
        }
        var w = hi.0 - lo.0, h = hi.1 - lo.1
        let pad = max(w, h, 1e-6) * margin
        w += 2 * pad
        h += 2 * pad
        let aspect = Double(max(1, columns)) / Double(max(1, rows))
        if w / h < aspect { w = h * aspect } else { h = w / aspect }
        let cx = (lo.0 + hi.0) / 2, cy = (lo.1 + hi.1) / 2
        return ((cx - w / 2)...(cx + w / 2), (cy - h / 2)...(cy + h / 2))
    }
}
