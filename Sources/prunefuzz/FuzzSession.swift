import Foundation
import PruneKit

/// The fixed model and data that fuzzed sessions are resumed on, and the
/// packing of a session's two files into one fuzz input.
enum FuzzSession {
    /// Why an input is no packed session.
    enum Unpacked: Error, CustomStringConvertible {
        case tooShort
        var description: String { "not a packed session: its session.json length runs past the input" }
    }

    /// A 2-8-3 perceptron, the same (seeded) weights every time.
    static func model() throws -> Model {
        var rng = SeededRandom(seed: 7)
        let layers: [any Layer] = [
            Dense(name: "fc1", inFeatures: 2, outFeatures: 8, weightName: "fc1.weight", biasName: "fc1.bias", rng: &rng),
            ReLU(name: "relu1"),
            Dense(name: "fc2", inFeatures: 8, outFeatures: 3, weightName: "fc2.weight", biasName: "fc2.bias", rng: &rng),
        ]
        return Model(name: "fuzz-session", inputShape: [2], layers: layers)
    }

    /// Three blobs of 2-D points the model is evaluated on.
    static let data = SyntheticData.blobs(count: 24, classes: 3, spread: 0.5, seed: 3)

    /// One input: little-endian UInt32 length of `session.json`, its bytes,
    /// then `tensors.safetensors`.
    static func pack(json: [UInt8], tensors: [UInt8]) -> [UInt8] {
        let count = UInt32(json.count)
        return (0..<4).map { UInt8(truncatingIfNeeded: count >> (8 * $0)) } + json + tensors
    }

    /// The two files of a packed input, or nil when the length is impossible.
    static func unpack(_ input: [UInt8]) -> (json: [UInt8], tensors: [UInt8])? {
        guard input.count >= 4 else { return nil }
        let count = (0..<4).reduce(0) { $0 | Int(input[$1]) << (8 * $1) }
        guard count <= input.count - 4 else { return nil }
        return (Array(input[4..<(4 + count)]), Array(input[(4 + count)...]))
    }

    /// Saved sessions of the model: fresh, pruned, pruned and retrained
    /// (momentum buffers), and after an undo.
    static func seeds(scratch: String) throws -> [[UInt8]] {
        let session = PruningSession(model: try model(), train: data, validation: data, seed: 0)
        var packed: [[UInt8]] = []
        func save() throws {
            let directory = "\(scratch)/session-\(packed.count)"
            try session.save(to: directory)
            let json = try [UInt8](Data(contentsOf: URL(fileURLWithPath: directory + "/session.json")))
            let tensors = try [UInt8](Data(contentsOf: URL(fileURLWithPath: directory + "/tensors.safetensors")))
            packed.append(pack(json: json, tensors: tensors))
        }
        try save()
        try session.prune(PruneRequest(amount: .sparsity(0.5)))
        try save()
        try session.retrain(epochs: 1, batchSize: 8, optimizer: .sgd(learningRate: 0.1, momentum: 0.9))
        try save()
        try session.undo()
        try save()
        return packed
    }
}
