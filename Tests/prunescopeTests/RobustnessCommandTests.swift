import Foundation
import Testing

/// `prunescope robustness` and `prune --robustness` end to end.
@Suite struct RobustnessCommandTests {
    @Test func jsonHasExactlyTheDocumentedShapeAndCleanIsEval() throws {
        let r = try Binary.run([
            "robustness", "SampleModels/lenet-300-100", "--fgsm", "0.05,0.1", "--pgd", "0.1", "--pgd-steps", "8",
            "--noise", "0.1,0.3", "--json",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["split", "count", "clean", "fgsm", "pgd", "noise", "membership"])
        #expect(object["split"] as? String == "validation" && object["count"] as? Int == 1000)
        let clean = try #require(object["clean"] as? [String: Double])
        #expect(Set(clean.keys) == ["accuracy", "loss"])
        let fgsm = try #require(object["fgsm"] as? [[String: Double]])
        #expect(fgsm.map { Set($0.keys) } == [["epsilon", "accuracy"], ["epsilon", "accuracy"]])
        let pgd = try #require(object["pgd"] as? [[String: Double]])
        #expect(pgd.count == 1 && Set(pgd[0].keys) == ["epsilon", "steps", "accuracy"] && pgd[0]["steps"] == 8)
        let noise = try #require(object["noise"] as? [[String: Double]])
        #expect(noise.map { Set($0.keys) } == [["sigma", "accuracy"], ["sigma", "accuracy"]])
        let membership = try #require(object["membership"] as? [String: Double])
        #expect(Set(membership.keys) == ["auc", "advantage", "train_loss", "validation_loss"])
        // Clean figures are eval's; attacks cost accuracy, a larger radius more, and 8 PGD steps
        // (reaching the same radius as FGSM, then searching inside it) more than FGSM.
        let eval = try Binary.run(["eval", "SampleModels/lenet-300-100", "--json"])
        let validation = try #require(
            (try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any])?["validation"] as? [String: Any])
        #expect(clean["accuracy"] == validation["accuracy"] as? Double)
        let accuracy = clean["accuracy"] ?? 0
        #expect(fgsm[0]["accuracy"] ?? 1 < accuracy && fgsm[1]["accuracy"] ?? 1 < fgsm[0]["accuracy"] ?? 0)
        #expect(pgd[0]["accuracy"] ?? 1 <= fgsm[1]["accuracy"] ?? 0)
        #expect(membership["train_loss"] ?? 1 < membership["validation_loss"] ?? 0)
        #expect((membership["auc"] ?? 0) > 0.5 && (membership["auc"] ?? 1) <= 1)
    }

    @Test func tableNamesEveryFigureAndTheRange() throws {
        let r = try Binary.run(["robustness", "SampleModels/spirals-mlp", "--split", "all", "--seed", "3"])
        #expect(r.status == 0, "\(r.stderr)")
        for text in [
            "all split (1000 samples)", "FGSM eps 0.05", "FGSM eps 0.1", "PGD eps 0.1, 10 steps", "noise sigma 0.1", "AUC ",
            "advantage",
        ] {
            #expect(r.stdout.contains(text), "missing \(text) in \(r.stdout)")
        }
        let again = try Binary.run(["robustness", "SampleModels/spirals-mlp", "--split", "all", "--seed", "3"])
        #expect(again.stdout == r.stdout)
    }

    @Test(arguments: [
        (["--fgsm", "abc"], "prunescope: --fgsm: 'abc' is not a number (give a list such as 0.05,0.1, or none)"),
        (["--pgd", "0.1,,0.2"], "prunescope: --pgd: '' is not a number (give a list such as 0.05,0.1, or none)"),
        (["--noise=-0.5"], "prunescope: --noise: -0.5 is negative"),
        (["--fgsm", "inf"], "prunescope: --fgsm: 'inf' is not a number (give a list such as 0.05,0.1, or none)"),
        (["--split", "test"], "prunescope: --split: 'test' is not one of validation, train, all"),
        (["--pgd-steps", "0"], "prunescope: --pgd-steps: 0 is outside 1...1000"),
        (["--session", "/nonexistent-session"], "prunescope: /nonexistent-session/session.json:"),
    ])
    func badValuesGiveOneLine(options: [String], message: String) throws {
        let r = try Binary.run(["robustness", "SampleModels/spirals-mlp"] + options)
        #expect(r.status != 0)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.hasPrefix(message), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
    }

    @Test func pruneReportHasEveryStepsFiguresAndASessionReadsBack() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("prunescope-rob-\(UInt32.random(in: 0...UInt32.max))").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try Binary.run([
            "prune", "SampleModels/spirals-mlp", "--sparsity", "0.9", "--scope", "global", "--out", out, "--no-progress", "--robustness",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("robustness step 1 ("), "\(r.stdout)")
        let data = try Data(contentsOf: URL(fileURLWithPath: out + "/report.json"))
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let steps = try #require(report["robustness"] as? [[String: Any]])
        #expect(steps.map { $0["step"] as? Int } == [0, 1])
        let last = try #require(steps[1]["report"] as? [String: Any])
        #expect((last["fgsm"] as? [Any])?.count == 2 && (last["pgd"] as? [Any])?.count == 1)
        let markdown = try String(contentsOfFile: out + "/report.md", encoding: .utf8)
        #expect(markdown.contains("## Robustness and privacy") && markdown.contains("| Membership AUC |"))
        // The session's current step measured alone gives the report's figures.
        let alone = try Binary.run(["robustness", "SampleModels/spirals-mlp", "--session", out + "/session", "--json"])
        #expect(alone.status == 0, "\(alone.stderr)")
        let figures = try #require(try JSONSerialization.jsonObject(with: Data(alone.stdout.utf8)) as? [String: Any])
        let clean = try #require(figures["clean"] as? [String: Double]), stepClean = try #require(last["clean"] as? [String: Double])
        #expect(clean["accuracy"] == stepClean["accuracy"])
        let fgsmAlone = figures["fgsm"] as? [[String: Double]], fgsmStep = last["fgsm"] as? [[String: Double]]
        #expect(fgsmAlone == fgsmStep)
    }
}
