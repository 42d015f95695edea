import Foundation
import Testing

@testable import PruneKit

/// Exports of a checkpoint pruned without a spec, synthesis, and .npy/.npz.
extension InspectTests {
    @Test func exportKeepsEverythingUnprunedByteIdentical() throws {
        let dir = TempDir()
        let path = dir.file("bert.safetensors")
        let values = try TinyBert.write(to: path)
        let source = try SafetensorsFile(contentsOf: path)
        let names = TinyBert.defaultPrunable
        let masks = try CheckpointPruning.globalMagnitudeMasks(source, names: names, amount: 0.5)
        let out = dir.file("bert-pruned.safetensors")
        let record = CheckpointExport.Record(criterion: "magnitude", scope: .global, amount: 0.5)
        try CheckpointExport.write(source, changes: masks.mapValues { .mask($0) }, record: record, to: out)
        let pruned = try SafetensorsFile(contentsOf: out)
        #expect(pruned.tensors.map(\.name) == source.tensors.map(\.name))
        for info in source.tensors {
            let after = try #require(pruned.info(named: info.name))
            #expect(after.dtype == info.dtype && after.shape == info.shape && after.dataOffsets == info.dataOffsets)
            let old = try source.rawBytes(named: info.name)
            let new = try pruned.rawBytes(named: info.name)
            if let mask = masks[info.name] {
                // Kept elements bit-identical, pruned ones all-zero bits, dtype unchanged.
                let size = info.dtype.byteSize
                for (i, m) in mask.data.enumerated() {
                    let o = Array(old[(i * size)..<((i + 1) * size)]), n = Array(new[(i * size)..<((i + 1) * size)])
                    if m == 1 { #expect(o == n) } else { #expect(n.allSatisfy { $0 == 0 }) }
                }
                let f = try pruned.floatTensor(named: info.name).data
                #expect(zip(f, values[info.name]!.data).allSatisfy { $0 == $1 || $0 == 0 })
            } else {
                #expect(new == old, "\(info.name) changed")
            }
        }
        // Original metadata kept, PruneScope's added under its prefix.
        #expect(pruned.metadata["format"] == "pt" && pruned.metadata["model"] == "tiny-bert")
        #expect(pruned.metadata["prunescope.criterion"] == "magnitude")
        #expect(pruned.metadata["prunescope.scope"] == "global")
        #expect(pruned.metadata["prunescope.amount"] == "0.5")
        #expect(pruned.metadata["prunescope.pruned_tensors"] == String(names.count))
        let total = names.reduce(0) { $0 + values[$1]!.count }
        // pruned_elements: what the masks zeroed (k of the global ranking); the tensors' size apart.
        let k = Int((0.5 * Double(total)).rounded(.toNearestOrEven))
        #expect(masks.values.reduce(0) { $0 + $1.data.filter { $0 == 0 }.count } == k)
        #expect(pruned.metadata["prunescope.pruned_elements"] == String(k))
        #expect(pruned.metadata["prunescope.pruned_tensor_elements"] == String(total))
        let sparsity = try #require(Double(pruned.metadata["prunescope.sparsity"] ?? ""))
        #expect(abs(sparsity - 0.5) < 1.0 / Double(total) + 1e-6)
        let perTensor =
            try JSONSerialization.jsonObject(with: Data(pruned.metadata["prunescope.tensors"]!.utf8)) as? [String: [String: Int]]
        #expect(perTensor?.count == names.count)
        #expect(perTensor?.values.reduce(0) { $0 + ($1["pruned"] ?? 0) } == k)
        #expect(perTensor?["pooler.dense.weight"]?["count"] == 256)
        // The F16 tensor stayed F16 with F16 zeros.
        #expect(pruned.info(named: "encoder.layer.0.attention.self.query.weight")?.dtype == .F16)
        // Inspection of the export sees the new zeros.
        let again = try CheckpointInspector.inspect(pruned)
        let zeros = names.reduce(0) { $0 + (again.entry(named: $1)?.statistics.zeroCount ?? 0) }
        #expect(zeros == Int((0.5 * Double(total)).rounded(.toNearestOrEven)))
    }

    @Test func prunedElementsCountsWhatThePruningZeroed() throws {
        let dir = TempDir()
        let path = dir.file("bert.safetensors")
        try TinyBert.write(to: path)
        let source = try SafetensorsFile(contentsOf: path)
        // A mask zeroing 10 of 256 F32 weights, and new BF16 values zeroing 5 more.
        var mask = Tensor(shape: [16, 16], repeating: 1)
        for i in 0..<10 { mask.data[i] = 0 }
        let keyName = "encoder.layer.1.attention.self.key.weight"
        var key = try source.floatTensor(named: keyName)
        let newlyZeroed = (0..<5).filter { key.data[$0] != 0 }.count
        for i in 0..<5 { key.data[i] = 0 }
        let out = dir.file("out.safetensors")
        let metadata = try CheckpointExport.write(
            source, changes: ["pooler.dense.weight": .mask(mask), keyName: .values(key)],
            record: .init(criterion: "magnitude", scope: .layer), to: out)
        #expect(newlyZeroed == 5)
        #expect(metadata["prunescope.pruned_tensors"] == "2")
        #expect(metadata["prunescope.pruned_elements"] == String(10 + newlyZeroed))
        #expect(metadata["prunescope.pruned_tensor_elements"] == "512")
        let file = try SafetensorsFile(contentsOf: out)
        #expect(file.metadata == metadata)
        let perTensor =
            try JSONSerialization.jsonObject(with: Data((metadata["prunescope.tensors"] ?? "").utf8)) as? [String: [String: Int]]
        let alreadyZero = try source.floatTensor(named: "pooler.dense.weight").data[10...].filter { $0 == 0 }.count
        #expect(perTensor?["pooler.dense.weight"] == ["pruned": 10, "zeros": 10 + alreadyZero, "count": 256])
        #expect(perTensor?[keyName]?["pruned"] == newlyZeroed)
        // Pruning the pruned file again with the same mask: the mask's zeros count again.
        let again = try CheckpointExport.write(
            file, changes: ["pooler.dense.weight": .mask(mask)],
            record: .init(criterion: "magnitude", scope: .layer), to: dir.file("again.safetensors"))
        #expect(again["prunescope.pruned_elements"] == "10" && again["prunescope.pruned_tensor_elements"] == "256")
    }

    @Test func exportRejectsBadChangesAndWritesNothing() throws {
        let dir = TempDir()
        let path = dir.file("bert.safetensors")
        try TinyBert.write(to: path)
        let source = try SafetensorsFile(contentsOf: path)
        let out = dir.file("out.safetensors")
        let record = CheckpointExport.Record(criterion: "magnitude", scope: .layer)
        #expect(throws: CheckpointExport.Failure.self) {
            try CheckpointExport.write(
                source, changes: ["pooler.dense.weight": .mask(Tensor(shape: [2], data: [1, 0]))], record: record, to: out)
        }
        #expect(throws: SafetensorsError.self) {
            try CheckpointExport.write(source, changes: ["nope": .mask(Tensor(shape: [1], data: [0]))], record: record, to: out)
        }
        #expect(throws: CheckpointExport.Failure.sameFile(path: path)) {
            try CheckpointExport.write(source, changes: [:], record: record, to: path)
        }
        #expect(dir.contents == ["bert.safetensors"])
        // New values in BF16 are rounded into BF16; other tensors untouched.
        let w = Tensor(shape: [16, 16], repeating: 0.1)
        try CheckpointExport.write(source, changes: ["encoder.layer.1.attention.self.key.weight": .values(w)], record: record, to: out)
        let result = try SafetensorsFile(contentsOf: out)
        #expect(
            try result.floatTensor(named: "encoder.layer.1.attention.self.key.weight").data.allSatisfy {
                $0 == FloatConversion.bfloat16ToFloat(FloatConversion.floatToBFloat16(0.1))
            })
        #expect(try result.rawBytes(named: "pooler.dense.weight") == source.rawBytes(named: "pooler.dense.weight"))
    }

    @Test func synthesisedBertCheckpointHasTheRequestedSizeAndLayout() throws {
        let dir = TempDir()
        let path = dir.file("synthetic.safetensors")
        let layout = try CheckpointSynthesis.writeBERT(to: path, approximateBytes: 1 << 20, hidden: 64, intermediate: 256, seed: 3)
        let file = try SafetensorsFile(contentsOf: path)
        #expect(file.tensors.count == layout.count && file.tensors.count == 6 + 4 * 16 + 2)  // 4 layers: 3/4 of 1 MB over 192 KB per layer
        let bytes = file.tensors.reduce(0) { $0 + $1.byteCount }
        #expect(abs(bytes - (1 << 20)) < 128)
        #expect(Set(file.tensors.map(\.dtype)) == [.F16, .F32, .BF16, .I64])
        #expect(file.metadata["generator"]?.contains("seed 3") == true)
        let again = dir.file("again.safetensors")
        try CheckpointSynthesis.writeBERT(to: again, approximateBytes: 1 << 20, hidden: 64, intermediate: 256, seed: 3)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(contentsOf: URL(fileURLWithPath: again)))
        let inspection = try CheckpointInspector.inspect(file)
        let q = try #require(inspection.entry(named: "encoder.layer.0.attention.self.query.weight")).statistics
        #expect(abs(q.std - 0.02) < 0.001 && abs(q.mean) < 0.001)
    }

    @Test func hiddenSizeKeepsTwoLayersInTheBudget() {
        // 768 (BERT-base) from about 75.5 MB; smaller files get a smaller hidden size.
        #expect(CheckpointSynthesis.hiddenSize(approximateBytes: 100_000_000) == 768)
        #expect(CheckpointSynthesis.hiddenSize(approximateBytes: 75_497_472) == 768)
        #expect(CheckpointSynthesis.hiddenSize(approximateBytes: 75_497_471) == 512)
        #expect(CheckpointSynthesis.hiddenSize(approximateBytes: 2_000_000) == 64)
        #expect(CheckpointSynthesis.hiddenSize(approximateBytes: 0) == 64)
        for bytes in [1_000_000, 2_000_000, 10_000_000, 50_000_000, 100_000_000, 1_000_000_000] {
            let h = CheckpointSynthesis.hiddenSize(approximateBytes: bytes)
            let layout = CheckpointSynthesis.bertLayout(approximateBytes: bytes, hidden: h, intermediate: 4 * h)
            let layers = layout.filter { $0.name.hasSuffix(".attention.self.query.weight") }.count
            let total = layout.reduce(0) { $0 + $1.shape.reduce(1, *) * $1.dtype.byteSize }
            #expect(layers >= 2 || h == 64, "\(bytes) bytes: \(layers) layers of hidden \(h)")
            #expect(abs(total - bytes) < bytes / 50, "\(bytes) bytes requested, \(total) laid out")
        }
    }

    @Test func failedExportLeavesNothingBehind() throws {
        // An .npz whose first member is damaged: found only while streaming the export.
        let dir = TempDir()
        var bytes = try Fixtures.bytes("stored.npz")
        let dataStart = 30 + Int(bytes[26]) + Int(bytes[27]) << 8 + Int(bytes[28]) + Int(bytes[29]) << 8
        bytes[dataStart + 128 + 4] ^= 0x01
        writeBytes(bytes, dir.file("damaged.npz"))
        let archive = try openTensorArchive(path: dir.file("damaged.npz"))
        let out = dir.file("out.safetensors")
        #expect(throws: NpzError.self) {
            try CheckpointExport.write(archive, changes: [:], record: .init(criterion: "magnitude", scope: .global), to: out)
        }
        #expect(dir.contents == ["damaged.npz"])
    }

    @Test func inspectsNpyAndNpzToo() throws {
        let npz = try CheckpointInspector.inspect(try openTensorArchive(path: Fixtures.path("deflated.npz")))
        #expect(npz.format == .npz && npz.entries.map(\.info.name) == ["w", "b", "zeros"])
        #expect(npz.entry(named: "zeros")?.statistics.zeroFraction == 1)
        #expect(npz.entry(named: "w")?.statistics.min == -1.5)
        let npy = try CheckpointInspector.inspect(try openTensorArchive(path: Fixtures.path("f64_3x2.npy")))
        #expect(npy.entries.first?.statistics.max == 0.5)
    }
}

/// A streamed rule gives the same file as the mask it stands for.
@Suite struct StreamedExportTests {
    @Test(arguments: ["global", "layer", "2:4", "1:3", "none", "all"])
    func ruleExportEqualsMaskExport(_ how: String) throws {
        let dir = TempDir()
        let path = dir.file("bert.safetensors")
        _ = try TinyBert.write(to: path)
        let source = try SafetensorsFile(contentsOf: path)
        let names = TinyBert.defaultPrunable
        let nOfM: (n: Int, m: Int)? = how == "2:4" ? (2, 4) : how == "1:3" ? (1, 3) : nil
        let amount = how == "none" ? 0 : how == "all" ? 1 : 0.37
        let scope: Scope = how == "layer" ? .layer : .global
        let (rules, record) = try CheckpointPruning.magnitudeRules(source, names: names, scope: scope, nOfM: nOfM, amount: amount)
        let (masks, _) = try CheckpointPruning.magnitudeMasks(source, names: names, scope: scope, nOfM: nOfM, amount: amount)
        let byRule = dir.file("rule.safetensors"), byMask = dir.file("mask.safetensors")
        let m1 = try CheckpointExport.write(source, changes: rules.mapValues { .rule($0) }, record: record, to: byRule)
        let m2 = try CheckpointExport.write(source, changes: masks.mapValues { .mask($0) }, record: record, to: byMask)
        #expect(m1 == m2)
        #expect(try Data(contentsOf: URL(fileURLWithPath: byRule)) == Data(contentsOf: URL(fileURLWithPath: byMask)))
        // Every prunable tensor of several dtypes took part.
        #expect(Set(rules.keys) == Set(names))
    }

    /// Ties at the global threshold are shared out across tensors in order,
    /// as the mask of the whole ranking shares them.
    @Test func tiesAcrossTensorsStreamLikeTheMask() throws {
        let dir = TempDir()
        let path = dir.file("ties.safetensors")
        try SafetensorsWriter.write(
            [
                SafetensorsEntry(name: "a", tensor: Tensor(shape: [2, 3], data: [0.5, -0.5, 0.25, 0.5, 0.5, -0.25])),
                try SafetensorsEntry(name: "b", tensor: Tensor(shape: [3, 2], data: [0.5, 0.25, -0.5, 0.5, 0.125, 0.5]), dtype: .BF16),
            ], to: path)
        let source = try SafetensorsFile(contentsOf: path)
        for amount in [0.25, 0.5, 0.6, 0.75] {
            let (rules, record) = try CheckpointPruning.magnitudeRules(
                source, names: ["a", "b"], scope: .global, nOfM: nil, amount: amount)
            let masks = try CheckpointPruning.globalMagnitudeMasks(source, names: ["a", "b"], amount: amount)
            let byRule = dir.file("r\(amount).safetensors"), byMask = dir.file("m\(amount).safetensors")
            try CheckpointExport.write(source, changes: rules.mapValues { .rule($0) }, record: record, to: byRule)
            try CheckpointExport.write(source, changes: masks.mapValues { .mask($0) }, record: record, to: byMask)
            #expect(try Data(contentsOf: URL(fileURLWithPath: byRule)) == Data(contentsOf: URL(fileURLWithPath: byMask)), "\(amount)")
        }
    }
}
