import Foundation
import PruneKit
import Testing

/// `prunescope prune --out DIR` killed (SIGKILL) at named moments of its
/// set write and at several delays: DIR always holds the whole old export
/// or the whole new one, and the next run leaves no leftovers.
@Suite(.serialized) struct AtomicOutputEndToEndTests {
    static let sample = "SampleModels/lenet-300-100"
    /// The old export: neuron pruning, with a smaller/ model.
    static let old = ["--granularity", "neuron", "--criterion", "l2-norm", "--sparsity", "0.5"]
    /// The new export: unstructured, no smaller/ (a stale one must not survive).
    static let new = ["--sparsity", "0.9"]

    private static func prune(_ options: [String], to out: String, environment: [String: String] = [:]) throws -> Binary.Result {
        try Binary.run(["prune", sample] + options + ["--out", out, "--no-progress"], environment: environment)
    }

    /// The weights and masks files of a clean run of each configuration, to compare against.
    struct References {
        var weights: [String: String]  // "old"/"new" -> content
        var masks: [String: String]
    }

    /// Made once for the suite (two clean runs), in a directory removed afterwards.
    private static let shared: References? = {
        guard let root = try? root() else { return nil }
        defer { try? FileManager.default.removeItem(atPath: root) }
        var weights = [String: String](), masks = [String: String]()
        for (name, options) in [("old", old), ("new", new)] {
            let dir = root + "/reference-" + name
            guard (try? prune(options, to: dir))?.status == 0 else { return nil }
            weights[name] = try? String(contentsOfFile: dir + "/model.safetensors", encoding: .isoLatin1)
            masks[name] = try? String(contentsOfFile: dir + "/masks.safetensors", encoding: .isoLatin1)
        }
        return References(weights: weights, masks: masks)
    }()

    private static func references() throws -> References {
        try #require(shared, "the reference runs of prune failed")
    }

    /// Which export each file of `dir` belongs to: "old", "new", "missing"
    /// (nothing there at all), or a description of the mix.
    private static func classify(_ dir: String, _ refs: References) -> String {
        guard FileManager.default.fileExists(atPath: dir) else { return "missing" }
        func text(_ name: String) -> String? { try? String(contentsOfFile: dir + "/" + name, encoding: .isoLatin1) }
        var verdicts = [String: String]()
        let weights = text("model.safetensors")
        verdicts["weights"] = weights == refs.weights["old"] ? "old" : weights == refs.weights["new"] ? "new" : "other"
        let masks = text("masks.safetensors")
        verdicts["masks"] = masks == refs.masks["old"] ? "old" : masks == refs.masks["new"] ? "new" : "other"
        for name in ["report.json", "report.md", "session/session.json"] {
            let content = text(name) ?? ""
            verdicts[name] = content.isEmpty ? "missing" : content.contains("neuron") ? "old" : "new"
        }
        verdicts["smaller/"] = FileManager.default.fileExists(atPath: dir + "/smaller/model.json") ? "old" : "new"
        // The session pair is from one save.
        if let json = text("session/session.json"), let tensors = try? SafetensorsFile(contentsOf: dir + "/session/tensors.safetensors"),
            let id = tensors.metadata["prunescope.save_id"], json.contains(id)
        {
            verdicts["session pair"] = verdicts["session/session.json"]
        } else {
            verdicts["session pair"] = "torn"
        }
        let kinds = Set(verdicts.values)
        if kinds.count == 1, let kind = kinds.first { return kind }
        return verdicts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }

    private static func leftovers(_ root: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).filter { $0.hasPrefix(".prunescope-") }
    }

    private static func root() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("prunescope-kill-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Killed at each named point of the set write: before the swap the old
    /// set is in place, after it the new one; the next run cleans up.
    @Test(arguments: [
        ("set-written:out", false, "old"), ("set-swapped:out", false, "new"), ("set-swapped:session", false, "old"),
        ("set-written:out", true, "old"), ("set-aside:out", true, "missing"), ("set-swapped:out", true, "new"),
    ])
    func killedAtANamedPoint(point: String, fallback: Bool, expected: String) throws {
        let root = try Self.root()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let refs = try Self.references()
        let out = root + "/out"
        #expect(try Self.prune(Self.old, to: out).status == 0)
        try Data("mine".utf8).write(to: URL(fileURLWithPath: out + "/notes.md"))
        var environment = ["PRUNESCOPE_KILL_AT": point]
        if fallback { environment["PRUNESCOPE_NO_EXCHANGE"] = "1" }
        let killed = try Self.prune(Self.new, to: out, environment: environment)
        #expect(killed.status == SIGKILL, "not killed at \(point): \(killed.stderr)")
        #expect(Self.classify(out, refs) == expected)
        if expected == "missing" {
            // The old set waits aside; the next run puts it back before anything else.
            #expect(Self.leftovers(root).contains { $0.hasPrefix(OutputSet.asidePrefix) })
            let again = try Self.prune(Self.new, to: out, environment: ["PRUNESCOPE_KILL_AT": "set-written:out"])
            #expect(again.status == SIGKILL)
            #expect(Self.classify(out, refs) == "old")
        }
        #expect(try String(contentsOfFile: out + "/notes.md", encoding: .utf8) == "mine")
        // The next run completes and leaves nothing of the killed one behind.
        let next = try Self.prune(Self.new, to: out)
        #expect(next.status == 0, "\(next.stderr)")
        #expect(Self.classify(out, refs) == "new")
        #expect(Self.leftovers(root) == [])
        #expect(try String(contentsOfFile: out + "/notes.md", encoding: .utf8) == "mine")
    }

    /// Killed after fixed delays (the whole run takes a few seconds): never a mix.
    @Test func killedAtDelaysNeverMixes() throws {
        let root = try Self.root()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let refs = try Self.references()
        let out = root + "/out"
        #expect(try Self.prune(Self.old, to: out).status == 0)
        var seen = [String: Int]()
        for delay in [0.2, 0.6, 1.0, 1.4, 1.8, 2.2, 2.6] {
            let process = Process()
            process.executableURL = Binary.url
            process.arguments = ["prune", Self.sample] + Self.new + ["--out", out, "--no-progress"]
            process.currentDirectoryURL = Binary.packageRoot
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let state = Self.classify(out, refs)
            seen[state, default: 0] += 1
            #expect(state == "old" || state == "new", "after \(delay) s: \(state)")
            // Start each kill from the old set.
            if state == "new" { #expect(try Self.prune(Self.old, to: out).status == 0) }
        }
        #expect(try Self.prune(Self.new, to: out).status == 0)
        #expect(Self.leftovers(root) == [])
    }
}
