import Foundation
import Testing

/// `prunescope inspect FILE --output OUT` writes the same bytes as before
/// the export streamed tensor by tensor: each file's length and FNV-1a hash
/// were recorded from the whole-tensor exporter (commit 6c6e8a2) on the
/// sample models' weights.
@Suite struct InspectExportGoldenTests {
    static func fnv1a(_ data: Data) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in data {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        return h
    }

    struct Case: Sendable, CustomStringConvertible {
        var model: String
        var scope: String
        var amount: String
        var granularity: String
        var length: Int
        var hash: UInt64
        var description: String { "\(model) \(scope) \(amount) \(granularity)" }
    }

    static let cases = [
        Case(
            model: "lenet-300-100", scope: "global", amount: "0.5", granularity: "unstructured", length: 1_067_432,
            hash: 0x7aa9_4d93_aa35_dd3f),
        Case(
            model: "lenet-300-100", scope: "layer", amount: "0.7", granularity: "unstructured", length: 1_067_432,
            hash: 0xdb57_7b27_c710_7789),
        Case(model: "lenet-300-100", scope: "layer", amount: "0", granularity: "2:4", length: 1_067_392, hash: 0x5b40_3c00_7e98_44f8),
        Case(model: "digits-cnn", scope: "global", amount: "0.9", granularity: "unstructured", length: 8536, hash: 0x119c_e089_8d39_da49),
        Case(model: "digits-cnn", scope: "layer", amount: "0.3", granularity: "1:4", length: 8496, hash: 0xa596_01aa_50dc_d94d),
    ]

    @Test(arguments: cases)
    func streamedExportIsByteIdentical(_ c: Case) throws {
        let source = Binary.packageRoot.appendingPathComponent("SampleModels/\(c.model)/weights.safetensors").path
        let out = NSTemporaryDirectory() + "prunescope-golden-\(UUID().uuidString).safetensors"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try Binary.run([
            "inspect", source, "--output", out, "--scope", c.scope, "--amount", c.amount, "--granularity", c.granularity,
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let data = try Data(contentsOf: URL(fileURLWithPath: out))
        #expect(data.count == c.length)
        #expect(Self.fnv1a(data) == c.hash, "\(c)")
    }
}
