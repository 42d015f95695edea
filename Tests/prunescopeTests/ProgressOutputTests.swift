import Foundation
import Testing

/// Progress through a pipe (a log, CI): a line at each 10 % boundary of a
/// phase and no terminal control characters, whatever the number of steps.
@Suite struct ProgressOutputTests {
    /// Progress lines ("[ 40%] phase  detail") by phase, and the other lines.
    private func progressLines(_ stderr: String) -> (byPhase: [String: Int], other: [String]) {
        var byPhase = [String: Int](), other = [String]()
        for line in stderr.split(separator: "\n").map(String.init) {
            guard line.hasPrefix("["), let close = line.firstIndex(of: "]") else { other.append(line); continue }
            let rest = line[line.index(after: close)...].trimmingCharacters(in: .whitespaces)
            let phase = rest.components(separatedBy: "  ").first ?? rest
            byPhase[phase, default: 0] += 1
        }
        return (byPhase, other)
    }

    private func expectPlain(_ stderr: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!stderr.contains("\r") && !stderr.contains("\u{1B}"), "control characters in: \(stderr)", sourceLocation: sourceLocation)
    }

    private func tempPath(_ suffix: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("prunescope-progress-\(UUID().uuidString)\(suffix)").path
    }

    @Test func pruneWithRetrainingWritesAFewLinesPerPhase() throws {
        let out = tempPath("")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try Binary.run([
            "prune", "SampleModels/lenet-300-100", "--schedule", "iterative", "--rounds", "1",
            "--sparsity", "0.5", "--out", out,
        ])
        #expect(r.status == 0, "\(r.stderr)")
        expectPlain(r.stderr)
        let (byPhase, other) = progressLines(r.stderr)
        // 63 training steps, one line each before; now at most 11 per phase.
        #expect(byPhase["round 1/1: retrain", default: 0] >= 2)
        for (phase, count) in byPhase { #expect(count <= 11, "\(count) lines for \(phase)") }
        #expect(byPhase.values.reduce(0, +) <= 20, "\(r.stderr)")
        // The recorded steps stay as lines of their own.
        #expect(other.count == 2 && other.allSatisfy { $0.hasPrefix("step ") }, "\(other)")
        #expect(other.last?.contains("retrain 1 epoch, ") == true, "\(other)")
    }

    @Test func sensitivityAndTrainingToo() throws {
        let sweep = try Binary.run(["sensitivity", "SampleModels/lenet-300-100", "--sparsities", "0.1,0.3,0.5,0.7,0.8,0.9,0.95,0.99"])
        #expect(sweep.status == 0, "\(sweep.stderr)")
        expectPlain(sweep.stderr)
        let (phases, others) = progressLines(sweep.stderr)
        #expect(others.isEmpty, "\(others)")
        // 24 points: at most 11 lines, not 24.
        #expect(phases["sensitivity", default: 0] <= 11 && phases["sensitivity", default: 0] >= 2, "\(sweep.stderr)")

        let weights = tempPath(".safetensors")
        defer { try? FileManager.default.removeItem(atPath: weights) }
        let train = try Binary.run(["train", "SampleModels/spirals-mlp", "--epochs", "3", "--out", weights])
        #expect(train.status == 0, "\(train.stderr)")
        expectPlain(train.stderr)
        let (trainPhases, trainOthers) = progressLines(train.stderr)
        #expect(trainPhases["training", default: 0] <= 11, "\(train.stderr)")
        // The header and one line per epoch stay.
        #expect(trainOthers.count == 4 && trainOthers.dropFirst().allSatisfy { $0.hasPrefix("epoch ") }, "\(trainOthers)")
    }
}
