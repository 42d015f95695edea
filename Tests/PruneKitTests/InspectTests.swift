import Foundation
import Testing

@testable import PruneKit

/// A small BERT-style encoder checkpoint, built with the names and layouts
/// Hugging Face's BertModel saves (hidden 16, 2 layers, intermediate 32).
enum TinyBert {
    static let hidden = 16, intermediate = 32, vocab = 50, positions = 12, layers = 2

    /// (name, shape, dtype) in the order the file stores them.
    static var layout: [(String, [Int], DType)] {
        var t: [(String, [Int], DType)] = [
            ("embeddings.word_embeddings.weight", [vocab, hidden], .F16),
            ("embeddings.position_embeddings.weight", [positions, hidden], .F32),
            ("embeddings.token_type_embeddings.weight", [2, hidden], .F32),
            ("embeddings.LayerNorm.weight", [hidden], .F32),
            ("embeddings.LayerNorm.bias", [hidden], .F32),
            ("embeddings.position_ids", [1, positions], .I64),
        ]
        for l in 0..<layers {
            let p = "encoder.layer.\(l)."
            // Layer 1's attention is stored in BF16, layer 0's query in F16.
            let attn: DType = l == 1 ? .BF16 : .F32
            t += [
                (p + "attention.self.query.weight", [hidden, hidden], l == 0 ? .F16 : attn),
                (p + "attention.self.query.bias", [hidden], attn),
                (p + "attention.self.key.weight", [hidden, hidden], attn),
                (p + "attention.self.key.bias", [hidden], attn),
                (p + "attention.self.value.weight", [hidden, hidden], attn),
                (p + "attention.self.value.bias", [hidden], attn),
                (p + "attention.output.dense.weight", [hidden, hidden], .F32),
                (p + "attention.output.dense.bias", [hidden], .F32),
                (p + "attention.output.LayerNorm.weight", [hidden], .F32),
                (p + "attention.output.LayerNorm.bias", [hidden], .F32),
                (p + "intermediate.dense.weight", [intermediate, hidden], .F32),
                (p + "intermediate.dense.bias", [intermediate], .F32),
                (p + "output.dense.weight", [hidden, intermediate], .F32),
                (p + "output.dense.bias", [hidden], .F32),
                (p + "output.LayerNorm.weight", [hidden], .F32),
                (p + "output.LayerNorm.bias", [hidden], .F32),
            ]
        }
        t += [("pooler.dense.weight", [hidden, hidden], .F32), ("pooler.dense.bias", [hidden], .F32)]
        return t
    }

    /// The prunable tensors under the default rules.
    static var defaultPrunable: [String] {
        layout.map(\.0).filter {
            $0.hasSuffix(".weight") && !$0.contains("LayerNorm") && !$0.contains("embeddings")
        }
    }

    /// Writes the checkpoint with seeded values; returns the values as Float32
    /// (as stored, i.e. after F16/BF16 rounding).
    @discardableResult
    static func write(to path: String, seed: UInt64 = 7) throws -> [String: Tensor] {
        var rng = SeededRandom(seed: seed)
        var entries: [SafetensorsEntry] = []
        var values: [String: Tensor] = [:]
        for (name, shape, dtype) in layout {
            let n = shape.reduce(1, *)
            if dtype == .I64 {
                let ids = (0..<Int64(n)).map { $0 }
                entries.append(SafetensorsEntry(name: name, dtype: .I64, shape: shape, bytes: ids.withUnsafeBytes { [UInt8]($0) }))
                values[name] = Tensor(shape: shape, data: ids.map(Float.init))
                continue
            }
            var data: [Float]
            if name.contains("LayerNorm.weight") {
                data = (0..<n).map { _ in 1 + 0.1 * (rng.nextUnitFloat() - 0.5) }
            } else if name.hasSuffix("bias") {
                data = (0..<n).map { _ in 0.02 * (rng.nextUnitFloat() - 0.5) }
            } else {
                data = (0..<n).map { _ in rng.nextUnitFloat() * 2 - 1 }
            }
            if name == "pooler.dense.bias" { data = [Float](repeating: 0, count: n) }
            let entry = try SafetensorsEntry(name: name, tensor: Tensor(shape: shape, data: data), dtype: dtype)
            entries.append(entry)
            values[name] = ElementDecoding.tensor(dtype, shape: shape, from: entry.bytes.withUnsafeBytes { UnsafeRawBufferPointer($0) })
        }
        try SafetensorsWriter.write(entries, metadata: ["format": "pt", "model": "tiny-bert"], to: path)
        return values
    }
}

@Suite struct InspectTests {
    @Test func statisticsMatchADirectComputation() throws {
        let dir = TempDir()
        let path = dir.file("bert.safetensors")
        let values = try TinyBert.write(to: path)
        let archive = try openTensorArchive(path: path)
        let inspection = try CheckpointInspector.inspect(archive, bins: 8)
        #expect(inspection.entries.count == TinyBert.layout.count)
        #expect(inspection.entries.map(\.info.name) == TinyBert.layout.map(\.0))
        #expect(inspection.metadata["model"] == "tiny-bert")
        for entry in inspection.entries {
            let v = try #require(values[entry.info.name]).data
            let s = entry.statistics
            let mean = v.reduce(0.0) { $0 + Double($1) } / Double(v.count)
            let variance = v.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(v.count)
            #expect(s.count == v.count)
            #expect(s.min == v.min() && s.max == v.max(), "\(entry.info.name)")
            #expect(abs(s.mean - mean) < 1e-5, "\(entry.info.name)")
            #expect(abs(s.std - variance.squareRoot()) < 1e-5, "\(entry.info.name)")
            #expect(s.zeroCount == v.filter { $0 == 0 }.count)
            #expect(s.histogram.total == v.count && s.magnitudeHistogram.total == v.count)
            #expect(s.histogram.counts.count == 8)
        }
        let ids = try #require(inspection.entry(named: "embeddings.position_ids"))
        #expect(ids.info.dtype == .I64 && ids.statistics.min == 0 && ids.statistics.max == 11 && ids.statistics.zeroCount == 1)
        let bias = try #require(inspection.entry(named: "pooler.dense.bias"))
        #expect(bias.statistics.zeroFraction == 1)
        #expect(inspection.entry(named: "encoder.layer.1.attention.self.key.weight")?.info.dtype == .BF16)
        #expect(inspection.entry(named: "embeddings.word_embeddings.weight")?.info.dtype == .F16)
        #expect(inspection.totalElements == values.values.reduce(0) { $0 + $1.count })
    }

    @Test func splittingTensorsAcrossThreadsGivesTheSameFigures() throws {
        let dir = TempDir()
        let path = dir.file("bert.safetensors")
        try TinyBert.write(to: path)
        let archive = try openTensorArchive(path: path)
        let whole = try CheckpointInspector.inspect(archive, threads: 1)
        // Parts of 100 elements: every tensor of 100+ elements split, merged in order.
        let split = try CheckpointInspector.inspect(archive, threads: 2, partElements: 100)
        let again = try CheckpointInspector.inspect(archive, threads: 2, partElements: 100)
        for (a, b) in zip(whole.entries, split.entries) {
            #expect(a.info == b.info)
            let x = a.statistics, y = b.statistics
            #expect(x.count == y.count && x.min == y.min && x.max == y.max && x.zeroCount == y.zeroCount)
            #expect(x.histogram == y.histogram && x.distribution == y.distribution)
            #expect(abs(x.mean - y.mean) < 1e-6 && abs(x.std - y.std) < 1e-6)
        }
        #expect(split.entries == again.entries)
    }

    @Test func histogramCountsEachValueInItsBin() {
        // 0, 1, ..., 9 over 5 bins of width 1.8: [0,1.8) [1.8,3.6) [3.6,5.4) [5.4,7.2) [7.2,9]
        let s = TensorStatistics.of(Tensor(shape: [10], data: (0..<10).map(Float.init)), bins: 5)
        #expect(s.histogram.counts == [2, 2, 2, 2, 2])
        #expect(s.min == 0 && s.max == 9 && s.mean == 4.5)
        #expect(abs(s.std - 8.25.squareRoot()) < 1e-9)
        let m = TensorStatistics.of(Tensor(shape: [4], data: [-4, -1, 1, 2]), bins: 4)
        #expect(m.magnitudeHistogram.upper == 4 && m.magnitudeHistogram.counts == [0, 2, 1, 1])
        #expect(m.histogram.counts == [1, 0, 1, 2])
        let withNaN = TensorStatistics.of(Tensor(shape: [4], data: [.nan, 1, 3, .infinity]))
        #expect(withNaN.nonFiniteCount == 2 && withNaN.count == 4)
        #expect(withNaN.min == 1 && withNaN.max == 3 && abs(withNaN.mean - 2) < 0.02)
        // Powers of two are exact in bfloat16: log10 |w| = -2.41, -1.20, 0, 1.20, 1.20.
        let logs = TensorStatistics.of(Tensor(shape: [6], data: [0, 1.0 / 256, -1.0 / 16, 1, 16, -16]), bins: 4)
            .distribution.logMagnitudeHistogram(bins: 4)
        #expect(abs(logs.lower - log10(1.0 / 256)) < 1e-5 && abs(logs.upper - log10(16)) < 1e-5)
        #expect(logs.counts == [1, 1, 1, 2])
        #expect(abs(s.distribution.quantile(0.5) - 4) <= 1)
        let empty = TensorStatistics.of(Tensor(shape: [0], data: []))
        #expect(empty.count == 0 && empty.zeroFraction == 0 && empty.mean == 0)
    }

    @Test func defaultPrunableSetAndExplanations() throws {
        let dir = TempDir()
        let path = dir.file("bert.safetensors")
        try TinyBert.write(to: path)
        let archive = try openTensorArchive(path: path)
        let rules = PrunableRules.default
        #expect(rules.prunable(archive.tensors).map(\.name) == TinyBert.defaultPrunable)
        #expect(TinyBert.defaultPrunable.count == 2 * 6 + 1)
        #expect(rules.explain("embeddings.word_embeddings.weight", in: archive) == "not prunable: embedding table")
        #expect(rules.explain("embeddings.LayerNorm.weight", in: archive) == "not prunable: normalisation parameter")
        #expect(rules.explain("encoder.layer.0.output.dense.bias", in: archive) == "not prunable: bias")
        #expect(rules.explain("embeddings.position_ids", in: archive) == "not prunable: I64 tensor holds integers, not weights")
        #expect(rules.explain("pooler.dense.weight", in: archive) == "prunable: 2-D weight matrix")
        #expect(rules.explain("nope", in: archive) == "no tensor named \"nope\"")
        let conv = TensorInfo(name: "features.0.weight", dtype: .F32, shape: [8, 3, 3, 3], dataOffsets: 0..<864)
        #expect(rules.explain(conv) == "prunable: 4-D convolution kernel")
        let bn = TensorInfo(name: "features.1.bn1.weight", dtype: .F32, shape: [8], dataOffsets: 0..<32)
        #expect(!rules.decide(bn).isPrunable)
        for name in ["transformer.h.0.ln_1.weight", "model.norm.weight", "layers.0.input_layernorm.weight", "bn1.weight"] {
            let info = TensorInfo(name: name, dtype: .F32, shape: [4, 4], dataOffsets: 0..<64)
            #expect(rules.decide(info).reason == "normalisation parameter", "\(name)")
        }

        // Patterns: exclude wins, include adds, regex works.
        let custom = PrunableRules(include: ["embeddings.word_embeddings.*"], exclude: ["encoder.layer.1.*", "re:pooler\\."])
        let chosen = custom.prunable(archive.tensors).map(\.name)
        #expect(chosen.first == "embeddings.word_embeddings.weight")
        #expect(!chosen.contains { $0.hasPrefix("encoder.layer.1.") || $0.hasPrefix("pooler") })
        #expect(chosen.count == 1 + 6)
        #expect(custom.explain("pooler.dense.weight", in: archive) == "not prunable: excluded by pattern 're:pooler\\.'")
        #expect(
            custom.explain("embeddings.word_embeddings.weight", in: archive)
                == "prunable: included by pattern 'embeddings.word_embeddings.*'")
        #expect(PrunableRules(include: ["*position_ids"]).explain("embeddings.position_ids", in: archive).contains("integers"))
        #expect(PrunableRules.matches("encoder.layer.[01].*.weight", "encoder.layer.1.output.dense.weight"))
        #expect(!PrunableRules.matches("encoder.layer.[!01].*", "encoder.layer.1.output.dense.weight"))
        #expect(PrunableRules.matches("*.?.attention*", "encoder.layer.0.attention.self.key.bias"))
        #expect(PrunableRules.validate("re:(") != nil && PrunableRules.validate("a*") == nil)
    }

    @Test func groupsByNamePrefix() {
        let tree = TensorGroup.tree(of: TinyBert.layout.map(\.0))
        #expect(tree.groups.map(\.prefix) == ["embeddings.", "encoder.layer.", "pooler.dense."])
        let layers = try? #require(tree.group(withPrefix: "encoder.layer."))
        #expect(layers?.groups.map(\.prefix) == ["encoder.layer.0.", "encoder.layer.1."])
        let layer3 = tree.group(withPrefix: "encoder.layer.1.")
        #expect(layer3?.tensorCount == 16)
        #expect(
            layer3?.groups.map(\.prefix) == [
                "encoder.layer.1.attention.", "encoder.layer.1.intermediate.dense.", "encoder.layer.1.output.",
            ])
        #expect(tree.group(withPrefix: "embeddings.")?.tensors == ["embeddings.position_ids"])
        #expect(Set(tree.allTensors) == Set(TinyBert.layout.map(\.0)) && tree.tensorCount == TinyBert.layout.count)
        #expect(TensorGroup.tree(of: ["a", "b"]).tensors == ["a", "b"])
    }

    @Test func globalMagnitudePruningMatchesASortAndTiesGoByIndex() throws {
        let dir = TempDir()
        let path = dir.file("bert.safetensors")
        let values = try TinyBert.write(to: path)
        let archive = try openTensorArchive(path: path)
        let names = TinyBert.defaultPrunable
        let masks = try CheckpointPruning.globalMagnitudeMasks(archive, names: names, amount: 0.5)
        // Reference: sort every (|w|, tensor, index) and prune the first k.
        var all: [(Float, Int, Int)] = []
        for (t, name) in names.enumerated() {
            for (i, v) in values[name]!.data.enumerated() { all.append((abs(v), t, i)) }
        }
        let k = Int((0.5 * Double(all.count)).rounded(.toNearestOrEven))
        all.sort { ($0.0, $0.1, $0.2) < ($1.0, $1.1, $1.2) }
        var expected = Dictionary(uniqueKeysWithValues: names.map { ($0, [Float](repeating: 1, count: values[$0]!.count)) })
        for (_, t, i) in all.prefix(k) { expected[names[t]]![i] = 0 }
        for name in names { #expect(masks[name]?.data == expected[name], "\(name)") }
        #expect(masks.values.reduce(0) { $0 + $1.data.filter { $0 == 0 }.count } == k)

        // Hand-worked ties: |w| = [1, 1, 1, 2] and [1, 3]: 3 of 6 pruned.
        let tdir = TempDir()
        let tpath = tdir.file("ties.safetensors")
        try SafetensorsWriter.write(
            [
                SafetensorsEntry(name: "a", tensor: Tensor(shape: [2, 2], data: [1, -1, 1, 2])),
                SafetensorsEntry(name: "b", tensor: Tensor(shape: [1, 2], data: [-1, 3])),
            ], to: tpath)
        let ties = try CheckpointPruning.globalMagnitudeMasks(try openTensorArchive(path: tpath), names: ["a", "b"], amount: 0.5)
        #expect(ties["a"]?.data == [0, 0, 0, 1] && ties["b"]?.data == [1, 1])
        let none = try CheckpointPruning.globalMagnitudeMasks(try openTensorArchive(path: tpath), names: ["a", "b"], amount: 0)
        #expect(none["a"]?.data == [1, 1, 1, 1])
        let every = try CheckpointPruning.layerMagnitudeMasks(try openTensorArchive(path: tpath), names: ["a", "b"], amount: 1)
        #expect(every["a"]?.data == [0, 0, 0, 0] && every["b"]?.data == [0, 0])
        #expect(throws: CheckpointPruning.Failure.self) {
            try CheckpointPruning.globalMagnitudeMasks(archive, names: ["embeddings.position_ids"], amount: 0.5)
        }
    }

    @Test func nOfMKeepsTheLargestInEachGroup() throws {
        let dir = TempDir()
        let path = dir.file("nm.safetensors")
        // Rows of 6: groups [0..<4] and a trailing [4..<6].
        let w = Tensor(
            shape: [2, 6],
            data: [
                0.1, -4, 3, 0.2, 5, -6,
                1, 1, 1, 1, 0, 0.5,
            ])
        try SafetensorsWriter.write([try SafetensorsEntry(name: "w", tensor: w, dtype: .F16)], to: path)
        let masks = try CheckpointPruning.nOfMMasks(try openTensorArchive(path: path), names: ["w"], n: 2, m: 4)
        #expect(
            masks["w"]?.data == [
                0, 1, 1, 0, 1, 1,
                0, 0, 1, 1, 1, 1,
            ])
        let one = try CheckpointPruning.nOfMMasks(try openTensorArchive(path: path), names: ["w"], n: 1, m: 4)
        #expect(
            one["w"]?.data == [
                0, 1, 0, 0, 0, 1,
                0, 0, 0, 1, 0, 1,
            ])
        #expect(throws: CheckpointPruning.Failure.badNOfM(n: 3, m: 2)) {
            try CheckpointPruning.nOfMMasks(try openTensorArchive(path: path), names: ["w"], n: 3, m: 2)
        }
    }
}
