import Testing

@testable import PruneKit

/// The decision grid of a two-input classifier: hand-worked classes, the
/// cell geometry, cancellation, the window and the way back to raw units.
@Suite struct DecisionGridTests {
    /// Logits (x0 - x1 + 0.25, 0): class 0 where x0 + 0.25 > x1, else class 1 (a tie goes to class 0).
    static func diagonal() throws -> Model {
        let fc = try Dense(
            name: "fc",
            weight: Parameter(name: "fc.weight", role: .weight, value: Tensor(shape: [2, 2], data: [1, -1, 0, 0])),
            bias: Parameter(name: "fc.bias", role: .bias, value: Tensor(shape: [2], data: [0.25, 0])))
        return Model(name: "diagonal", inputShape: [2], layers: [fc])
    }

    @Test func classesHandWorkedOnA4x4Grid() throws {
        // Centres: x = -0.75, -0.25, 0.25, 0.75 across; y = 0.75, 0.25, -0.25, -0.75 down.
        let grid = try #require(DecisionGrid.evaluate(try Self.diagonal(), columns: 4, rows: 4, x: -1...1, y: -1...1, batchSize: 3))
        // Row y = 0.75: x + 0.25 > 0.75 only at x = 0.75; row 0.25: x > 0; row -0.25: x > -0.5; row -0.75: all.
        let expected = [
            1, 1, 1, 0,
            1, 1, 0, 0,
            1, 0, 0, 0,
            0, 0, 0, 0,
        ]
        #expect(grid.classes == expected)
        #expect(grid.x(column: 0) == -0.75 && grid.y(row: 0) == 0.75 && grid.y(row: 3) == -0.75)
        #expect(grid[column: 3, row: 0] == 0 && grid[column: 0, row: 0] == 1)
    }

    /// Every point of an odd-sized grid against the model run on that point alone.
    @Test(arguments: [(1, 1), (3, 2), (7, 5), (40, 31)])
    func everyPointIsTheArgmaxAtItsCentre(columns: Int, rows: Int) throws {
        var rng = SeededRandom(seed: 3)
        let fc1 = Dense(name: "fc1", inFeatures: 2, outFeatures: 8, weightName: "a", biasName: "b", rng: &rng)
        let fc2 = Dense(name: "fc2", inFeatures: 8, outFeatures: 3, weightName: "c", biasName: "d", rng: &rng)
        let model = Model(name: "m", inputShape: [2], layers: [fc1, Tanh(name: "t"), fc2])
        let grid = try #require(DecisionGrid.evaluate(model, columns: columns, rows: rows, x: -2...3, y: -1...0.5, batchSize: 16))
        for r in 0..<rows {
            for c in 0..<columns {
                let logits = model.forward(Tensor(shape: [1, 2], data: [Float(grid.x(column: c)), Float(grid.y(row: r))]))
                #expect(grid[column: c, row: r] == argmaxRows(logits)[0], "column \(c), row \(r)")
            }
        }
        // A point maps back to the cell whose centre it is.
        for (c, r) in [(0, 0), (columns - 1, rows - 1), (columns / 2, rows / 2)] {
            #expect(grid.cell(x: grid.x(column: c), y: grid.y(row: r))! == (c, r))
        }
        #expect(grid.cell(x: 3.5, y: 0) == nil)
    }

    @Test func cancellingBetweenPassesGivesNothing() throws {
        var asked = 0
        let grid = DecisionGrid.evaluate(try Self.diagonal(), columns: 10, rows: 10, x: 0...1, y: 0...1, batchSize: 30) {
            asked += 1
            return asked > 2
        }
        #expect(grid == nil)
        #expect(asked == 3, "asked before each pass: two ran, the third was cancelled")
    }

    @Test func onlyTwoInputModelsHaveAGrid() throws {
        #expect(DecisionGrid.unsupportedReason(try Self.diagonal()) == nil)
        var rng = SeededRandom(seed: 1)
        let wide = Model(
            name: "lenet", inputShape: [784],
            layers: [Dense(name: "fc", inFeatures: 784, outFeatures: 2, weightName: "w", biasName: nil, rng: &rng)])
        #expect(DecisionGrid.unsupportedReason(wide) == "decision boundaries need a model with 2 inputs; lenet has 784")
    }

    /// The window holds every point with a margin, and a unit of x and of y take the same number of cells.
    @Test(arguments: [(10, 10), (43, 36), (111, 84), (5, 40)])
    func windowHoldsThePointsAtOneScale(columns: Int, rows: Int) {
        let points: [(Double, Double)] = [(-1.2, 0.5), (2, -3), (0.3, 1.1)]
        let w = DecisionGrid.window(containing: points, columns: columns, rows: rows)
        for (a, b) in points {
            #expect(w.x.lowerBound < a && a < w.x.upperBound && w.y.lowerBound < b && b < w.y.upperBound)
        }
        let unitsPerColumn = (w.x.upperBound - w.x.lowerBound) / Double(columns)
        let unitsPerRow = (w.y.upperBound - w.y.lowerBound) / Double(rows)
        #expect(abs(unitsPerColumn - unitsPerRow) < 1e-9 * unitsPerRow)
        // Tight along one axis: the data's extent plus 5 % of the larger extent (4.1) on each side.
        let tightX = abs((w.x.upperBound - w.x.lowerBound) - (3.2 + 2 * 0.205)) < 1e-9
        let tightY = abs((w.y.upperBound - w.y.lowerBound) - (4.1 + 2 * 0.205)) < 1e-9
        #expect(tightX || tightY)
    }

    /// rawValue undoes apply, per feature, for a fitted standardisation and a plain scale.
    @Test func rawValueInvertsTheNormalisation() throws {
        let data = Dataset(name: "d", inputs: Tensor(shape: [3, 2], data: [0, 10, 4, 30, 8, 20]), labels: [0, 1, 0], classCount: 2)
        for n in [Normalisation(divideBy: 2, standardise: true).fitted(on: data), Normalisation(divideBy: 255)] {
            let normalised = try n.apply(to: data)
            for i in 0..<6 {
                let back = n.rawValue(of: Double(normalised.inputs.data[i]), feature: i % 2)
                #expect(abs(back - Double(data.inputs.data[i])) < 1e-4, "\(n) entry \(i)")
            }
        }
    }
}
