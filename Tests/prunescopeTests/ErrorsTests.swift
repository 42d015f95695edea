import Foundation
import Testing

/// Broken inputs through the real binary: one line on stderr naming the file
/// and the problem, exit status 1, never a crash.
@Suite struct ErrorsTests {
    func expectOneLineError(
        _ args: [String], mentions: [String],
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let result = try Binary.run(args)
        #expect(result.status == 1, "status \(result.status): \(result.stderr)", sourceLocation: sourceLocation)
        let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: true)
        #expect(lines.count == 1, "stderr: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.hasPrefix("prunescope: "), "stderr: \(result.stderr)", sourceLocation: sourceLocation)
        for m in mentions {
            #expect(result.stderr.contains(m), "'\(m)' not in: \(result.stderr)", sourceLocation: sourceLocation)
        }
        #expect(result.stdout.isEmpty, sourceLocation: sourceLocation)
    }

    @Test func truncatedSafetensors() throws {
        let dir = try TinyModel.trained("truncated")
        let weights = dir.appendingPathComponent("weights.safetensors")
        let bytes = try Data(contentsOf: weights)
        try bytes.prefix(bytes.count - 10).write(to: weights)
        try expectOneLineError(["eval", dir.path], mentions: [weights.path])
        try bytes.prefix(5).write(to: weights)
        try expectOneLineError(["info", dir.path], mentions: [weights.path, "truncated"])
    }

    @Test func corruptSafetensors() throws {
        let dir = try TinyModel.trained("corrupt")
        let weights = dir.appendingPathComponent("weights.safetensors")
        // A header length of 2^62: far beyond the 100 MB limit.
        try Data([0, 0, 0, 0, 0, 0, 0, 0x40] + Array("{}".utf8)).write(to: weights)
        try expectOneLineError(["eval", dir.path], mentions: [weights.path, "header"])
        // A valid length followed by bytes that are not JSON.
        try Data([8, 0, 0, 0, 0, 0, 0, 0] + Array("not json".utf8)).write(to: weights)
        try expectOneLineError(["eval", weights.path], mentions: [weights.path, "JSON"])
    }

    @Test func specNamingAMissingTensor() throws {
        let dir = try TinyModel.trained("missing")
        try TinyModel.writeSpec(in: dir, headWeight: "head.weight")
        try expectOneLineError(
            ["eval", dir.path],
            mentions: [dir.appendingPathComponent("weights.safetensors").path, "head.weight", "fc2"])
    }

    @Test func shapeMismatchBetweenSpecAndFile() throws {
        let dir = try TinyModel.trained("shape")
        try TinyModel.writeSpec(in: dir, hidden: 4)
        try expectOneLineError(
            ["eval", dir.path],
            mentions: [dir.appendingPathComponent("weights.safetensors").path, "fc1.weight", "[3, 2]", "[4, 2]"])
    }

    @Test func datasetLabelsOutOfRange() throws {
        let dir = try TinyModel.directory("labels")
        try TinyModel.idx(shape: [4, 1, 2], bytes: [1, 2, 3, 4, 5, 6, 7, 8]).write(to: dir.appendingPathComponent("images"))
        let labels = dir.appendingPathComponent("labels")
        try TinyModel.idx(shape: [4], bytes: [0, 1, 7, 1]).write(to: labels)
        try TinyModel.writeSpec(
            in: dir,
            dataset: """
                {"name": "bad", "format": "idx", "images": "images", "labels": "labels", "validationFraction": 0.25, "splitSeed": 0}
                """)
        try expectOneLineError(["train", dir.path], mentions: [labels.path, "label 7", "0..<2"])
    }

    @Test func layersThatDoNotChain() throws {
        let dir = try TinyModel.directory("chain")
        try TinyModel.writeSpec(in: dir)
        let spec = dir.appendingPathComponent("model.json")
        let text = try String(contentsOf: spec, encoding: .utf8)
            .replacingOccurrences(of: "\"inFeatures\": 3", with: "\"inFeatures\": 5")
        try text.write(to: spec, atomically: true, encoding: .utf8)
        try expectOneLineError(["train", dir.path], mentions: [spec.path, "fc2"])
    }

    @Test func missingAndMalformedSpecs() throws {
        let dir = try TinyModel.directory("spec")
        try expectOneLineError(["eval", dir.path], mentions: [dir.path, "model.json"])
        try expectOneLineError(["info", dir.appendingPathComponent("nothing").path], mentions: ["nothing", "no such file"])
        let spec = dir.appendingPathComponent("model.json")
        try "{\"name\": 3}".write(to: spec, atomically: true, encoding: .utf8)
        try expectOneLineError(["train", spec.path], mentions: [spec.path, "invalid model spec"])
    }

    @Test func unusableRecipeOrSplitNamesTheSpec() throws {
        let dir = try TinyModel.directory("recipe")
        try TinyModel.writeSpec(in: dir)
        let spec = dir.appendingPathComponent("model.json")
        let text = try String(contentsOf: spec, encoding: .utf8)
        try text.replacingOccurrences(of: "\"batchSize\": 8", with: "\"batchSize\": 0")
            .write(to: spec, atomically: true, encoding: .utf8)
        try expectOneLineError(["train", dir.path], mentions: [spec.path, "batchSize"])
        try text.replacingOccurrences(of: "\"count\": 64", with: "\"count\": 1")
            .replacingOccurrences(of: "\"validationFraction\": 0.25", with: "\"validationFraction\": 0.9")
            .write(to: spec, atomically: true, encoding: .utf8)
        try expectOneLineError(["train", dir.path], mentions: [spec.path, "no training samples"])
        try text.replacingOccurrences(of: "\"splitSeed\": 2", with: "\"splitSeed\": -2")
            .write(to: spec, atomically: true, encoding: .utf8)
        try expectOneLineError(["eval", dir.path], mentions: [spec.path, "does not fit"])
    }
}

/// Every command's errors go through the same wrapper: one line on stderr,
/// `prunescope: <file>: <problem>`, status 1, nothing on stdout.
@Suite struct OneErrorFormatTests {
    private func expectOneLine(_ args: [String], prefix: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let r = try Binary.run(args)
        #expect(r.status == 1, "\(args): status \(r.status)", sourceLocation: sourceLocation)
        #expect(r.stderr.split(separator: "\n").count == 1, "\(args): \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.hasPrefix(prefix), "\(args): \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stdout.isEmpty, sourceLocation: sourceLocation)
    }

    @Test func everyCommandReportsAMissingFileTheSameWay() throws {
        let missing = "/nonexistent/model"
        for command in ["eval", "info", "bench", "train", "open"] {
            try expectOneLine([command, missing], prefix: "prunescope: \(missing): no such file or directory")
        }
        for command in ["prune", "sensitivity"] {
            try expectOneLine(
                [command, missing, "--sparsity", "0.5", "--out", "/tmp/x", "--no-progress"]
                    .filter { command == "prune" || ($0 != "--sparsity" && $0 != "0.5" && $0 != "--out" && $0 != "/tmp/x") },
                prefix: "prunescope: \(missing): no such file or directory")
        }
        try expectOneLine(["inspect", missing + ".safetensors"], prefix: "prunescope: \(missing).safetensors: cannot open")
        try expectOneLine(["demo", "--theme", "no-such-theme"], prefix: "prunescope: ")
    }

    @Test func torchCheckpointsAreNamedEverywhere() throws {
        let dir = try TinyModel.trained("torch")
        let pickle: [UInt8] = [0x80, 0x02, 0x7D, 0x71, 0x00, 0x2E]
        let alone = FileManager.default.temporaryDirectory.appendingPathComponent("prunescope-\(UUID().uuidString).pt")
        defer { try? FileManager.default.removeItem(at: alone) }
        try Data(pickle).write(to: alone)
        // Beside a model.json, the weights file of eval, info, bench and prune.
        let beside = dir.appendingPathComponent("weights.bin")
        try Data(pickle).write(to: beside)
        let what =
            "a PyTorch torch.save checkpoint in the legacy pickle format (before torch 1.6); PruneScope reads safetensors: convert it with python -c"
        for args in [
            ["eval", beside.path], ["info", beside.path], ["bench", beside.path], ["inspect", alone.path],
            ["open", alone.path], ["eval", alone.path], ["bench", "--checkpoint-file", alone.path],
            ["prune", beside.path, "--sparsity", "0.5", "--out", dir.appendingPathComponent("out").path, "--no-progress"],
        ] {
            let path = args.contains(alone.path) ? alone.path : beside.path
            try expectOneLine(args, prefix: "prunescope: \(path): \(what)")
        }
    }
}
