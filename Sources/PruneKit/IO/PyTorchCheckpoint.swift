#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The two layouts `torch.save` writes, recognised by their bytes whatever
/// the file's name. The zip layout is read by `PyTorchFile` (through a
/// restricted unpickler that runs nothing); the legacy pickle is refused with
/// the one-line conversion, since reading it would mean a full unpickler.
public enum PyTorchCheckpoint: String, Sendable, Equatable, CaseIterable {
    /// torch >= 1.6: a zip whose members sit under one folder, with the
    /// pickled object in `<folder>/data.pkl` and tensors in `<folder>/data/N`.
    case zip
    /// Older torch (or `_use_new_zipfile_serialization=False`): a pickle
    /// stream from the first byte, PROTO opcode 0x80 with protocol 2 to 5.
    case legacyPickle

    /// What the file is, for an error message.
    public var summary: String {
        switch self {
        case .zip: "a PyTorch torch.save checkpoint (zip with data.pkl)"
        case .legacyPickle: "a PyTorch torch.save checkpoint in the legacy pickle format (before torch 1.6)"
        }
    }

    /// Which `torch.save` layout `path` has, from its bytes (not its name),
    /// or nil for anything else, including files that cannot be read.
    public static func detect(path: String) -> PyTorchCheckpoint? {
        guard let mapping = try? MappedFile(path: path) else { return nil }
        return detect(mapping.bytes, path: path)
    }

    /// `detect(path:)` on bytes already in memory.
    static func detect(_ bytes: UnsafeRawBufferPointer, path: String) -> PyTorchCheckpoint? {
        guard bytes.count >= 2 else { return nil }
        if bytes[0] == 0x80, (2...5).contains(bytes[1]) { return .legacyPickle }
        guard bytes.count >= 4, bytes[0] == 0x50, bytes[1] == 0x4B, bytes[2] == 0x03, bytes[3] == 0x04 else { return nil }
        let isPickle = { (name: String) in name == "data.pkl" || name.hasSuffix("/data.pkl") }
        if let directory = try? ZipDirectory.read(bytes, path: path) {
            return directory.members.contains { isPickle($0.name) } ? .zip : nil
        }
        // A damaged end of file: torch writes data.pkl first, so the first
        // local header (name length at 26, name from 30) still tells.
        guard bytes.count >= 30 else { return nil }
        let nameLength = Int(bytes[26]) | Int(bytes[27]) << 8
        guard bytes.count >= 30 + nameLength else { return nil }
        return isPickle(String(decoding: bytes[30..<(30 + nameLength)], as: UTF8.self)) ? .zip : nil
    }

    /// The one-line advice for `path`: what it is and the command that
    /// converts it to safetensors (`model.pt` -> `model.safetensors`).
    static func advice(path: String, kind: PyTorchCheckpoint) -> String {
        let fileName = path.split(separator: "/").last.map(String.init) ?? path
        let stem = fileName.contains(".") ? String(fileName[..<(fileName.lastIndex(of: ".") ?? fileName.endIndex)]) : fileName
        let directory = path.hasSuffix(fileName) ? String(path.dropLast(fileName.count)) : ""
        func quoted(_ text: String) -> String {
            "'" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
        }
        let target = directory + (stem.isEmpty ? fileName : stem) + ".safetensors"
        return "\(kind.summary); PruneScope reads safetensors: convert it with python -c \"import torch, "
            + "safetensors.torch as s; s.save_file(torch.load(\(quoted(path))), \(quoted(target)))\""
    }
}
