import Foundation
import PruneKit

/// A working directory full of hostile and broken inputs for the bad-input
/// catalogue: a trained tiny model, a pruning session and damaged copies of
/// it, crafted specs, FIFOs, a symbolic link, a binary theme.
struct BadInputs {
    /// The working directory every catalogue case runs in.
    let root: URL

    func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// Builds the directory (trains the tiny model and prunes it once).
    static func make() throws -> BadInputs {
        let root = try TinyModel.trained("catalogue")
        let inputs = BadInputs(root: root)
        try inputs.populate()
        return inputs
    }

    private func write(_ text: String, to relative: String) throws {
        let url = root.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    private func fifo(_ relative: String) throws {
        guard mkfifo(path(relative), 0o600) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    /// model.json of the tiny model with `replace` applied, in `directory`
    /// (weights and data shared with the trained model).
    private func spec(_ directory: String, _ replace: [(String, String)]) throws {
        var text = try String(contentsOf: root.appendingPathComponent("model.json"), encoding: .utf8)
            .replacingOccurrences(of: "\"weights.safetensors\"", with: "\"../weights.safetensors\"")
        for (a, b) in replace {
            precondition(text.contains(a), "\(a) not in the spec")
            text = text.replacingOccurrences(of: a, with: b)
        }
        try write(text, to: "\(directory)/model.json")
    }

    private func populate() throws {
        let fm = FileManager.default
        let fc1 = "\"inFeatures\": 2, \"outFeatures\": 3}"
        try spec("dense-2e31", [(fc1, "\"inFeatures\": 2, \"outFeatures\": 2147483648}")])
        try spec("dense-1e12", [(fc1, "\"inFeatures\": 2, \"outFeatures\": 1000000000000}")])
        try spec("dense-intmax", [(fc1, "\"inFeatures\": 2, \"outFeatures\": 9223372036854775807}")])
        try spec("dense-product", [(fc1, "\"inFeatures\": 4294967296, \"outFeatures\": 4294967296}")])
        let convLayers = { (channels: String, kernel: String, padding: String) in
            """
            {"kind": "conv2d", "name": "c1", "inChannels": 1, "outChannels": \(channels), "kernelSize": \(kernel), "padding": \(padding)},
                {"kind": "flatten", "name": "f"}, {"kind": "dense", "name": "fc1", "inFeatures": 2, "outFeatures": 3}
            """
        }
        let fc1Line = "{\"kind\": \"dense\", \"name\": \"fc1\", \"inFeatures\": 2, \"outFeatures\": 3}"
        try spec("conv-channels", [("\"inputShape\": [2]", "\"inputShape\": [1, 8, 8]"), (fc1Line, convLayers("1099511627776", "3", "0"))])
        try spec("conv-kernel", [("\"inputShape\": [2]", "\"inputShape\": [1, 8, 8]"), (fc1Line, convLayers("4", "2147483648", "0"))])
        try spec(
            "conv-padding", [("\"inputShape\": [2]", "\"inputShape\": [1, 8, 8]"), (fc1Line, convLayers("4", "3", "4611686018427387904"))])
        try spec("input-huge", [("\"inputShape\": [2]", "\"inputShape\": [2147483648, 2147483648]")])
        try spec("input-zero", [("\"inputShape\": [2]", "\"inputShape\": [0]")])
        try spec("batch-intmax", [("\"batchSize\": 8", "\"batchSize\": 9223372036854775807")])
        try spec("epochs-huge", [("\"epochs\": 3", "\"epochs\": 1000000000000")])
        try spec("count-huge", [("\"count\": 64", "\"count\": 1000000000000")])
        try spec("momentum-5", [("\"momentum\": 0.9", "\"momentum\": 5")])
        let original = try String(contentsOf: root.appendingPathComponent("model.json"), encoding: .utf8)
        if let start = original.range(of: "\"layers\": ["), let end = original.range(of: "],", range: start.upperBound..<original.endIndex)
        {
            try write(
                original.replacingCharacters(in: start.lowerBound..<end.upperBound, with: "\"layers\": [],"), to: "no-layers/model.json")
        }
        try spec("name-number", [("\"name\": \"tiny\"", "\"name\": 3")])
        try spec("mean-scalar", [("\"splitSeed\": 2}", "\"splitSeed\": 2, \"normalisation\": {\"mean\": 0.5, \"std\": 2}}")])
        try spec("escape-tensor", [("\"head.w\"", "\"\\u001b]0;pwned\\u0007head\"")])
        try spec("escape-layer", [("\"name\": \"fc2\", \"inFeatures\": 3", "\"name\": \"\\u001b[2Jfc2\", \"inFeatures\": 5")])
        try spec("fifo-weights", [("\"../weights.safetensors\"", "\"weights.fifo\"")])
        try fifo("fifo-weights/weights.fifo")
        try spec(
            "fifo-data",
            [
                (
                    "\"format\": \"synthetic\", \"generator\": \"xor\"",
                    "\"format\": \"idx\", \"images\": \"images.fifo\", \"labels\": \"labels\""
                )
            ])
        try fifo("fifo-data/images.fifo")

        try fifo("fifo")
        try fifo("pipe.safetensors")
        try fifo("spec.json")
        try fifo("theme.fifo")
        try Data((0..<200).map { UInt8(($0 * 37) % 256) }).write(to: root.appendingPathComponent("binary.theme"))
        try fm.createSymbolicLink(atPath: path("link.safetensors"), withDestinationPath: path("elsewhere.safetensors"))
        try fm.createDirectory(atPath: path("a-directory"), withIntermediateDirectories: true)
        try "not a directory".write(toFile: path("plain-file"), atomically: true, encoding: .utf8)
        try fm.createDirectory(atPath: path("bare"), withIntermediateDirectories: true)
        try fm.copyItem(atPath: path("weights.safetensors"), toPath: path("bare/checkpoint.safetensors"))
        let weights = try Data(contentsOf: root.appendingPathComponent("weights.safetensors"))
        try weights.prefix(weights.count - 7).write(to: root.appendingPathComponent("bare/truncated.safetensors"))
        try Data("PK\u{3}\u{4}garbage".utf8).write(to: root.appendingPathComponent("bare/garbage.npz"))
        try weights.prefix(20).write(to: root.appendingPathComponent("bare/x\u{1B}]0;pwned\u{7}.safetensors"))

        let pruned = try Binary.run(["prune", root.path, "--sparsity", "0.5", "--out", path("pruned"), "--no-progress"])
        guard pruned.status == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: pruned.stderr]) }
        try damagedSessions()
    }

    /// Copies of pruned/session: wrong shape, flipped bit, NaN, torn, garbage JSON, FIFO JSON.
    private func damagedSessions() throws {
        let fm = FileManager.default
        let good = path("pruned/session")
        try fm.createDirectory(atPath: path("sessions"), withIntermediateDirectories: true)
        for name in ["wrong-shape", "bit-flip", "nan", "torn", "garbage", "fifo-json"] {
            try fm.copyItem(atPath: good, toPath: path("sessions/\(name)"))
        }
        let tensorsOf = { (name: String) in self.path("sessions/\(name)/tensors.safetensors") }
        func rewrite(_ name: String, _ change: (String, Tensor) -> Tensor) throws {
            let file = try SafetensorsFile(contentsOf: tensorsOf(name))
            let entries = try file.tensors.map {
                SafetensorsEntry(name: $0.name, tensor: change($0.name, try file.floatTensor(named: $0.name)))
            }
            try SafetensorsWriter.write(entries, metadata: file.metadata, to: tensorsOf(name))
        }
        try rewrite("wrong-shape") { name, t in name == "step1/value/fc1.weight" ? Tensor(shape: [2, 3], data: t.data) : t }
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: tensorsOf("bit-flip"))))
        bytes[bytes.count - 2] ^= 0x10
        try Data(bytes).write(to: URL(fileURLWithPath: tensorsOf("bit-flip")))
        // NaN weights saved as such: the hash in session.json matches them.
        var nanHash = ""
        try rewrite("nan") { name, t in
            guard name == "step1/value/fc1.weight" else { return t }
            let poisoned = Tensor(shape: t.shape, data: t.data.map { _ in Float.nan })
            nanHash = poisoned.contentHash
            return poisoned
        }
        let json = URL(fileURLWithPath: path("sessions/nan/session.json"))
        if var object = try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any],
            var hashes = object["tensorHashes"] as? [String: String]
        {
            hashes["step1/value/fc1.weight"] = nanHash
            object["tensorHashes"] = hashes
            try JSONSerialization.data(withJSONObject: object).write(to: json)
        }
        // A later save of another run: new tensors beside the old session.json.
        let other = try Binary.run(["prune", root.path, "--sparsity", "0.8", "--out", path("pruned-again"), "--no-progress"])
        guard other.status == 0 else { throw CocoaError(.fileWriteUnknown) }
        try fm.removeItem(atPath: tensorsOf("torn"))
        try fm.copyItem(atPath: path("pruned-again/session/tensors.safetensors"), toPath: tensorsOf("torn"))
        try "{\"format\": \"prunescope-session\", \"version\": \"two\"}".write(
            toFile: path("sessions/garbage/session.json"), atomically: true, encoding: .utf8)
        try fm.removeItem(atPath: path("sessions/fifo-json/session.json"))
        try fifo("sessions/fifo-json/session.json")
    }

    /// Every path under the root with its size and modification time, to
    /// show that a failed command created, changed or removed nothing.
    func listing() -> [String: String] {
        var out = [String: String]()
        let fm = FileManager.default
        for case let relative as String in fm.enumerator(atPath: root.path) ?? FileManager.DirectoryEnumerator() {
            let attributes = (try? fm.attributesOfItem(atPath: path(relative))) ?? [:]
            let size = (attributes[.size] as? NSNumber)?.intValue ?? -1
            let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            out[relative] = "\(attributes[.type] ?? "?") \(size) \(modified)"
        }
        return out
    }
}
