import Foundation
import Testing

@testable import PruneKit

/// Forward passes with Dense layers in each format, the per-layer format
/// choice, its cache, and the speed figures' arithmetic.
@Suite struct SparseInferenceTests {
    private func prunedMLP(_ sparsity: Double, granularity: Granularity = .unstructured) throws -> Model {
        let model = PruningFixtures.mlp([16, 24, 8, 4], seed: 5)
        let amount: Amount = if case .nOfM = granularity { .implied } else { .sparsity(sparsity) }
        try PruningSession(model: model).prune(PruneRequest(granularity: granularity, amount: amount))
        return model
    }

    private func input(batch: Int, seed: UInt64 = 6) -> Tensor {
        var rng = SeededRandom(seed: seed)
        return Tensor(shape: [batch, 16], data: (0..<(batch * 16)).map { _ in rng.normal() })
    }

    @Test(arguments: SparseFormat.allCases)
    func forwardInEveryFormatMatchesTheDenseModel(_ format: SparseFormat) throws {
        let model = try prunedMLP(0.5, granularity: format == .nm24 ? .nOfM(n: 2, m: 4) : .unstructured)
        var kernels = [String: any SparseKernel]()
        for layer in model.layers where layer.kind == .dense {
            if let w = layer.weight { kernels[w.name] = try #require(format.kernel(for: w.value)) }
        }
        for batch in [1, 3, 64] {
            let x = input(batch: batch)
            let want = model.forward(x), got = SparseInference.forward(model, x, plan: InferencePlan(kernels: kernels, threads: 2))
            #expect(got.shape == want.shape)
            #expect(zip(got.data, want.data).allSatisfy { abs($0 - $1) < 1e-4 }, "\(format) batch \(batch)")
        }
    }

    @Test func measurementNamesEveryDenseLayerAndMatchesTheDenseOutput() throws {
        let model = try prunedMLP(0.9)
        #expect(SparseInference.hasSparseDense(model))
        let cache = FormatCache()
        let timing = SparseInference.measure(model, input: input(batch: 8), runs: 3, threads: 1, cache: cache)
        #expect(timing.batch == 8 && timing.total.runs == 3 && timing.kernelThreads == 1)
        #expect(timing.layers.map(\.layer) == model.layers.filter { $0.kind == .dense }.map(\.name))
        #expect(timing.maxAbsDifference < 1e-4)
        #expect(timing.layers.allSatisfy { $0.candidates[.csr] != nil && $0.candidates[.dense] != nil })
        #expect(timing.total.denseSeconds > 0 && timing.total.sparseSeconds > 0)
        // The dense pass it was timed against is named, and survives JSON.
        #expect(timing.baseline != nil)
        let decoded = try JSONDecoder().decode(SparseInferenceTiming.self, from: JSONEncoder().encode(timing))
        #expect(decoded.baseline == timing.baseline)
        // The same weights again: every choice comes from the cache, unchanged.
        #expect(cache.count == 3)
        let again = SparseInference.measure(model, input: input(batch: 8, seed: 9), runs: 3, threads: 1, cache: cache)
        #expect(again.layers == timing.layers && cache.count == 3)
        // Other weights: new entries.
        try PruningSession(model: model).prune(PruneRequest(amount: .sparsity(0.95)))
        _ = SparseInference.measure(model, input: input(batch: 8), runs: 3, threads: 1, cache: cache)
        #expect(cache.count == 6)
    }

    @Test func fixedFormatIsUsedWhereItApplies() throws {
        let model = try prunedMLP(0.5, granularity: .nOfM(n: 2, m: 4))
        let timing = SparseInference.measure(model, input: input(batch: 4), runs: 2, policy: .fixed(.nm24), threads: 1)
        #expect(timing.layers.allSatisfy { $0.format == .nm24 })
        #expect(timing.formatSummary == "2:4")
        // Unstructured 50 % is not 2:4: those layers stay dense.
        let other = SparseInference.measure(try prunedMLP(0.5), input: input(batch: 4), runs: 2, policy: .fixed(.nm24), threads: 1)
        #expect(other.layers.allSatisfy { $0.format == .dense })
    }

    @Test func anUnprunedModelHasNothingToMeasure() {
        #expect(!SparseInference.hasSparseDense(PruningFixtures.mlp([16, 24, 8, 4], seed: 5)))
    }

    @Test func speedFigureIsTheMedianRatioWithHalfTheInterquartileRange() {
        let figure = SpeedFigure(dense: [2, 4, 6, 8], sparse: [1, 1, 1, 1])
        #expect(figure.speedup == 5 && figure.spread == 1.5 && figure.runs == 4)
        #expect(figure.denseSeconds == 5 && figure.sparseSeconds == 1)
        #expect(figure.summary == "5.0x ±1.5, 4 runs")
        #expect(SpeedFigure(dense: [3], sparse: [2]).summary == "1.5x ±0.0, 1 run")
    }

    @Test func reportShowsFormatAndSpreadPerLayerAndNothingUnmeasured() throws {
        let session = PruningSession(model: PruningFixtures.mlp([16, 24, 8, 4], seed: 5))
        #expect(!PruningReport(session: session, command: "c", settings: [:]).markdown().contains("Measured inference"))
        let figure = SpeedFigure(denseSeconds: 0.0002, sparseSeconds: 0.00005, speedup: 4.8, spread: 0.3, runs: 20)
        let layer = LayerFormatChoice(
            layer: "fc1", weight: "fc1.weight", format: .csr, weightSparsity: 0.95, figure: figure, candidates: [.csr: 0.00005])
        let timing = SparseInferenceTiming(
            batch: 1, total: figure, layers: [layer], maxAbsDifference: 0, blasThreads: 2, kernelThreads: 2)
        let md = PruningReport(session: session, command: "c", settings: [:], sparseInference: [timing]).markdown()
        #expect(md.contains("| 1 | 0.2000 ms | 0.0500 ms | csr | 4.8x ±0.3, 20 runs | 2 | 0.0 |"))
        #expect(md.contains("| fc1 | 1 | 95.00% | csr | 0.2000 ms | 0.0500 ms | 4.8x ±0.3, 20 runs |"))
        #expect(!md.contains("Whole passes tried"))
        // "auto"'s trials, when it timed any, are listed per batch.
        var auto = timing
        auto.trials = [
            PlanTrial(label: "per layer", formats: "csr+dense", figure: SpeedFigure(dense: [3], sparse: [2])),
            PlanTrial(label: "all csr", formats: "csr", figure: figure),
        ]
        let tried = PruningReport(session: session, command: "c", settings: [:], sparseInference: [auto]).markdown()
        #expect(tried.contains("Whole passes tried at batch 1: per layer (csr+dense) 1.50x, all csr (csr) 4.80x."))
    }

    private func figure(_ speedup: Double) -> SpeedFigure {
        SpeedFigure(denseSeconds: speedup, sparseSeconds: 1, speedup: speedup, spread: 0, runs: 5)
    }

    @Test func theFastestWholePassWinsAndNoneBelowOneX() {
        let trials = [1.2, 0.7, 1.5, 1.5].enumerated().map { PlanTrial(label: "t\($0)", formats: "csr", figure: figure($1)) }
        #expect(PlanTrial.winner(trials) == 2)  // the earlier of a tie
        #expect(PlanTrial.winner(Array(trials.prefix(2))) == 0)
        let slow = [0.9, 0.99].map { PlanTrial(label: "", formats: "csr", figure: figure($0)) }
        #expect(PlanTrial.winner(slow) == nil)
        #expect(PlanTrial.winner([]) == nil)
    }

    @Test func autoTimesTheMixBesideEachFormatEverywhereItApplies() {
        func layer(_ name: String, _ formats: [SparseFormat]) -> LayerMeasurement {
            let key = FormatCache.Key(weight: name, fingerprint: 0, batch: 1, threads: 1, policy: "fastest")
            return LayerMeasurement(
                layer: name, weight: name, weightSparsity: 0.9,
                figures: Dictionary(uniqueKeysWithValues: formats.map { ($0, figure(1.1)) }), runs: 5, key: key)
        }
        // fc3 has no 1x8 blocks (too few columns); no layer is 2:4.
        let measured = [layer("fc1", [.csr, .block8]), layer("fc2", [.csr, .block8]), layer("fc3", [.csr])]
        var timed = [[SparseFormat]]()
        // The mix loses as a whole pass; CSR everywhere wins.
        let speed: [[SparseFormat]: Double] = [
            [.csr, .dense, .csr]: 0.85, [.csr, .csr, .csr]: 1.3, [.block8, .block8, .dense]: 1.1,
        ]
        let picked = SparseInference.wholePassTrials(perLayer: [.csr, .dense, .csr], measured: measured) { formats in
            timed.append(formats)
            return figure(speed[formats] ?? 0)
        }
        #expect(timed == [[.csr, .dense, .csr], [.csr, .csr, .csr], [.block8, .block8, .dense]])
        #expect(picked.trials.map(\.label) == ["per layer", "all csr", "all block-1x8"])
        #expect(picked.trials.map(\.formats) == ["csr+dense", "csr", "block-1x8+dense"])
        #expect(picked.formats == [.csr, .csr, .csr])
        // A uniform plan equal to the mix is not timed twice.
        timed = []
        _ = SparseInference.wholePassTrials(perLayer: [.csr, .csr, .csr], measured: measured) { formats in
            timed.append(formats)
            return figure(0.5)
        }
        #expect(timed == [[.csr, .csr, .csr], [.block8, .block8, .dense]])
        // Nothing beats the dense pass: every layer dense.
        let none = SparseInference.wholePassTrials(perLayer: [.csr, .dense, .csr], measured: measured) { _ in figure(0.9) }
        #expect(none.formats == [.dense, .dense, .dense] && none.trials.count == 3)
    }

    @Test func autoKeepsTheWinningWholePassAndCachesIt() throws {
        let model = try prunedMLP(0.95)
        let cache = FormatCache()
        let timing = SparseInference.measure(model, input: input(batch: 4), runs: 3, threads: 1, cache: cache)
        let formats = timing.layers.map(\.format)
        if let trials = timing.trials {
            // The pass kept is the winner's, or dense throughout when none won.
            let expected = PlanTrial.winner(trials).map { trials[$0].formats } ?? "dense"
            #expect(timing.formatSummary == expected)
            #expect(trials.first?.label == "per layer")
        } else {
            #expect(formats.allSatisfy { $0 == .dense })
        }
        let again = SparseInference.measure(model, input: input(batch: 4), runs: 3, threads: 1, cache: cache)
        #expect(again.layers == timing.layers && again.trials == timing.trials)
        // A fixed format is not a whole-pass choice.
        #expect(SparseInference.measure(model, input: input(batch: 4), runs: 2, policy: .fixed(.csr), threads: 1).trials == nil)
    }

    @Test func aCancelledMeasurementStopsAndRemembersNothing() throws {
        let model = try prunedMLP(0.9)
        let cache = FormatCache()
        var asked = 0
        // Cancelled from the start: nothing is timed past the first run.
        #expect(
            SparseInference.measure(model, input: input(batch: 8), runs: 50, cache: cache) {
                asked += 1; return true
            } == nil)
        #expect(cache.count == 0 && asked >= 1)
        // Cancelled part-way (after the first layer's first format): nil, and the
        // layer measured whole before it is the only one cached.
        var calls = 0
        let partial = SparseInference.measure(model, input: input(batch: 8), runs: 3, threads: 1, cache: cache) {
            calls += 1
            return calls > 20
        }
        #expect(partial == nil)
        #expect(cache.count <= 1)
        // Never cancelled: the same as the plain call.
        let whole = SparseInference.measure(model, input: input(batch: 8), runs: 3, threads: 1, cache: cache) { false }
        #expect(whole?.layers.count == 3 && cache.count == 3)
    }
}
