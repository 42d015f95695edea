import Foundation
import PruneKit
import Testing

/// `prunescope prune` and `prunescope sensitivity` on the committed
/// lenet-300-100 sample (one-shot only: no long retraining in tests).
@Suite struct PruneCommandTests {
    static let sample = "SampleModels/lenet-300-100"

    private func tempDir() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("prunescope-cli-\(UInt32.random(in: 0...UInt32.max))").path
    }

    @Test func oneShotWritesEveryExport() throws {
        let out = tempDir()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try Binary.run(["prune", Self.sample, "--scope", "global", "--sparsity", "0.9", "--out", out, "--no-progress"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("prunable-weight sparsity 0.00% -> 90.00%"))
        for file in [
            "model.safetensors", "masks.safetensors", "report.json", "report.md", "session/session.json", "session/tensors.safetensors",
        ] {
            #expect(FileManager.default.fileExists(atPath: out + "/" + file), "\(file) missing")
        }
        let md = try String(contentsOfFile: out + "/report.md", encoding: .utf8)
        #expect(md.contains("| 1 | prune |"))
    }

    /// `--retrain-epochs` with one-shot used to be ignored without a word:
    /// now the cut is followed by that many epochs of retraining.
    @Test func oneShotWithRetrainEpochsRetrainsAfterTheCut() throws {
        let out = tempDir()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try Binary.run([
            "prune", Self.sample, "--scope", "global", "--sparsity", "0.95", "--retrain-epochs", "1", "--out", out, "--no-progress",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("prunable-weight sparsity 0.00% -> 95.00%"))
        let md = try String(contentsOfFile: out + "/report.md", encoding: .utf8)
        #expect(md.contains("| 1 | prune |"))
        #expect(md.contains("| 2 | retrain |"))
        #expect(md.contains("1 epoch, batch 64"))
    }

    @Test func structuredPruneWritesASmallerModel() throws {
        let out = tempDir()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try Binary.run([
            "prune", Self.sample, "--granularity", "neuron", "--criterion", "l2-norm", "--sparsity", "0.5",
            "--out", out, "--no-progress",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("identical validation predictions"))
        #expect(FileManager.default.fileExists(atPath: out + "/smaller/model.json"))
    }

    @Test func perLayerTargetsAndPyTorchAmount() throws {
        let out = tempDir()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try Binary.run(["prune", Self.sample, "--layer-sparsity", "fc1=0.95,fc2=0.9,fc3=0.5", "--out", out, "--no-progress"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("fc1      weight sparsity 95.00%"))
        #expect(r.stdout.contains("fc3      weight sparsity 50.00%"))
        let a = try Binary.run(["prune", Self.sample, "--amount", "0.5", "--out", out, "--no-progress"])
        #expect(a.stdout.contains("prunable-weight sparsity 0.00% -> 50.00%"))
    }

    @Test func sensitivityWritesCSVAndTable() throws {
        let out = tempDir() + ".csv"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try Binary.run(["sensitivity", Self.sample, "--sparsities", "0.5,0.9", "--out", out, "--no-progress"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("fc1.weight"))
        let csv = try String(contentsOfFile: out, encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 1 + 3 * 2)
    }

    @Test func gradualRunsWithItsOwnDefaultsAndTheyAreTheEngines() throws {
        let out = tempDir()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try Binary.run(["prune", Self.sample, "--schedule", "gradual", "--sparsity", "0.5", "--out", out, "--no-progress"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("prunable-weight sparsity 0.00% -> 50.00%"), "\(r.stdout)")
        // lenet-300-100 trains on 4,000 samples; the CLI's batch is 64.
        let perEpoch = ScheduleDefaults.stepsPerEpoch(samples: 4_000, batchSize: 64)
        let (frequency, updates) = ScheduleDefaults.gradual(stepsPerEpoch: perEpoch, epochs: ScheduleDefaults.retrainEpochs)
        let schedule = Schedule.gradual(
            initialSparsity: ScheduleDefaults.gradualInitialSparsity,
            startStep: ScheduleDefaults.gradualStartStep, frequency: frequency, updates: updates)
        #expect(r.stdout.hasPrefix("model lenet-300-100: \(schedule), "), "\(r.stdout)")
        let session = try String(contentsOfFile: out + "/session/session.json", encoding: .utf8)
        let t0 = ScheduleDefaults.gradualStartStep
        let expectedUpdates = (0...updates).map { k in
            let t = t0 + k * frequency
            let s = Schedule.gradualSparsity(step: t, initial: 0, final: 0.5, start: t0, frequency: frequency, updates: updates)
            return "\(t):\(String(format: "%.4f", s))"
        }.joined(separator: ",")
        #expect(session.contains(expectedUpdates), "mask updates \(expectedUpdates) not in the session")
        #expect(session.contains("\(Format.count(ScheduleDefaults.retrainEpochs, "epoch")), SGD"))
    }

    @Test func filterSensitivitySkipsWhatCannotApply() throws {
        let r = try Binary.run([
            "sensitivity", "SampleModels/digits-cnn", "--granularity", "filter", "--sparsities", "0.5,0.99",
            "--no-progress",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("conv1.weight at 99.0%: skipped: would remove all 8 filters"), "\(r.stdout)")
        let row = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("conv1.weight ") })
        #expect(row.split(separator: " ").last == "skipped")
        let json = try Binary.run([
            "sensitivity", "SampleModels/digits-cnn", "--granularity", "filter", "--sparsities", "0.5,0.99",
            "--no-progress", "--json",
        ])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let skipped = try #require(object["skipped"] as? [[String: Any]])
        #expect(skipped.map { $0["tensor"] as? String } == ["conv1.weight", "conv2.weight"])
        #expect(skipped.first?["reason"] as? String == "would remove all 8 filters")
        #expect((object["points"] as? [Any])?.count == 2)
    }

    @Test(arguments: [
        (["--sparsity", "1.5"], "prunescope: --sparsity: 1.5 is outside [0, 1)"),
        (["--sparsity=-0.1"], "prunescope: --sparsity: -0.1 is outside [0, 1)"),
        (["--granularity", "5:4"], "prunescope: --granularity: 5:4 keeps N = 5 of every M = 4, but N > M"),
        (["--sparsity", "0.5", "--layers", "fc9"], "prunescope: --layers: no layer or tensor named 'fc9'"),
        (
            ["--granularity", "neuron", "--sparsity", "0.9999", "--layers", "fc1"],
            "prunescope: fc1.weight: this would remove all 300 neurons of the layer"
        ),
        (["--sparsity", "0.5", "--criterion", "bogus"], "prunescope: --criterion: unknown criterion 'bogus'"),
        (["--sparsity", "0.5", "--schedule", "weekly"], "prunescope: --schedule: unknown schedule 'weekly'"),
        (["--sparsity", "0.5", "--amount", "0.3"], "prunescope: --sparsity: give only one of"),
        (["--layer-sparsity", "fc1=2"], "prunescope: --layer-sparsity: 2.0 is outside [0, 1)"),
        (["--threshold", "0.01", "--schedule", "iterative"], "prunescope: --schedule: iterative (3 rounds) needs a target --sparsity"),
    ])
    func badParametersGiveOneLineErrors(args: [String], message: String) throws {
        let out = tempDir()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try Binary.run(["prune", Self.sample] + args + ["--out", out, "--no-progress"])
        #expect(r.status == 1)
        let lines = r.stderr.split(separator: "\n").filter { $0.hasPrefix("prunescope:") }
        #expect(lines.count == 1)
        #expect(lines.first.map { $0.hasPrefix(message) } == true, "\(r.stderr)")
    }
}
