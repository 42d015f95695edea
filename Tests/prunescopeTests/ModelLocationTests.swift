import Foundation
import Testing

/// Every command finds models the same way: no argument means the
/// lenet-300-100 sample, and SampleModels/NAME works from any directory.
@Suite struct ModelLocationTests {
    private func elsewhere() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("prunescope-cwd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func infoAndEvalWithNoModelFromAnotherDirectory() throws {
        let cwd = try elsewhere()
        defer { try? FileManager.default.removeItem(at: cwd) }
        let info = try Binary.run(["info"], in: cwd)
        #expect(info.status == 0, "\(info.stderr)")
        #expect(info.stdout.hasPrefix("lenet-300-100"), "\(info.stdout)")
        let eval = try Binary.run(["eval", "--json"], in: cwd)
        #expect(eval.status == 0, "\(eval.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any])
        #expect(report["model"] as? String == "lenet-300-100")
    }

    @Test func benchWithNoModelFromAnotherDirectory() throws {
        let cwd = try elsewhere()
        defer { try? FileManager.default.removeItem(at: cwd) }
        let bench = try Binary.run(["bench", "--epochs", "1", "--json"], in: cwd)
        #expect(bench.status == 0, "\(bench.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(bench.stdout.utf8)) as? [String: Any])
        #expect(report["model"] as? String == "lenet-300-100")
    }

    @Test func sampleModelsByRelativePathFromAnotherDirectory() throws {
        let cwd = try elsewhere()
        defer { try? FileManager.default.removeItem(at: cwd) }
        for args in [
            ["info", "SampleModels/spirals-mlp"], ["eval", "SampleModels/spirals-mlp"],
            ["sensitivity", "SampleModels/spirals-mlp", "--sparsities", "0.5", "--no-progress"],
        ] {
            let r = try Binary.run(args, in: cwd)
            #expect(r.status == 0, "\(args): \(r.stderr)")
            #expect(r.stdout.contains("spirals") || r.stdout.contains("fc1.weight"), "\(args): \(r.stdout)")
        }
        // A path that exists nowhere still says so, naming it.
        let missing = try Binary.run(["eval", "SampleModels/no-such-model"], in: cwd)
        #expect(missing.status == 1)
        #expect(missing.stderr.hasPrefix("prunescope: SampleModels/no-such-model: no such file"), "\(missing.stderr)")
    }
}
