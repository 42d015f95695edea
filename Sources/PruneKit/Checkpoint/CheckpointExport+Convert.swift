import Foundation

extension CheckpointExport {
    /// Writes every tensor of `archive` unchanged to `path` as safetensors,
    /// atomically: a conversion (e.g. of a `torch.save` checkpoint), each
    /// tensor's name, dtype, shape and bytes kept, in the archive's order.
    ///
    /// The metadata is the archive's (`format: pt` for a torch checkpoint)
    /// without older `prunescope.` keys, since nothing was pruned.
    /// - Returns: the metadata written.
    @discardableResult
    public static func convert(_ archive: any TensorArchive, to path: String) throws -> [String: String] {
        try refuseSource(archive, as: path)
        let metadata = archive.metadata.filter { !$0.key.hasPrefix(metadataPrefix) }
        let header = try SafetensorsWriter.layoutHeader(
            archive.tensors.map { ($0.name, $0.dtype, $0.shape, $0.byteCount) }, metadata: metadata, path: path)
        try AtomicFile.write(to: path) { sink in
            try sink.append(header)
            for info in archive.tensors {
                try archive.withRawBytes(named: info.name) { try sink.append($0) }
            }
        }
        return metadata
    }

    /// Throws `Failure.sameFile` when `path` is the file `archive` was read from.
    static func refuseSource(_ archive: any TensorArchive, as path: String) throws {
        if FileManager.default.fileExists(atPath: path),
            URL(fileURLWithPath: path).resolvingSymlinksInPath().path == URL(fileURLWithPath: archive.path).resolvingSymlinksInPath().path
        {
            throw Failure.sameFile(path: path)
        }
    }
}
