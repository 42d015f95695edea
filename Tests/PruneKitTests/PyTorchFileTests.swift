import Foundation
import Testing

@testable import PruneKit

/// `torch.save` files are recognised by their bytes wherever a weights file
/// is read: the zip format opens whatever its name, the legacy pickle is
/// refused with one line that says what it is and how to convert it (not
/// "not a .npy file").
@Suite struct PyTorchFileTests {
    private func directory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("prunescope-torch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A stored (uncompressed) zip with the given members, as Python's zipfile writes it.
    static func zip(_ members: [(String, [UInt8])]) -> [UInt8] {
        func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func le32(_ v: Int) -> [UInt8] { le16(v & 0xFFFF) + le16(v >> 16 & 0xFFFF) }
        var out = [UInt8](), central = [UInt8]()
        for (name, data) in members {
            let offset = out.count
            let crc = data.withUnsafeBytes { Int(Inflater.crc32($0)) }
            let common =
                le16(20) + le16(0) + le16(0) + le16(0) + le16(0) + le32(crc) + le32(data.count) + le32(data.count)
                + le16(name.utf8.count)
            out += [0x50, 0x4B, 0x03, 0x04] + common + le16(0) + Array(name.utf8) + data
            central +=
                [0x50, 0x4B, 0x01, 0x02] + le16(20) + common + le16(0) + le16(0) + le16(0) + le16(0) + le32(0)
                + le32(offset) + Array(name.utf8)
        }
        let start = out.count
        out += central
        out +=
            [0x50, 0x4B, 0x05, 0x06] + le16(0) + le16(0) + le16(members.count) + le16(members.count)
            + le32(central.count) + le32(start) + le16(0)
        return out
    }

    static let pickle: [UInt8] = [0x80, 0x02, 0x7D, 0x71, 0x00, 0x2E]  // protocol 2: an empty dict

    @Test func bothTorchLayoutsAreRecognisedByTheirBytes() throws {
        let dir = try directory()
        let zipped = dir.appendingPathComponent("model.pt").path
        try Data(Self.zip([("archive/data.pkl", Self.pickle), ("archive/version", Array("3\n".utf8))])).write(
            to: URL(fileURLWithPath: zipped))
        #expect(PyTorchCheckpoint.detect(path: zipped) == .zip)
        for proto: UInt8 in 2...5 {
            let legacy = dir.appendingPathComponent("legacy\(proto).bin").path
            try Data([0x80, proto] + Self.pickle.dropFirst(2)).write(to: URL(fileURLWithPath: legacy))
            #expect(PyTorchCheckpoint.detect(path: legacy) == .legacyPickle)
        }
        // Not torch: an .npz (zip without data.pkl), protocol 1, a short file, a missing file.
        let npz = dir.appendingPathComponent("arrays.npz").path
        try Data(Self.zip([("w.npy", Array("not really".utf8))])).write(to: URL(fileURLWithPath: npz))
        #expect(PyTorchCheckpoint.detect(path: npz) == nil)
        let other = dir.appendingPathComponent("other.bin").path
        try Data([0x80, 0x01, 0x00]).write(to: URL(fileURLWithPath: other))
        #expect(PyTorchCheckpoint.detect(path: other) == nil)
        try Data([0x80]).write(to: URL(fileURLWithPath: other))
        #expect(PyTorchCheckpoint.detect(path: other) == nil)
        #expect(PyTorchCheckpoint.detect(path: dir.appendingPathComponent("absent.pt").path) == nil)
    }

    @Test func openingOneSaysWhatItIsAndHowToConvertIt() throws {
        let dir = try directory()
        let path = dir.appendingPathComponent("model.pt").path
        try Data(Self.pickle).write(to: URL(fileURLWithPath: path))
        let stem = dir.appendingPathComponent("model").path
        let expected =
            "\(path): a PyTorch torch.save checkpoint in the legacy pickle format (before torch 1.6); PruneScope reads safetensors: convert it with "
            + "python -c \"import torch, safetensors.torch as s; s.save_file(torch.load('\(path)'), '\(stem).safetensors')\""
        #expect(throws: TensorArchiveError.pytorchCheckpoint(path: path, kind: .legacyPickle)) { try openTensorArchive(path: path) }
        do {
            _ = try openTensorArchive(path: path)
        } catch {
            #expect("\(error)" == expected)
            #expect(!"\(error)".contains("\n"))
        }
        // The zip format, even renamed to .npy or .npz, is read as what its bytes say.
        for name in ["model.npy", "model.npz", "model.safetensors"] {
            let renamed = dir.appendingPathComponent(name).path
            try Data(Self.zip([("archive/data.pkl", Self.pickle)])).write(to: URL(fileURLWithPath: renamed))
            let archive = try openTensorArchive(path: renamed)
            #expect(archive.format == .pytorch && archive.tensors.isEmpty)
        }
    }

    @Test func asAModelsWeightsOrAloneItIsNamedTheSameWay() throws {
        let dir = try directory()
        let legacy = dir.appendingPathComponent("legacy.bin").path
        try Data(Self.pickle).write(to: URL(fileURLWithPath: legacy))
        // No model.json beside it: the legacy format is said before the missing spec.
        #expect(throws: TensorArchiveError.pytorchCheckpoint(path: legacy, kind: .legacyPickle)) { try ModelBundle.locate(path: legacy) }
        #expect(throws: TensorArchiveError.pytorchCheckpoint(path: legacy, kind: .legacyPickle)) { try ModelBundle.load(path: legacy) }
        // The zip format is a weights file like any other: it needs a spec beside it.
        let path = dir.appendingPathComponent("model.bin").path
        try Data(Self.zip([("model/data.pkl", Self.pickle), ("model/data/0", [0, 0, 0, 0])])).write(to: URL(fileURLWithPath: path))
        #expect(throws: ModelSpecError.self) { try ModelBundle.locate(path: path) }
    }
}
