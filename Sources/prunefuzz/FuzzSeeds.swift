import Foundation
import PruneKit

/// Seed corpora, made from the repository's sample models and test fixtures
/// (nothing is committed: the fuzz script writes them to a scratch directory).
extension FuzzTarget {
    /// The seed inputs of this target.
    func seeds(in workspace: FuzzWorkspace) throws -> [[UInt8]] {
        let samples = workspace.repository + "/SampleModels"
        let fixtures = workspace.repository + "/Tests/PruneKitTests/Fixtures"
        func read(_ path: String) throws -> [UInt8] { try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) }
        func files(in directory: String, ending suffix: String) throws -> [[UInt8]] {
            try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
                .filter { $0.hasSuffix(suffix) }.map { try read("\(directory)/\($0)") }
        }
        switch self {
        case .safetensors:
            // The small sample checkpoints, one written here, and a PyTorch one.
            let tensor = Tensor(shape: [2, 3], data: [1, -2, 0, 0.5, .greatestFiniteMagnitude, 3])
            let entries = [
                SafetensorsEntry(name: "w", tensor: tensor), try SafetensorsEntry(name: "h", tensor: tensor, dtype: .F16),
                try SafetensorsEntry(name: "b", tensor: tensor, dtype: .BF16),
            ]
            let header = try SafetensorsWriter.layoutHeader(
                entries.map { ($0.name, $0.dtype, $0.shape, $0.bytes.count) }, metadata: ["format": "pt"], path: "seed")
            let written = header + entries.flatMap(\.bytes)
            return try [
                read("\(samples)/digits-cnn/weights.safetensors"),
                read("\(samples)/spirals-mlp/weights.safetensors"),
                read("\(fixtures)/torch_mlp.safetensors"),
                written,
            ]
        case .npy:
            return try files(in: fixtures, ending: ".npy")
        case .npz:
            return try files(in: fixtures, ending: ".npz")
        case .pt:
            // Written by torch.save (make_torch_pt_fixture.py), the hostile one included.
            return try files(in: fixtures, ending: ".pt") + [read("\(fixtures)/pytorch_model.bin")]
        case .idx:
            let images = try read("\(samples)/data/digits-images-idx3-ubyte")
            let labels = try read("\(samples)/data/digits-labels-idx1-ubyte")
            return [
                IDX.encode(shape: [6, 8, 8], bytes: Array(images[16..<(16 + 6 * 64)])),
                Array(labels.prefix(8 + 40)),
                IDX.encode(shape: [2, 1, 3], bytes: [0, 1, 2, 3, 4, 255]),
            ]
        case .csv:
            let lines = String(decoding: try read("\(samples)/data/spirals.csv"), as: UTF8.self)
                .split(separator: "\n", omittingEmptySubsequences: false)
            let head = lines.prefix(30).joined(separator: "\n") + "\n"
            return [
                Array(head.utf8),
                Array("x,y,label\n0.5,1.0,0\n-1,2e-3,1\n# comment\n3,4,2\n".utf8),
                Array("1,2,0\r\n3,4,1\r\n".utf8),
            ]
        case .spec:
            // Each sample spec, pointed at its weights in the workspace.
            return try FuzzWorkspace.sampleModels.map { model in
                let text = String(decoding: try read("\(samples)/\(model)/model.json"), as: UTF8.self)
                return Array(
                    text.replacingOccurrences(of: "\"weights.safetensors\"", with: "\"../\(model)/weights.safetensors\"").utf8)
            }
        case .session:
            let scratch = workspace.directory(named: "seeds")
            defer { try? FileManager.default.removeItem(atPath: scratch) }
            return try FuzzSession.seeds(scratch: scratch)
        }
    }

    /// Writes the seeds into `directory` as `seed-<n>`.
    func writeSeeds(to directory: String, workspace: FuzzWorkspace) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (index, seed) in try seeds(in: workspace).enumerated() {
            try Data(seed).write(to: URL(fileURLWithPath: "\(directory)/seed-\(index)"))
        }
    }
}
