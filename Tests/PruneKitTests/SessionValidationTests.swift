import Foundation
import Testing

@testable import PruneKit

/// A saved session is checked before it is trusted: a wrong-shape tensor,
/// flipped bits, NaN weights or a torn pair of files is one error naming the
/// file, never an out-of-bounds read or another run's history.
@Suite struct SessionValidationTests {
    private func model() -> Model { PruningFixtures.mlp([8, 12, 2], seed: 21) }

    /// A saved session directory with two steps (prune, retrain).
    private func saved(seed: UInt64 = 99, sparsity: Double = 0.5) throws -> String {
        let s = PruningSession(
            model: model(), train: PruningFixtures.blobs(count: 48, features: 8),
            validation: PruningFixtures.blobs(count: 16, features: 8, seed: 3), seed: seed)
        try s.prune(PruneRequest(amount: .sparsity(sparsity)))
        try s.retrain(epochs: 1, batchSize: 8, optimizer: .sgd(learningRate: 0.05, momentum: 0.9))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("prunescope-valid-\(UUID().uuidString)").path
        try s.save(to: dir)
        return dir
    }

    private func load(_ dir: String) throws -> PruningSession {
        try PruningSession.load(from: dir, model: model())
    }

    private func expectError(_ dir: String, mentions: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try load(dir)
            Issue.record("loaded a broken session", sourceLocation: sourceLocation)
        } catch {
            let text = "\(error)"
            #expect(!text.contains("\n"), sourceLocation: sourceLocation)
            for m in mentions { #expect(text.contains(m), "'\(m)' not in: \(text)", sourceLocation: sourceLocation) }
        }
    }

    /// Rewrites tensors.safetensors with `change` applied to every tensor (same metadata).
    private func rewriteTensors(_ dir: String, _ change: (String, Tensor) -> Tensor) throws {
        let path = dir + "/tensors.safetensors"
        let file = try SafetensorsFile(contentsOf: path)
        let entries = try file.tensors.map { info in
            SafetensorsEntry(name: info.name, tensor: change(info.name, try file.floatTensor(named: info.name)))
        }
        let metadata = file.metadata
        try SafetensorsWriter.write(entries, metadata: metadata, to: path)
    }

    /// Edits session.json as a JSON object.
    private func editJSON(_ dir: String, _ change: (inout [String: Any]) -> Void) throws {
        let url = URL(fileURLWithPath: dir + "/session.json")
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        change(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: url)
    }

    @Test func aSavedSessionRecordsHashesAndLoads() throws {
        let dir = try saved()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let json = try String(contentsOfFile: dir + "/session.json", encoding: .utf8)
        #expect(json.contains("\"tensorHashes\"") && json.contains("fnv1a64:") && json.contains("\"saveID\""))
        #expect(try load(dir).steps.count == 3)
    }

    @Test func wrongShapeTensorIsRefusedNamingTheFile() throws {
        let dir = try saved()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try rewriteTensors(dir) { name, t in
            name == "step2/value/fc1.weight" ? Tensor(shape: [12, 4], data: Array(t.data.prefix(48))) : t
        }
        expectError(dir, mentions: [dir + "/tensors.safetensors", "step2/value/fc1.weight", "[12, 4]", "[12, 8]"])
    }

    @Test func flippedBitIsCaughtByTheContentHash() throws {
        let dir = try saved()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let url = URL(fileURLWithPath: dir + "/tensors.safetensors")
        var bytes = [UInt8](try Data(contentsOf: url))
        bytes[bytes.count - 3] ^= 0x04  // inside the last tensor's data
        try Data(bytes).write(to: url)
        expectError(dir, mentions: [url.path, "content hash"])
    }

    @Test func nanWeightsAreRefusedEvenWithAMatchingHash() throws {
        let dir = try saved()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var poisoned = [String: String]()
        try rewriteTensors(dir) { name, t in
            guard name == "step1/value/fc2.weight" else { return t }
            var copy = t
            copy.data[5] = .nan
            poisoned[name] = copy.contentHash
            return copy
        }
        try editJSON(dir) { object in
            var hashes = object["tensorHashes"] as? [String: String] ?? [:]
            for (k, v) in poisoned { hashes[k] = v }
            object["tensorHashes"] = hashes
        }
        expectError(dir, mentions: ["tensors.safetensors", "step1/value/fc2.weight", "non-finite", "element 5"])
    }

    @Test func tornSessionIsRefused() throws {
        let old = try saved(seed: 1, sparsity: 0.5)
        let new = try saved(seed: 2, sparsity: 0.7)
        defer {
            try? FileManager.default.removeItem(atPath: old)
            try? FileManager.default.removeItem(atPath: new)
        }
        // New tensors beside the old session.json, as a kill between the two renames leaves it.
        try FileManager.default.removeItem(atPath: old + "/tensors.safetensors")
        try FileManager.default.copyItem(atPath: new + "/tensors.safetensors", toPath: old + "/tensors.safetensors")
        expectError(old, mentions: [old + "/tensors.safetensors", "torn session"])
    }

    @Test func maskValuesMustBeZeroOrOne() throws {
        let dir = try saved()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try editJSON(dir) { object in
            object["tensorHashes"] = nil; object["saveID"] = nil; object["version"] = 1
        }
        try rewriteTensors(dir) { name, t in
            guard name == "step1/mask/fc1.weight" else { return t }
            var copy = t
            copy.data[0] = 0.5
            return copy
        }
        expectError(dir, mentions: ["step1/mask/fc1.weight", "mask value other than 0 or 1"])
    }

    /// Version 1 sessions (before hashes) still load, with every other check.
    @Test func versionOneSessionsLoadWithoutHashes() throws {
        let dir = try saved()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try editJSON(dir) { object in
            object["tensorHashes"] = nil; object["saveID"] = nil; object["version"] = 1
        }
        let old = try load(dir)
        #expect(old.cursor == 2 && old.loadedWithoutContentHashes)
        try old.save(to: dir)
        #expect(try !load(dir).loadedWithoutContentHashes)
        try editJSON(dir) { object in
            object["tensorHashes"] = nil; object["saveID"] = nil; object["version"] = 2
        }
        expectError(dir, mentions: ["session.json", "tensorHashes"])
    }

    @Test func missingTensorAndFifoAreOneLine() throws {
        let dir = try saved()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try editJSON(dir) { object in
            object["tensorHashes"] = nil; object["saveID"] = nil; object["version"] = 1
        }
        let tensors = dir + "/tensors.safetensors"
        let file = try SafetensorsFile(contentsOf: tensors)
        let kept = try file.tensors.filter { $0.name != "step0/value/fc1.bias" }.map {
            SafetensorsEntry(name: $0.name, tensor: try file.floatTensor(named: $0.name))
        }
        try SafetensorsWriter.write(kept, metadata: file.metadata, to: tensors)
        expectError(dir, mentions: [tensors, "no tensor \"step0/value/fc1.bias\""])
        try FileManager.default.removeItem(atPath: tensors)
        #expect(mkfifo(tensors, 0o600) == 0)
        expectError(dir, mentions: [tensors, "FIFO"])
    }

    @Test func saveRefusesTargetsThatAreNotRegularFiles() throws {
        let dir = try saved()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let session = try load(dir)
        let fifo = dir + "/a-fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(throws: PruningError(fifo, "exists and is a FIFO (named pipe), not a directory")) { try session.save(to: fifo) }
        // session.json replaced by a link: the save must not write through it or replace it.
        let json = dir + "/session.json"
        try FileManager.default.removeItem(atPath: json)
        try FileManager.default.createSymbolicLink(atPath: json, withDestinationPath: dir + "/elsewhere.json")
        do {
            try session.save(to: dir)
            Issue.record("saved through a symbolic link")
        } catch {
            #expect("\(error)".contains("symbolic link"), "\(error)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/elsewhere.json"))
    }

    @Test func contentHashSeesShapeAndEveryBit() {
        let a = Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
        #expect(a.contentHash == Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6]).contentHash)
        #expect(a.contentHash != a.reshaped([3, 2]).contentHash)
        var b = a
        b.data[4] = Float(bitPattern: b.data[4].bitPattern ^ 1)
        #expect(a.contentHash != b.contentHash)
        #expect(a.contentHash.hasPrefix("fnv1a64:") && a.contentHash.count == 24)
    }
}
