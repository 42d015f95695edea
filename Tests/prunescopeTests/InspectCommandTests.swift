import Foundation
import PruneKit
import Testing

/// `prunescope inspect` run as a user would.
@Suite struct InspectCommandTests {
    let directory: String = {
        let d = NSTemporaryDirectory() + "prunescope-inspect-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }()

    func checkpoint() throws -> String {
        let path = directory + "/tiny.safetensors"
        try SafetensorsWriter.write(
            [
                try SafetensorsEntry(
                    name: "encoder.layer.0.dense.weight", tensor: Tensor(shape: [2, 3], data: [0, 1, -2, 3, -4, 5]), dtype: .F16),
                SafetensorsEntry(name: "encoder.layer.0.dense.bias", tensor: Tensor(shape: [2], data: [0, 0])),
                SafetensorsEntry(name: "encoder.LayerNorm.weight", tensor: Tensor(shape: [3], data: [1, 1, 1])),
            ], metadata: ["format": "pt"], to: path)
        return path
    }

    @Test func printsATableWithStatisticsAndVerdicts() throws {
        let path = try checkpoint()
        let r = try Binary.run(["inspect", path])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("tensor") == true)
        let weight = try #require(lines.first { $0.hasPrefix("encoder.layer.0.dense.weight") })
        #expect(
            weight.contains("F16") && weight.contains("[2, 3]") && weight.contains("16.7%") && weight.contains("yes (2-D weight matrix)"))
        let bias = try #require(lines.first { $0.hasPrefix("encoder.layer.0.dense.bias") })
        #expect(bias.contains("100.0%") && bias.hasSuffix("no (bias)"))
        #expect(r.stdout.contains("3 tensors, 11 parameters"))
        let excluded = try Binary.run(["inspect", path, "--exclude", "encoder.layer.*"])
        #expect(excluded.stdout.contains("no (excluded by pattern 'encoder.layer.*')"))
    }

    @Test func groupsSummariseByPrefix() throws {
        let path = try checkpoint()
        let r = try Binary.run(["inspect", path, "--groups"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        #expect(lines.first == ["group", "tensors", "params", "prunable", "zeros"])
        #expect(lines.contains(["(all)", "3", "11", "6", "27.3%"]))
        #expect(lines.contains(["encoder.", "3", "11", "6", "27.3%"]))
        #expect(lines.contains(["encoder.layer.0.dense.", "2", "8", "6", "37.5%"]))
    }

    @Test func jsonOutputParses() throws {
        let path = try checkpoint()
        let r = try Binary.run(["inspect", path, "--json", "--bins", "4"])
        #expect(r.status == 0, "\(r.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let tensors = try #require(object["tensors"] as? [[String: Any]])
        #expect(tensors.count == 3)
        #expect(tensors[0]["name"] as? String == "encoder.layer.0.dense.weight")
        #expect(tensors[0]["max"] as? Double == 5 && tensors[0]["zeros"] as? Int == 1)
        #expect((tensors[0]["histogram"] as? [String: Any])?["counts"] as? [Int] == [2, 1, 1, 2])
        #expect((object["metadata"] as? [String: String])?["format"] == "pt")
    }

    @Test func badFilesGiveOneLineAndExitOne() throws {
        let truncated = directory + "/cut.safetensors"
        let good = try Data(contentsOf: URL(fileURLWithPath: try checkpoint()))
        try good.prefix(good.count - 3).write(to: URL(fileURLWithPath: truncated))
        let missing = directory + "/missing.safetensors"
        let junk = directory + "/junk.bin"
        try Data("hello".utf8).write(to: URL(fileURLWithPath: junk))
        for (file, problem) in [
            (truncated, "run past the data"), (missing, "cannot open"),
            (junk, "not a .safetensors, .pt (torch.save zip), .npy or .npz file"),
            (directory, "is a directory"),
        ] {
            let r = try Binary.run(["inspect", file])
            #expect(r.status == 1)
            #expect(r.stdout.isEmpty)
            #expect(r.stderr.hasPrefix("prunescope: \(file): "), "\(r.stderr)")
            #expect(r.stderr.contains(problem), "\(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1)
        }
    }

    @Test func exportsAMagnitudePrunedCopy() throws {
        let path = try checkpoint()
        let out = directory + "/pruned.safetensors"
        let r = try Binary.run(["inspect", path, "--amount", "0.5", "--output", out])
        #expect(r.status == 0, "\(r.stderr)")
        let pruned = try SafetensorsFile(contentsOf: out)
        // |w| = 0,1,2,3,4,5: the 3 smallest go.
        #expect(try pruned.floatTensor(named: "encoder.layer.0.dense.weight").data == [0, 0, 0, 3, -4, 5])
        #expect(pruned.info(named: "encoder.layer.0.dense.weight")?.dtype == .F16)
        #expect(pruned.metadata["prunescope.scope"] == "global" && pruned.metadata["format"] == "pt")
        // The one already-zero weight is among the 3 the mask prunes.
        #expect(pruned.metadata["prunescope.pruned_elements"] == "3" && pruned.metadata["prunescope.pruned_tensor_elements"] == "6")
        #expect(
            r.stderr.contains("1 tensors pruned by magnitude (global), 3 of their 6 weights set to zero, sparsity 0.500000"), "\(r.stderr)")
        let original = try SafetensorsFile(contentsOf: path)
        #expect(try pruned.rawBytes(named: "encoder.LayerNorm.weight") == original.rawBytes(named: "encoder.LayerNorm.weight"))
    }
}
