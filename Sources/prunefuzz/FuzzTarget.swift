import Foundation
import PruneKit

/// One parser under fuzzing: what an input is, and how it is read exactly as
/// PruneScope reads such a file.
///
/// Each input is written to a file in a private workspace (every reader takes
/// a path, and the file-kind checks are part of what is tested), then read
/// completely: every tensor converted, every dataset row parsed, a model
/// built and run. A thrown error is a correct outcome; only a crash, a
/// sanitizer report or a hang is a finding.
enum FuzzTarget: String, CaseIterable, Sendable {
    case safetensors, npy, npz, pt, idx, csv, spec, session

    /// Reads `input` the way PruneScope would. Returns nil when it was
    /// accepted, else the first error's text (the rest of the input is then
    /// still read where the commands would read it).
    @discardableResult
    func run(_ input: [UInt8], in workspace: FuzzWorkspace) -> String? {
        do {
            switch self {
            case .safetensors, .npy, .npz, .pt:
                // A .pt is a torch.save zip read by the restricted unpickler.
                try readArchive(path: workspace.write(input, as: "input.\(rawValue)"))
            case .idx:
                try readIDX(input, in: workspace)
            case .csv:
                let path = workspace.write(input, as: "input.csv")
                _ = try? CSV.readDataset(path: path, hasHeader: true, labelColumn: .name("label"), classCount: 3, name: "fuzz")
                _ = try CSV.readDataset(path: path, name: "fuzz")
            case .spec:
                try loadSpec(input, in: workspace)
            case .session:
                try loadSession(input, in: workspace)
            }
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// Opens a tensor file through the format sniffing every command uses,
    /// then reads every tensor in each way the commands do: converted,
    /// raw, and streamed in chunks.
    private func readArchive(path: String) throws {
        let archive = try openTensorArchive(path: path)
        var firstError: (any Error)?
        for info in archive.tensors {
            do {
                _ = try archive.floatTensor(named: info.name)
                _ = try archive.rawBytes(named: info.name)
                var sum: Float = 0
                try archive.forEachChunk(named: info.name) { chunk in
                    for value in chunk { sum += value }
                }
            } catch {
                firstError = firstError ?? error
            }
        }
        if let firstError { throw firstError }
    }

    /// The input is an images file; a labels file is made to match its count
    /// when the header allows, so both readers and the pairing are reached.
    private func readIDX(_ input: [UInt8], in workspace: FuzzWorkspace) throws {
        let images = workspace.write(input, as: "images-idx3-ubyte")
        let declared = input.count >= 8 ? input[4..<8].reduce(0) { $0 << 8 | Int($1) } : 0
        let count = min(declared, 1 << 16)
        let labels = workspace.write(IDX.encode(shape: [count], bytes: (0..<count).map { UInt8($0 % 10) }), as: "labels-idx1-ubyte")
        _ = try? IDX.readUnsignedBytes(path: images, magic: IDX.labelsMagic)
        _ = try? IDX.readDataset(images: images, labels: images, classCount: 10, name: "fuzz")
        _ = try IDX.readDataset(images: images, labels: labels, classCount: nil, name: "fuzz")
    }

    /// The input is a `model.json`, loaded as `prunescope info`/`eval` load
    /// one (decode, validate, build, read the weights and data), then run on
    /// a few validation samples.
    private func loadSpec(_ input: [UInt8], in workspace: FuzzWorkspace) throws {
        let path = workspace.write(input, as: "model.json", in: "spec")
        let bundle = try ModelBundle.load(path: path)
        _ = try bundle.model.activationShapes()
        let count = min(4, bundle.validation.count)
        guard count > 0 else { return }
        _ = evaluate(bundle.model, on: bundle.validation.subset(0..<count), batchSize: 2)
    }

    /// The input is a session packed as `FuzzSession.pack` does (session.json
    /// and tensors.safetensors), resumed on the fixed session model.
    private func loadSession(_ input: [UInt8], in workspace: FuzzWorkspace) throws {
        guard let (json, tensors) = FuzzSession.unpack(input) else {
            throw FuzzSession.Unpacked.tooShort
        }
        workspace.write(json, as: "session.json", in: "session")
        workspace.write(tensors, as: "tensors.safetensors", in: "session")
        let directory = workspace.directory(named: "session")
        let session = try PruningSession.load(from: directory, model: try FuzzSession.model())
        _ = evaluate(session.model, on: FuzzSession.data, batchSize: 4)
    }
}
