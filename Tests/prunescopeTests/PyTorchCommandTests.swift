import Foundation
import PruneKit
import Testing

/// `.pt` / `.bin` files written by `torch.save`, used as a user would: inspected,
/// converted, pruned without a spec and as a spec model's weights.
@Suite struct PyTorchCommandTests {
    static let fixtures = Binary.packageRoot.appendingPathComponent("Tests/PruneKitTests/Fixtures").path

    private func tempDir() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("prunescope-pt-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func inspectListsTheTensorsAndTheSkippedValues() throws {
        let r = try Binary.run(["inspect", Self.fixtures + "/torch_checkpoint.pt"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let transposed = try #require(lines.first { $0.hasPrefix("state_dict.transposed ") })
        #expect(transposed.contains("F32") && transposed.contains("[8, 6]") && transposed.contains("yes (2-D weight matrix)"))
        #expect(r.stdout.contains("16 tensors, 163 parameters"))
        #expect(lines.last == "skipped 4 values that are not tensors: epoch (int), name (str), history (list), best (dict)")
        let json = try Binary.run(["inspect", Self.fixtures + "/torch_checkpoint.pt", "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["format"] as? String == "pytorch")
        #expect(object["skipped"] as? [String] == ["epoch (int)", "name (str)", "history (list)", "best (dict)"])
    }

    @Test func outputAloneConvertsEveryTensorUnchanged() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (source, twin) in [("torch_checkpoint.pt", "torch_checkpoint.safetensors"), ("pytorch_model.bin", "pytorch_model.safetensors")]
        {
            let out = dir + "/" + twin
            let r = try Binary.run(["inspect", Self.fixtures + "/" + source, "--output", out])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stderr.contains("tensors converted unchanged"))
            let converted = try SafetensorsFile(contentsOf: out)
            let reference = try SafetensorsFile(contentsOf: Self.fixtures + "/" + twin)
            #expect(converted.metadata == ["format": "pt"])
            #expect(converted.tensors.map(\.name).sorted() == reference.tensors.map(\.name).sorted())
            for info in reference.tensors {
                #expect(converted.info(named: info.name)?.dtype == info.dtype && converted.info(named: info.name)?.shape == info.shape)
                #expect(try converted.rawBytes(named: info.name) == reference.rawBytes(named: info.name), "\(info.name)")
            }
        }
    }

    @Test func prunesWithoutASpecAndAsASpecModelsWeights() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Spec-less: magnitude pruning of the prunable tensors, dtypes kept.
        let pruned = dir + "/pruned.safetensors"
        let r = try Binary.run(["inspect", Self.fixtures + "/pytorch_model.bin", "--amount", "0.5", "--output", pruned])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("3 tensors pruned by magnitude (global), 69 of their 138 weights set to zero"))
        #expect(try SafetensorsFile(contentsOf: pruned).metadata["prunescope.sparsity"] == "0.500000")
        // A spec model whose weights file is a .pt: the same result as with its safetensors.
        let sample = Binary.packageRoot.appendingPathComponent("SampleModels/spirals-mlp").path
        let spec = try String(contentsOfFile: sample + "/model.json", encoding: .utf8)
            .replacingOccurrences(of: "\"../data/spirals.csv\"", with: "\"\(Binary.packageRoot.path)/SampleModels/data/spirals.csv\"")
        try spec.write(toFile: dir + "/model.json", atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: Self.fixtures + "/spirals_weights.pt", toPath: dir + "/weights.pt")
        var outputs: [SafetensorsFile] = []
        for (model, out) in [(dir + "/weights.pt", dir + "/from-pt"), (sample, dir + "/from-safetensors")] {
            let p = try Binary.run(["prune", model, "--sparsity", "0.8", "--out", out, "--no-progress"])
            #expect(p.status == 0, "\(p.stderr)")
            #expect(p.stdout.contains("validation accuracy      98.00% -> 64.00%"))
            outputs.append(try SafetensorsFile(contentsOf: out + "/model.safetensors"))
        }
        #expect(outputs[0].tensors.count == 6)
        for info in outputs[1].tensors {
            #expect(try outputs[0].rawBytes(named: info.name) == outputs[1].rawBytes(named: info.name), "\(info.name)")
        }
    }

    @Test func aMaliciousCheckpointIsRefusedInOneLineAndNothingRuns() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = Self.fixtures + "/hostile_os_system.pt"
        for args in [["inspect", path], ["inspect", path, "--output", dir + "/x.safetensors"], ["open", path]] {
            let r = try Binary.run(args, in: URL(fileURLWithPath: dir))
            #expect(r.status == 1, "\(args): \(r.stderr)")
            #expect(
                r.stderr == "prunescope: \(path): hostile_os_system/data.pkl: refused global posix.system: "
                    + "only the tensors of a state_dict are read, and nothing in the file is run\n", "\(args)")
            #expect(r.stdout.isEmpty)
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/prunescope-pwned"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/x.safetensors"))
    }
}
