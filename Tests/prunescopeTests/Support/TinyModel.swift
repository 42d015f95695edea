import Foundation

/// Throw-away model directories for command-line tests.
enum TinyModel {
    /// A fresh temporary directory.
    static func directory(_ label: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("prunescope-cli-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes model.json for a 2-H-2 dense net (layers fc1, relu1, fc2 with
    /// tensors fc1.weight, fc1.bias, head.w, head.b) on generated XOR data, or
    /// on `dataset` when given.
    static func writeSpec(
        in dir: URL, hidden: Int = 3, headWeight: String = "head.w",
        dataset: String? = nil
    ) throws {
        let data =
            dataset ?? """
                {"name": "xor", "format": "synthetic", "generator": "xor", "count": 64, "noise": 0.05, "seed": 1,
                 "validationFraction": 0.25, "splitSeed": 2}
                """
        let json = """
            {
              "name": "tiny", "inputShape": [2], "weights": "weights.safetensors",
              "layers": [
                {"kind": "dense", "name": "fc1", "inFeatures": 2, "outFeatures": \(hidden)},
                {"kind": "relu", "name": "relu1"},
                {"kind": "dense", "name": "fc2", "inFeatures": \(hidden), "outFeatures": 2, "weight": "\(headWeight)", "bias": "head.b"}
              ],
              "dataset": \(data),
              "training": {"epochs": 3, "batchSize": 8,
                           "optimizer": {"sgd": {"learningRate": 0.1, "momentum": 0.9, "weightDecay": 0}}, "seed": 5}
            }
            """
        try json.write(to: dir.appendingPathComponent("model.json"), atomically: true, encoding: .utf8)
    }

    /// A tiny model directory with trained weights (written by `prunescope train`).
    static func trained(_ label: String) throws -> URL {
        let dir = try directory(label)
        try writeSpec(in: dir)
        let result = try Binary.run(["train", dir.path, "--quiet"])
        guard result.status == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: result.stderr])
        }
        return dir
    }

    /// Big-endian IDX bytes (unsigned-byte elements).
    static func idx(shape: [Int], bytes: [UInt8]) -> Data {
        var out = [UInt8]([0, 0, 8, UInt8(shape.count)])
        for d in shape { out += [UInt8(d >> 24 & 0xFF), UInt8(d >> 16 & 0xFF), UInt8(d >> 8 & 0xFF), UInt8(d & 0xFF)] }
        return Data(out + bytes)
    }
}
