import Testing

@testable import PruneKit

/// Every sparse format's product against the dense one: small cases worked
/// by hand, then seeded random matrices over sizes, sparsities, batches and
/// thread counts.
@Suite struct SparseKernelTests {
    /// `W xt (+ bias)` by the definition, in Double.
    private func reference(_ w: Tensor, _ xt: Tensor, bias: Tensor?) -> [Double] {
        let rows = w.shape[0], cols = w.shape[1], batch = xt.count / cols
        var out = [Double](repeating: 0, count: rows * batch)
        for r in 0..<rows {
            for s in 0..<batch {
                var sum = Double(bias?.data[r] ?? 0)
                for c in 0..<cols { sum += Double(w.data[r * cols + c]) * Double(xt.data[c * batch + s]) }
                out[r * batch + s] = sum
            }
        }
        return out
    }

    private func expectClose(_ got: Tensor, _ want: [Double], _ what: String) {
        #expect(got.count == want.count, "\(what): \(got.count) values, want \(want.count)")
        let worst = zip(got.data, want).map { abs(Double($0) - $1) / max(1, abs($1)) }.max() ?? 0
        #expect(worst < 1e-4, "\(what): relative error \(worst)")
    }

    @Test func csrByHand() {
        let w = Tensor(shape: [3, 3], data: [1, 0, 2, 0, 0, 0, 0, 3, 0])
        let m = SparseMatrix(dense: w)
        #expect(m.rowStart == [0, 2, 2, 3] && m.columns == [0, 2, 1] && m.values == [1, 2, 3])
        let x = Tensor(shape: [3, 1], data: [1, 2, 3])
        #expect(m.multiplyFeatureMajor(x).data == [7, 0, 6])
        #expect(m.multiplyFeatureMajor(x, bias: Tensor(shape: [3], data: [1, 1, 1])).data == [8, 1, 7])
        // Two samples, feature-major: columns are samples.
        let xt = Tensor(shape: [3, 2], data: [1, 10, 2, 20, 3, 30])
        #expect(m.multiplyFeatureMajor(xt).data == [7, 70, 0, 0, 6, 60])
    }

    @Test func twoOfFourByHand() throws {
        let w = Tensor(shape: [2, 8], data: [0, 5, 0, -1, 2, 0, 0, 0, 1, 1, 0, 0, 0, 0, 3, 4])
        let m = try #require(NMSparseMatrix(dense: w, n: 2, m: 4))
        #expect(m.slotsPerRow == 4)
        #expect(m.values == [5, -1, 2, 0, 1, 1, 3, 4])
        #expect(m.offsets == [1, 3, 0, 1, 0, 1, 2, 3])
        let x = Tensor(shape: [8, 1], data: [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(m.multiplyFeatureMajor(x).data == [16, 56])
        // Three non-zeros in a group of four, or a width not a multiple of 4: not 2:4.
        #expect(NMSparseMatrix(dense: Tensor(shape: [1, 4], data: [1, 1, 1, 0])) == nil)
        #expect(NMSparseMatrix(dense: Tensor(shape: [1, 6], data: [1, 0, 0, 0, 0, 0])) == nil)
    }

    @Test func blocksByHand() throws {
        // Columns 8 and 9 form a partial block, moved left to start at column 2.
        let w = Tensor(shape: [2, 10], data: [1, 0, 0, 0, 0, 0, 0, 0, 0, 2] + [0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        let m = try #require(BlockSparseMatrix(dense: w))
        #expect(m.blockStart == [0, 2, 2] && m.blockColumns == [0, 2])
        #expect(m.values == [1, 0, 0, 0, 0, 0, 0, 0] + [0, 0, 0, 0, 0, 0, 0, 2])
        let x = Tensor(shape: [10, 1], data: (1...10).map(Float.init))
        #expect(m.multiplyFeatureMajor(x, bias: Tensor(shape: [2], data: [0, 5])).data == [21, 5])
        #expect(BlockSparseMatrix(dense: Tensor(shape: [2, 7], repeating: 1)) == nil)
    }

    @Test func smallerDenseDropsZeroRowsAndColumns() {
        let w = Tensor(shape: [3, 4], data: [0, 1, 0, 2, 0, 0, 0, 0, 0, 3, 0, 4])
        let m = SmallerDenseWeights(dense: w)
        #expect(m.keptRows == [0, 2] && m.keptColumns == [1, 3] && m.values == [1, 2, 3, 4])
        let xt = Tensor(shape: [4, 2], data: [9, 9, 1, 2, 9, 9, 3, 4])
        #expect(m.multiplyFeatureMajor(xt, bias: Tensor(shape: [3], data: [1, 2, 3])).data == [8, 11, 2, 2, 18, 25])
    }

    /// A seeded `[rows, cols]` matrix with about `sparsity` of its entries zero;
    /// `twoOfFour` keeps the 2 largest of every 4 instead.
    private func matrix(_ rows: Int, _ cols: Int, sparsity: Double, twoOfFour: Bool, rng: inout SeededRandom) -> Tensor {
        var data = (0..<(rows * cols)).map { _ in rng.normal() }
        if twoOfFour {
            for g in stride(from: 0, to: data.count, by: 4) {
                let order = (g..<(g + 4)).sorted { abs(data[$0]) < abs(data[$1]) }
                data[order[0]] = 0
                data[order[1]] = 0
            }
        } else {
            for i in data.indices where Double(rng.nextUnitFloat()) < sparsity { data[i] = 0 }
        }
        return Tensor(shape: [rows, cols], data: data)
    }

    @Test(arguments: SparseFormat.allCases)
    func randomMatricesMatchTheDenseProduct(_ format: SparseFormat) throws {
        var rng = SeededRandom(seed: 12)
        let shapes = [(1, 8), (3, 16), (17, 40), (64, 100), (300, 784)]
        var checked = 0
        for (rows, cols) in shapes {
            for sparsity in format == .nm24 ? [0.5] : [0, 0.5, 0.9, 0.99, 1] {
                let w = matrix(rows, cols, sparsity: sparsity, twoOfFour: format == .nm24, rng: &rng)
                let kernel = try #require(format.kernel(for: w))
                let bias = Tensor(shape: [rows], data: (0..<rows).map { _ in rng.normal() })
                let batches = rows * cols > 10_000 ? [1, 9] : [1, 2, 7, 8, 9, 64, 65, 130]
                for batch in batches {
                    let xt = Tensor(shape: [cols, batch], data: (0..<(cols * batch)).map { _ in rng.uniform(-1, 1) })
                    let want = reference(w, xt, bias: bias)
                    for threads in [1, 2] {
                        let what = "\(format) \(rows)x\(cols) sparsity \(sparsity) batch \(batch) threads \(threads)"
                        expectClose(kernel.multiplyFeatureMajor(xt, bias: bias, threads: threads), want, what)
                        checked += 1
                    }
                    expectClose(kernel.multiplyFeatureMajor(xt), reference(w, xt, bias: nil), "\(format) without bias")
                }
            }
        }
        #expect(checked >= 20)
    }

    @Test func rowSplitAcrossThreadsGivesTheSameBits() {
        var rng = SeededRandom(seed: 3)
        let w = matrix(300, 784, sparsity: 0.9, twoOfFour: false, rng: &rng)
        let xt = Tensor(shape: [784, 64], data: (0..<(784 * 64)).map { _ in rng.uniform(0, 1) })
        for format in [SparseFormat.csr, .block8] {
            guard let kernel = format.kernel(for: w) else { continue }
            let one = kernel.multiplyFeatureMajor(xt, threads: 1)
            #expect(kernel.multiplyFeatureMajor(xt, threads: 2) == one)
            #expect(kernel.multiplyFeatureMajor(xt, threads: 3) == one)
        }
    }

    @Test func rowMajorProductTransposesAround() {
        var rng = SeededRandom(seed: 4)
        let w = matrix(5, 9, sparsity: 0.5, twoOfFour: false, rng: &rng)
        let x = Tensor(shape: [3, 9], data: (0..<27).map { _ in rng.normal() })
        let got = SparseMatrix(dense: w).multiplyTransposed(x)
        let want = Tensor.matmul(x, w, transposeB: true)
        #expect(got.shape == [3, 5])
        #expect(zip(got.data, want.data).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    /// Wide layers with many non-zeros per column run from column tiles
    /// copied out of the batch (see sparse_kernels.c): 600 and 517 columns
    /// are three tiles, the last partial; at 517 a row's last 1x8 block is
    /// moved left across a tile's edge. Same products, same bits for any
    /// row split (at 75 % one thread tiles, two halves do not).
    @Test(arguments: [SparseFormat.csr, .nm24, .block8])
    func columnTilesMatchTheDenseProduct(_ format: SparseFormat) throws {
        var rng = SeededRandom(seed: 21)
        for cols in [600, 517] where format != .nm24 || cols % 4 == 0 {
            for sparsity in [0.3, 0.75, 0.97] {
                let w = matrix(40, cols, sparsity: sparsity, twoOfFour: format == .nm24, rng: &rng)
                let kernel = try #require(format.kernel(for: w))
                let bias = Tensor(shape: [40], data: (0..<40).map { _ in rng.normal() })
                for batch in [32, 70, 72] {
                    let xt = Tensor(shape: [cols, batch], data: (0..<(cols * batch)).map { _ in rng.uniform(-1, 1) })
                    let one = kernel.multiplyFeatureMajor(xt, bias: bias, threads: 1)
                    expectClose(one, reference(w, xt, bias: bias), "\(format) 40x\(cols) \(sparsity) batch \(batch)")
                    #expect(kernel.multiplyFeatureMajor(xt, bias: bias, threads: 2) == one)
                    #expect(kernel.multiplyFeatureMajor(xt, bias: bias, threads: 3) == one)
                }
            }
        }
    }

    @Test func transposeMatchesTheDefinition() {
        var rng = SeededRandom(seed: 8)
        for (rows, cols) in [(256, 784), (13, 37), (8, 8), (9, 17), (1, 5), (64, 3), (72, 130)] {
            let x = Tensor(shape: [rows, cols], data: (0..<(rows * cols)).map { _ in rng.normal() })
            let t = transposed2D(x)
            #expect(t.shape == [cols, rows])
            var same = true
            for i in 0..<rows { for j in 0..<cols where t.data[j * rows + i] != x.data[i * cols + j] { same = false } }
            #expect(same, "\(rows)x\(cols)")
        }
    }
}
