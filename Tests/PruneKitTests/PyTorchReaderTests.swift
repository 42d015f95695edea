import Foundation
import Testing

@testable import PruneKit

/// `torch.save` zip checkpoints read to the exact bytes of the same tensors
/// saved as safetensors by PyTorch itself (make_torch_pt_fixture.py), with
/// views, shared storages and nested dicts as torch writes them.
@Suite struct PyTorchReaderTests {
    @Test(arguments: [
        ("torch_checkpoint.pt", "torch_checkpoint.safetensors"),
        ("pytorch_model.bin", "pytorch_model.safetensors"),
        ("torch_protocol4.pt", "torch_protocol4.safetensors"),
    ])
    func everyTensorHasTheBytesOfItsSafetensorsTwin(torch: String, twin: String) throws {
        let file = try openTensorArchive(path: Fixtures.path(torch))
        let reference = try openTensorArchive(path: Fixtures.path(twin))
        #expect(file.format == .pytorch)
        #expect(file.metadata == ["format": "pt"])
        #expect(Set(file.tensors.map(\.name)) == Set(reference.tensors.map(\.name)))
        for expected in reference.tensors {
            let info = try #require(file.info(named: expected.name))
            #expect(info.dtype == expected.dtype, "\(expected.name)")
            #expect(info.shape == expected.shape, "\(expected.name)")
            #expect(try file.rawBytes(named: expected.name) == reference.rawBytes(named: expected.name), "\(expected.name)")
            #expect(try file.floatTensor(named: expected.name).data.count == expected.elementCount)
        }
    }

    @Test func theCheckpointsLayoutIsAsTorchWroteIt() throws {
        let file = try PyTorchFile(contentsOf: Fixtures.path("torch_checkpoint.pt"))
        // Insertion order of the state_dict, under the key that held it.
        #expect(file.tensors.first?.name == "state_dict.fc.weight")
        #expect(file.info(named: "state_dict.transposed")?.shape == [8, 6])
        #expect(file.info(named: "state_dict.steps")?.dtype == .I64)
        #expect(file.info(named: "state_dict.scalar")?.shape == [])
        #expect(file.skippedEntries == ["epoch (int)", "name (str)", "history (list)", "best (dict)"])
        let model = try PyTorchFile(contentsOf: Fixtures.path("pytorch_model.bin"))
        // Tied weights: one storage, two names, the same bytes.
        #expect(try model.rawBytes(named: "decoder.weight") == model.rawBytes(named: "embeddings.weight"))
        #expect(model.info(named: "bn.num_batches_tracked")?.dtype == .I64)
        #expect(model.skippedEntries.isEmpty)
    }

    @Test func viewsAreGatheredRowMajorAndBigEndianFilesSwapped() throws {
        let dir = TempDir()
        let storage: [Float] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
        let pickle = TorchPickle.dict([
            ("t", TorchPickle.tensor(key: "0", count: 12, size: [4, 3], stride: [1, 4])),  // 3x4 transposed
            ("s", TorchPickle.tensor(key: "0", count: 12, offset: 5, size: [2, 2], stride: [4, 1])),  // [1:3, 1:3]
            ("e", TorchPickle.tensor(key: "0", count: 12, offset: 2, size: [2, 3], stride: [0, 1])),  // expanded row
            ("c", TorchPickle.tensor(key: "0", count: 12, offset: 8, size: [4], stride: [1])),
        ])
        let expected: [String: [Float]] = [
            "t": [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11], "s": [5, 6, 9, 10], "e": [2, 3, 4, 2, 3, 4], "c": [8, 9, 10, 11],
        ]
        for bigEndian in [false, true] {
            let path = dir.file(bigEndian ? "big.pt" : "little.pt")
            let bytes = TorchPickle.f32(storage, bigEndian: bigEndian)
            writeBytes(TorchPickle.zip(pickle: pickle, storages: [("0", bytes)], byteorder: bigEndian ? "big" : "little"), path)
            let file = try PyTorchFile(contentsOf: path)
            #expect(file.tensors.map(\.name) == ["t", "s", "e", "c"])
            for (name, values) in expected {
                #expect(try file.floatTensor(named: name).data == values, "\(name) big-endian: \(bigEndian)")
                #expect(try file.rawBytes(named: name) == TorchPickle.f32(values), "\(name)")
            }
        }
    }
}
