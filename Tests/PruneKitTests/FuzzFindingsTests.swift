import Foundation
import Testing

@testable import PruneKit

/// Inputs libFuzzer found crashing (scripts/fuzz), kept as regression tests:
/// each now gives one line naming the file, never a crash.
@Suite struct FuzzFindingsTests {
    static func opening(_ bytes: [UInt8], as name: String) throws -> String? {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ps-fuzz-finding-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        do {
            _ = try openTensorArchive(path: path)
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// `pt` target, 102,780th execution: a 52-byte zip whose ZIP64 locator
    /// points at a record; the bound `n - 56` went negative and trapped
    /// converting to UInt64 (in `PyTorchCheckpoint.detect`, reached by every
    /// command that opens a tensor file).
    @Test func zip64LocatorInATinyFile() throws {
        let bytes = [UInt8](Data(base64Encoded: "UEsDBAAAAgAAACVQSwYHAAAAAE0GBAAhAAAAAQAAAFBLBQYAAAAAB////+MCAAA4BAAAAAA=")!)
        #expect(bytes.count < 56)
        for name in ["finding.pt", "finding.npz", "finding.bin"] {
            let error = try #require(try Self.opening(bytes, as: name))
            #expect(!error.contains("\n") && error.contains(name), "\(error)")
        }
    }
}
