import Foundation
import PruneKit
import Testing

/// `inspect CHECKPOINT --output P --masks M`: a checkpoint without a spec
/// gets the same `<tensor>_mask` file a spec model's export has, so torch's
/// `prune.custom_from_mask` can apply PruneScope's pruning to the original.
@Suite struct InspectMasksTests {
    static func workspace() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ps-masks-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: Binary.packageRoot.appendingPathComponent("SampleModels/digits-mlp/weights.safetensors"),
            to: dir.appendingPathComponent("digits.safetensors"))
        return dir
    }

    @Test func masksMarkExactlyThePrunedWeights() throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = dir.appendingPathComponent("p.safetensors").path, m = dir.appendingPathComponent("m.safetensors").path
        let run = try Binary.run(
            ["inspect", dir.appendingPathComponent("digits.safetensors").path, "--amount", "0.9", "--output", p, "--masks", m])
        #expect(run.status == 0, "\(run.stderr)")
        let pruned = try SafetensorsFile(contentsOf: p), masks = try SafetensorsFile(contentsOf: m)
        #expect(masks.tensors.map(\.name).sorted() == ["0.weight_mask", "2.weight_mask", "4.weight_mask"])
        var zeros = 0, total = 0
        for name in ["0.weight", "2.weight", "4.weight"] {
            let w = try pruned.floatTensor(named: name), mask = try masks.floatTensor(named: name + "_mask")
            #expect(masks.tensors.first { $0.name == name + "_mask" }?.dtype == .U8)
            #expect(mask.shape == w.shape)
            // The sample's weights have no exact zeros: pruned is exactly where the mask is 0.
            for (v, k) in zip(w.data, mask.data) { #expect((v == 0) == (k == 0)) }
            zeros += mask.data.filter { $0 == 0 }.count
            total += mask.count
        }
        #expect(zeros == Int((0.9 * Double(total)).rounded()))
    }

    @Test func masksWithoutPruningAreRefused() throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let m = dir.appendingPathComponent("m.safetensors").path
        let run = try Binary.run(
            [
                "inspect", dir.appendingPathComponent("digits.safetensors").path, "--output",
                dir.appendingPathComponent("c.safetensors").path, "--masks", m,
            ])
        #expect(run.status == 1 && run.stderr.contains("--masks: give it with --output and a pruning option"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: m))
    }

    /// torch's own `custom_from_mask` with these masks on the original
    /// weights gives exactly PruneScope's pruned weights.
    @Test(.enabled(if: PyTorchExportCheckTests.torchAvailable, "needs python3 with torch, safetensors and numpy"))
    func customFromMaskReproducesThePrunedCheckpoint() throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let original = dir.appendingPathComponent("digits.safetensors").path
        let p = dir.appendingPathComponent("p.safetensors").path, m = dir.appendingPathComponent("m.safetensors").path
        #expect(try Binary.run(["inspect", original, "--amount", "0.8", "--scope", "layer", "--output", p, "--masks", m]).status == 0)
        let script = """
            import sys, torch, torch.nn.utils.prune as prune
            from safetensors.torch import load_file
            orig, pruned, masks = (load_file(f) for f in sys.argv[1:4])
            m = torch.nn.Sequential(torch.nn.Linear(64, 300), torch.nn.ReLU(), torch.nn.Linear(300, 100), torch.nn.ReLU(), torch.nn.Linear(100, 10))
            m.load_state_dict(orig)
            for i in (0, 2, 4):
                prune.custom_from_mask(m[i], "weight", masks[f"{i}.weight_mask"])
            print(all(torch.equal(m[i].weight, pruned[f"{i}.weight"]) for i in (0, 2, 4)))
            """
        let check = try PyTorchExportCheckTests.python(["-c", script, original, p, m])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "True")
    }
}
