import Foundation
import Testing

/// `prunescope bench --checkpoint`: the shape of its report (not the timings,
/// which depend on the machine).
@Suite struct BenchCheckpointTests {
    @Test func tableNamesEveryFigure() throws {
        let r = try Binary.run(["bench", "--checkpoint", "--checkpoint-mb", "2", "--runs", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 7, "\(r.stdout)")
        // checkpoint: generated safetensors (BERT-style, hidden 64, 7 layers), 2.0 MB (1,9xx,xxx bytes), 120 tensors, ...
        let first = try #require(lines.first)
        #expect(first.hasPrefix("checkpoint: generated safetensors (BERT-style, hidden "))
        #expect(first.contains(" layers), 2.0 MB ("))
        #expect(first.contains(" tensors, ") && first.contains(" parameters; 2 threads, 32 histogram bins"))
        #expect(lines[1].split(separator: " ", omittingEmptySubsequences: true) == ["measure", "median", "min", "max", "runs"])
        for (line, label) in zip(lines[2...3], ["open + statistics + histograms (s)", "throughput (MB/s)"]) {
            #expect(line.hasPrefix(label), "\(line)")
            let figures = line.dropFirst(label.count).split(separator: " ")
            #expect(
                figures.count == 5 && figures.prefix(3).allSatisfy { Double($0) != nil } && figures.suffix(2) == ["2", "runs"], "\(line)")
        }
        #expect(lines[4].hasPrefix("peak memory (RSS): ") && lines[4].contains(" MB while opening and inspecting ("), "\(lines[4])")
        #expect(lines[5].hasPrefix("inspector first frame (open, list, first render; statistics in the background): median "))
        #expect(lines[5].hasSuffix(" over 2 runs"), "\(lines[5])")
        // export (global magnitude 50.0% of N tensors, streamed): 0.01 s, 2.0 MB written; peak RSS growth ..., anonymous ...
        #expect(lines[6].hasPrefix("export (global magnitude 50.0% of ") && lines[6].contains(" tensors, streamed): "), "\(lines[6])")
        #expect(lines[6].contains(" written; peak RSS growth ") && lines[6].contains("anonymous memory peak growth "), "\(lines[6])")
        #expect(lines[6].contains("(largest tensor "), "\(lines[6])")
    }

    @Test func jsonReportAndTheTemporaryFileIsGone() throws {
        let r = try Binary.run(["bench", "--checkpoint", "--checkpoint-mb", "2", "--runs", "3", "--threads", "1", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let report = try #require(object)
        #expect(report["generated"] as? Bool == true)
        #expect((report["layout"] as? String)?.hasPrefix("BERT-style, hidden ") == true)
        let bytes = try #require(report["fileBytes"] as? Int)
        #expect(bytes > 1_500_000 && bytes < 2_500_000, "\(bytes) bytes for 2 MB")
        #expect((report["tensors"] as? Int ?? 0) > 20)
        #expect((report["parameters"] as? Int ?? 0) > 0)
        #expect(report["threads"] as? Int == 1 && report["bins"] as? Int == 32)
        let time = try #require(report["openStatsHistogramsSeconds"] as? [String: Any])
        #expect(time["runs"] as? Int == 3)
        let median = try #require(time["median"] as? Double), lo = try #require(time["min"] as? Double),
            hi = try #require(time["max"] as? Double)
        #expect(lo > 0 && lo <= median && median <= hi)
        let peak = try #require(report["peakRSSBytes"] as? Int), before = try #require(report["rssBeforeBytes"] as? Int)
        #expect(before > 0 && peak >= before)
        #expect(report["peakExcludesGeneration"] as? Bool != nil)
        let frame = try #require(report["firstFrameSeconds"] as? [String: Any])
        #expect(frame["runs"] as? Int == 3 && (frame["median"] as? Double ?? 0) > 0)
        let export = try #require(report["export"] as? [String: Any])
        #expect(export["amount"] as? Double == 0.5 && (export["prunedTensors"] as? Int ?? 0) > 0)
        #expect((export["outputBytes"] as? Int ?? 0) > 1_500_000 && (export["largestTensorBytes"] as? Int ?? 0) > 0)
        #expect(export["peakRSSGrowthBytes"] as? Int != nil && export["peakAnonymousGrowthBytes"] as? Int != nil)
        let file = try #require(report["file"] as? String)
        #expect(!FileManager.default.fileExists(atPath: file))
        #expect(!FileManager.default.fileExists(atPath: URL(fileURLWithPath: file).deletingLastPathComponent().path))
    }

    @Test func existingFileIsMeasuredAndKept() throws {
        let weights = "SampleModels/lenet-300-100/weights.safetensors"
        let r = try Binary.run(["bench", "--checkpoint-file", weights, "--runs", "1", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(report["generated"] as? Bool == false && report["layout"] == nil)
        #expect(report["tensors"] as? Int == 6 && report["parameters"] as? Int == 266_610)
        #expect(FileManager.default.fileExists(atPath: Binary.packageRoot.appendingPathComponent(weights).path))
        let missing = try Binary.run(["bench", "--checkpoint-file", "/nonexistent/model.safetensors"])
        #expect(missing.status == 1)
        #expect(missing.stderr.hasPrefix("prunescope: /nonexistent/model.safetensors"), "\(missing.stderr)")
        #expect(missing.stderr.split(separator: "\n").count == 1)
    }

    @Test func rejectsBadSizes() throws {
        for args in [["--checkpoint-mb", "0"], ["--runs", "0"]] {
            let r = try Binary.run(["bench", "--checkpoint"] + args)
            #expect(r.status != 0)
            #expect(r.stderr.contains(args[0]), "\(r.stderr)")
        }
    }

    /// `bench --sparse`: every sparsity x batch x format row with its fields
    /// (the timings are reported, not asserted); a missing model is one line.
    @Test func sparseSweepHasEveryRow() throws {
        let dir = try TinyModel.trained("bench-sparse")
        let r = try Binary.run(["bench", "--sparse", dir.path, "--runs", "1", "--threads", "1", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let rows = try #require(report["rows"] as? [[String: Any]])
        // 7 sparsities x 3 batches x (csr, block, auto), and 2:4 x 3 batches x (nm24, auto).
        let expected: Int = 7 * 3 * 3 + 3 * 2
        #expect(rows.count == expected)
        for row in rows {
            for key in ["sparsity", "batch", "format", "dense_ms", "sparse_ms", "speedup", "spread", "runs"] {
                #expect(row[key] != nil, "\(key) missing in \(row)")
            }
            #expect(["model-forward", "feature-major"].contains(row["baseline"] as? String), "\(row)")
        }
        #expect(Set(rows.compactMap { $0["format"] as? String }) == ["csr", "block", "auto", "nm24"])
        #expect(Set(rows.compactMap { $0["batch"] as? Int }) == [1, 16, 256])
        let missing = try Binary.run(["bench", "--sparse", "/nonexistent/model"])
        #expect(missing.status == 1)
        #expect(missing.stderr.hasPrefix("prunescope: /nonexistent/model"), "\(missing.stderr)")
        #expect(missing.stderr.split(separator: "\n").count == 1)
    }
}
