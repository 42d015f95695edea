import Foundation
import Testing

/// scripts/pytorch_reference.py --check-export on a real `prunescope prune`
/// export: PyTorch loads model.safetensors with load_state_dict(strict=True),
/// applies masks.safetensors with custom_from_mask and reaches the report's
/// accuracy on PruneScope's validation split. Runs only where python3 has
/// torch, safetensors and numpy (they are optional for PruneScope).
@Suite struct PyTorchExportCheckTests {
    static func python(_ args: [String]) throws -> Binary.Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + args
        process.currentDirectoryURL = Binary.packageRoot
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Binary.Result(
            status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
            stderr: String(decoding: e, as: UTF8.self))
    }

    static let torchAvailable = (try? python(["-c", "import torch, safetensors, numpy"]).status) == 0

    @Test(.enabled(if: torchAvailable, "needs python3 with torch, safetensors and numpy"))
    func exportLoadsInPyTorch() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("prunescope-torch-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let prune = try Binary.run(["prune", "SampleModels/digits-mlp", "--sparsity", "0.8", "--out", out, "--no-progress"])
        #expect(prune.status == 0, "\(prune.stderr)")
        let check = try Self.python(["scripts/pytorch_reference.py", "--check-export", out])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("ok    load_state_dict(strict=True)"))
        #expect(check.stdout.contains("ok    custom_from_mask(0, 'weight')"))
        #expect(check.stdout.contains("ok    masked model on PruneScope's validation split"))
        #expect(!check.stdout.contains("FAIL"))
    }
}
