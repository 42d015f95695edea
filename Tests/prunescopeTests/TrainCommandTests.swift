import Foundation
import Testing

@Suite struct TrainCommandTests {
    /// Same seed, same weights file, byte for byte; another seed differs.
    @Test func trainingIsDeterministicForASeed() throws {
        let dir = try TinyModel.directory("determinism")
        try TinyModel.writeSpec(in: dir)
        var files: [Data] = []
        for (name, seed) in [("a", "11"), ("b", "11"), ("c", "12")] {
            let out = dir.appendingPathComponent("\(name).safetensors").path
            let result = try Binary.run(["train", dir.path, "--seed", seed, "--out", out])
            #expect(result.status == 0, "\(result.stderr)")
            files.append(try Data(contentsOf: URL(fileURLWithPath: out)))
        }
        #expect(files[0] == files[1])
        #expect(files[0] != files[2])
    }

    /// One epoch on the digits: progress on stderr without terminal control
    /// characters (stderr is a pipe here), the result on stdout, and the
    /// weights load back through `eval`.
    @Test func trainsOneEpochOnDigitsAndWritesLoadableWeights() throws {
        let dir = try TinyModel.directory("digits")
        let out = dir.appendingPathComponent("digits.safetensors").path
        let result = try Binary.run([
            "train", "SampleModels/digits-mlp", "--epochs", "1", "--lr", "0.05",
            "--batch-size", "32", "--seed", "3", "--out", out,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("epoch 1/1"))
        #expect(!result.stderr.contains("\u{1B}") && !result.stderr.contains("\r"))
        #expect(result.stdout.contains("validation accuracy"))
        #expect(result.stdout.contains(out))

        // The file is a weights file for the same spec: copy the spec beside it.
        let spec = try String(contentsOfFile: "\(Binary.packageRoot.path)/SampleModels/digits-mlp/model.json", encoding: .utf8)
            .replacingOccurrences(of: "../data/", with: "\(Binary.packageRoot.path)/SampleModels/data/")
        try spec.write(to: dir.appendingPathComponent("model.json"), atomically: true, encoding: .utf8)
        let eval = try Binary.run(["eval", out, "--json"])
        #expect(eval.status == 0, "\(eval.stderr)")
        #expect(eval.stdout.contains("\"accuracy\""))
    }

    @Test func rejectsNonsenseOptions() throws {
        let result = try Binary.run(["train", "SampleModels/spirals-mlp", "--epochs", "0"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--epochs"))
    }
}

@Suite struct CommandHelpTests {
    @Test(arguments: ["train", "eval", "info", "bench"])
    func helpTeachesWithExamples(command: String) throws {
        let result = try Binary.run([command, "--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("OVERVIEW:"))
        #expect(result.stdout.contains("Examples:"))
        #expect(result.stdout.contains("prunescope \(command)"))
    }
}
