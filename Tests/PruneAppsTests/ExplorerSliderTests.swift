import Foundation
import PruneKit
import Testing

@testable import PruneApps
@testable import PruneTUI

/// The slider's fast path: masks moved through the sorted index, figures
/// from counts and heatmap pixels from counts equal what a full
/// recomputation over the whole layer gives, along many slider paths.
@Suite struct ExplorerSliderTests {
    typealias U = ExplorerUpdateTests

    /// Every tensor's preview mask and the figures, recomputed from scratch.
    static func expectMatchesRecomputation(_ m: ExplorerModel, _ note: String) throws {
        let planner = m.preview.planner
        let criterion = m.preview.criterion
        let names = m.layers.map(\.tensor)
        var expected = [String: Tensor]()
        if m.controls.scope == .global {
            let t = try planner.globalScoreIndex(for: names, criterion: criterion).threshold(forSparsity: m.preview.globalSlider.value)
            for name in names {
                let index = try planner.scoreIndex(for: name, criterion: criterion)
                let k = index.newlyPrunedCount(atThreshold: t)
                if k > 0 { expected[name] = index.mask(pruningLowest: k) }
            }
        } else {
            for name in names {
                let index = try planner.scoreIndex(for: name, criterion: criterion)
                let k = index.newlyPrunedCount(forSparsity: m.preview.sliders[name]?.value ?? 0)
                if k > 0 { expected[name] = index.mask(pruningLowest: k) }
            }
        }
        let shown = m.preview.preview.masks
        #expect(Set(shown.keys) == Set(expected.keys), "\(note)")
        for (name, mask) in expected {
            #expect(shown[name] == mask, "\(note): \(name)")
            #expect(m.preview.mask(for: name) == mask, "\(note): \(name)")
        }
        let measured = expected.isEmpty ? nil : ModelMetrics.measure(planner.previewModel(masks: expected))
        #expect(m.previewMetrics == measured, "\(note): figures")
        #expect(m.preview.evaluationMasks().materialized() == expected, "\(note): accuracy preview masks")
    }

    static let path: [Key] =
        Array(repeating: .right, count: 6) + Array(repeating: .shiftRight, count: 7) + Array(repeating: .left, count: 9)
        + [.end, .shiftLeft, .left, .home, .right, .shiftRight, .shiftLeft, .shiftLeft, .home, .right, .right]

    @Test(arguments: ["layer", "global"])
    func sliderMasksAndFiguresEqualTheFullRecomputation(scope: String) throws {
        var m = try U.model()
        if scope == "global" { U.press(&m, .char("g")) }
        for (i, key) in Self.path.enumerated() {
            U.press(&m, key)
            try Self.expectMatchesRecomputation(m, "\(scope) move \(i) \(key)")
        }
        // Another layer's slider, then back: each layer keeps its own cut.
        U.press(&m, .down, .right, .right, .up, .left)
        try Self.expectMatchesRecomputation(m, "\(scope) after switching layers")
    }

    /// Random scores rank the weights in no relation to |w|: zeros and rows
    /// die anywhere along the path.
    @Test func randomCriterionFollowsTheSameMasks() throws {
        var m = try U.model("digits-mlp")
        var controls = m.controls
        controls.criterion = .random
        m.setControls(controls, now: 0)
        for (i, key) in (Self.path + [.end, .end, .left]).enumerated() {
            U.press(&m, key)
            try Self.expectMatchesRecomputation(m, "random move \(i) \(key)")
        }
    }

    /// The histogram shades from its bin counts and the threshold alone
    /// (no pass over the weights per move); recounting the preview's mask
    /// per bin agrees: every bin shaded (and not holding ±t) is pruned
    /// whole, every bin not shaded keeps all its weights.
    @Test(arguments: ["layer", "global"])
    func histogramShadingFromBinCountsMatchesTheMask(scope: String) throws {
        var m = try U.model()
        if scope == "global" { U.press(&m, .char("g")) }
        let bins = 64
        for key in Array(repeating: Key.right, count: 12) + [.shiftLeft, .left, .end, .left, .home, .right] {
            U.press(&m, key)
            for layer in m.layers {
                let values = try #require(m.session.values(layer.tensor))
                let committed = m.session.mask(layer.tensor)
                let h = ExplorerModel.keptHistogram(values: values, mask: committed, bins: bins)
                guard let t = m.preview.threshold(for: layer.tensor), let mask = m.preview.mask(for: layer.tensor) else {
                    #expect(m.preview.mask(for: layer.tensor) == nil, "\(key) \(layer.name): a mask without a threshold")
                    continue
                }
                let shading = Histogram(counts: h.counts, range: h.range, thresholds: [-t, t], shading: .inside)
                let width = (h.range.upperBound - h.range.lowerBound) / Double(bins)
                var pruned = [Int](repeating: 0, count: bins), kept = [Int](repeating: 0, count: bins)
                for i in 0..<values.count where (committed?.data[i] ?? 1) != 0 {
                    let v = Double(values.data[i])
                    let bin = min(bins - 1, max(0, Int((v - h.range.lowerBound) / width)))
                    if mask.data[i] == 0 { pruned[bin] += 1 } else { kept[bin] += 1 }
                }
                // Bins 1..<bins-1 hold no clamped outliers; skip the ones holding -t or t.
                for bin in 1..<(bins - 1) {
                    let lo = h.range.lowerBound + Double(bin) * width, hi = lo + width
                    if (lo...hi).contains(t) || (lo...hi).contains(-t) { continue }
                    #expect(Double(pruned[bin] + kept[bin]) == h.counts[bin])
                    if shading.isPruned(lo + width / 2) {
                        #expect(kept[bin] == 0, "\(scope) \(key) \(layer.name) bin \(bin): shaded but keeps \(kept[bin])")
                    } else {
                        #expect(pruned[bin] == 0, "\(scope) \(key) \(layer.name) bin \(bin): not shaded but prunes \(pruned[bin])")
                    }
                }
            }
        }
    }

    /// A seeded matrix with exact zeros, NaN entries, a committed mask and ties.
    static func matrix(rows: Int, columns: Int) -> (values: Tensor, mask: Tensor) {
        var rng = SeededRandom(seed: UInt64(rows * 1000 + columns))
        var v = [Float](), mk = [Float]()
        for _ in 0..<(rows * columns) {
            let r = rng.nextUnitFloat()
            v.append(r < 0.05 ? 0 : r < 0.07 ? .nan : (Float(Int(r * 20)) / 20) * (rng.nextUnitFloat() < 0.5 ? -1 : 1))
            mk.append(rng.nextUnitFloat() < 0.1 ? 0 : 1)
        }
        var values = Tensor(shape: [rows, columns], data: v)
        for i in 0..<values.count where mk[i] == 0 { values.data[i] = 0 }
        return (values, Tensor(shape: [rows, columns], data: mk))
    }

    @Test(arguments: [(13, 29, 13, 29), (40, 50, 7, 11), (64, 100, 10, 37), (31, 17, 1, 1)])
    func heatmapCountsEqualThePixelsOfTheMask(rows: Int, columns: Int, height: Int, width: Int) {
        let (values, committed) = Self.matrix(rows: rows, columns: columns)
        let index = ScoreIndex(scores: values.data.map { $0.isNaN ? 0 : abs($0) }, shape: values.shape, mask: committed)
        let counts = PrunedPixelCounts(values: values, mask: committed, rows: rows, columns: columns, width: width, height: height)
        let n = index.order.count
        for k in [0, 1, n / 3, n, n / 2, 0, n - 1, 5, n] {
            counts.advance(to: k, order: index.order)
            let mask = index.mask(pruningLowest: k)
            let heat = Heatmap(values: values.data, rows: rows, columns: columns, mask: mask.data, aggregation: .fractionPruned)
            let expected = heat.pixels(width: width, height: height)
            let got = counts.pixels()
            #expect(got.count == expected.count)
            for (a, b) in zip(got, expected) {
                #expect(a == b || (a?.isNaN == true && b?.isNaN == true), "k = \(k)")
            }
        }
    }

    @Test func pixelOfEntryGroupsAsTheHeatmapDoes() {
        for (entries, pixels) in [(10, 3), (784, 80), (7, 7), (300, 64), (5, 1)] {
            let map = Heatmap.pixelOfEntry(entries: entries, pixels: pixels)
            for p in 0..<pixels {
                let e0 = p * entries / pixels, e1 = max(e0 + 1, (p + 1) * entries / pixels)
                #expect((e0..<min(e1, entries)).allSatisfy { map[$0] == Int32(p) })
            }
        }
    }
}
