import Foundation

/// A private directory where each fuzz input is written before it is read,
/// with what the inputs refer to (sample weights and data for specs).
///
/// Laid out like `SampleModels/`: `<model>/weights.safetensors` and the
/// small data files in `data/`, so a spec written to `spec/model.json` can
/// name `../digits-cnn/weights.safetensors` and `../data/...`. The large
/// mnist5k files are left out: a spec naming them fails at the data, after
/// its model was built and its weights read, and each input stays fast.
struct FuzzWorkspace: Sendable {
    /// The workspace directory (removed by `remove()`).
    let root: String
    /// The repository, for `SampleModels/` and test fixtures.
    let repository: String

    static let sampleModels = ["digits-cnn", "digits-mlp", "lenet-300-100", "spirals-mlp"]
    static let sampleData = ["digits-images-idx3-ubyte", "digits-labels-idx1-ubyte", "spirals.csv"]

    /// Creates a fresh workspace under the temporary directory.
    static func create(repository: String) throws -> FuzzWorkspace {
        let base = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        let root = "\(base)/prunefuzz-\(getpid())"
        let files = FileManager.default
        try? files.removeItem(atPath: root)
        try files.createDirectory(atPath: root + "/spec", withIntermediateDirectories: true)
        try files.createDirectory(atPath: root + "/session", withIntermediateDirectories: true)
        try files.createDirectory(atPath: root + "/data", withIntermediateDirectories: true)
        let samples = repository + "/SampleModels"
        for model in sampleModels {
            try files.createDirectory(atPath: "\(root)/\(model)", withIntermediateDirectories: true)
            try files.copyItem(atPath: "\(samples)/\(model)/weights.safetensors", toPath: "\(root)/\(model)/weights.safetensors")
        }
        for data in sampleData {
            try files.copyItem(atPath: "\(samples)/data/\(data)", toPath: "\(root)/data/\(data)")
        }
        return FuzzWorkspace(root: root, repository: repository)
    }

    /// The repository this source file belongs to, unless `PRUNESCOPE_ROOT` says.
    static var defaultRepository: String {
        if let root = ProcessInfo.processInfo.environment["PRUNESCOPE_ROOT"] { return root }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }

    /// The path of the workspace's subdirectory `name`.
    func directory(named name: String) -> String { "\(root)/\(name)" }

    /// Writes `bytes` to `name` (in `subdirectory`, or the root) and returns its path.
    @discardableResult
    func write(_ bytes: [UInt8], as name: String, in subdirectory: String? = nil) -> String {
        let path = subdirectory.map { "\(root)/\($0)/\(name)" } ?? "\(root)/\(name)"
        guard let handle = fopen(path, "wb") else { fatalError("prunefuzz: cannot write \(path)") }
        if !bytes.isEmpty { _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, handle) } }
        fclose(handle)
        return path
    }

    /// Removes the workspace.
    func remove() { try? FileManager.default.removeItem(atPath: root) }
}
