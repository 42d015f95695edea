import Foundation
import Testing

@testable import PruneKit

/// A fresh temporary directory per test, removed at the end.
final class TempDir {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "prunescope-io-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func file(_ name: String) -> String { path + "/" + name }
    var contents: [String] { (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Builds a safetensors file from a raw header string and data bytes.
func rawSafetensors(header: String, data: [UInt8], lengthOverride: UInt64? = nil) -> [UInt8] {
    let h = Array(header.utf8)
    var out = [UInt8]()
    withUnsafeBytes(of: (lengthOverride ?? UInt64(h.count)).littleEndian) { out.append(contentsOf: $0) }
    return out + h + data
}

func writeBytes(_ bytes: [UInt8], _ path: String) {
    FileManager.default.createFile(atPath: path, contents: Data(bytes))
}

@Suite struct SafetensorsTests {
    @Test func handBuiltFileMatchesTheFormatByteForByte() throws {
        let dir = TempDir()
        let path = dir.file("a.safetensors")
        let t = Tensor(shape: [2], data: [1, -2])
        try SafetensorsWriter.write([SafetensorsEntry(name: "w", tensor: t)], metadata: ["format": "pt"], to: path)
        let json = #"{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        var header = Array(json.utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var expected: [UInt8] = []
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { expected.append(contentsOf: $0) }
        expected += header
        expected += [0x00, 0x00, 0x80, 0x3F]  // 1.0f little-endian
        expected += [0x00, 0x00, 0x00, 0xC0]  // -2.0f
        let written = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(written == expected)
        #expect(header.count % 8 == 0)
        #expect(dir.contents == ["a.safetensors"])
    }

    @Test func readsAFileBuiltByHand() throws {
        let dir = TempDir()
        let path = dir.file("h.safetensors")
        // F16 1.0 = 0x3C00, -0.5 = 0xB800; BF16 2.0 = 0x4000; I64 7.
        let header =
            #"{"b":{"dtype":"BF16","shape":[],"data_offsets":[4,6]},"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"c":{"dtype":"I64","shape":[1],"data_offsets":[6,14]},"e":{"dtype":"F32","shape":[0,3],"data_offsets":[14,14]}}"#
        let data: [UInt8] = [0x00, 0x3C, 0x00, 0xB8, 0x00, 0x40, 7, 0, 0, 0, 0, 0, 0, 0]
        writeBytes(rawSafetensors(header: header, data: data), path)
        let file = try SafetensorsFile(contentsOf: path)
        #expect(file.tensors.map(\.name) == ["a", "b", "c", "e"])
        #expect(try file.floatTensor(named: "a").data == [1, -0.5])
        let b = try file.floatTensor(named: "b")
        #expect(b.shape == [] && b.data == [2])
        #expect(try file.floatTensor(named: "c").data == [7])
        #expect(try file.floatTensor(named: "e").shape == [0, 3])
        #expect(try file.rawBytes(named: "a") == [0x00, 0x3C, 0x00, 0xB8])
        #expect(file.metadata.isEmpty)
        #expect(file.info(named: "c")?.dataOffsets == 6..<14)
        #expect(file.info(named: "zzz") == nil)
    }

    @Test func roundTripsEveryFloatDTypeEmptyAndScalarTensors() throws {
        let dir = TempDir()
        let path = dir.file("r.safetensors")
        let values: [Float] = [0, -0.0, 1, -1.5, 3.140625, 65504, 1e-7, -2.5e-3, 100, 0.333]
        let t = Tensor(shape: [2, 5], data: values)
        let i64: [Int64] = [-3, 0, 1 << 40, 9]
        let entries: [SafetensorsEntry] = [
            try SafetensorsEntry(name: "f32", tensor: t, dtype: .F32),
            try SafetensorsEntry(name: "f16", tensor: t, dtype: .F16),
            try SafetensorsEntry(name: "bf16", tensor: t, dtype: .BF16),
            try SafetensorsEntry(name: "f64", tensor: t, dtype: .F64),
            SafetensorsEntry(name: "i64", dtype: .I64, shape: [4], bytes: i64.withUnsafeBytes { [UInt8]($0) }),
            SafetensorsEntry(name: "empty", tensor: Tensor(shape: [3, 0], data: [])),
            SafetensorsEntry(name: "scalar", tensor: Tensor(shape: [], data: [42])),
            SafetensorsEntry(name: "mask", dtype: .BOOL, shape: [3], bytes: [1, 0, 1]),
        ]
        try SafetensorsWriter.write(entries, metadata: ["format": "pt", "note": "quote \" and \\ and é"], to: path)
        let file = try SafetensorsFile(contentsOf: path)
        #expect(file.metadata == ["format": "pt", "note": "quote \" and \\ and é"])
        #expect(file.tensors.map(\.name) == entries.map(\.name))
        #expect(try file.floatTensor(named: "f32") == t)
        #expect(try file.floatTensor(named: "f64") == t)
        let f16 = try file.floatTensor(named: "f16").data
        let bf16 = try file.floatTensor(named: "bf16").data
        for (i, v) in values.enumerated() {
            #expect(abs(f16[i] - v) <= max(abs(v) * 0x1p-11, 0x1p-24))
            #expect(abs(bf16[i] - v) <= abs(v) * 0x1p-8)
        }
        #expect(f16[1].sign == .minus && f16[5] == 65504)
        #expect(try file.floatTensor(named: "i64").data == [-3, 0, Float(1 << 40), 9])
        #expect(try file.rawBytes(named: "i64") == entries[4].bytes)
        #expect(try file.floatTensor(named: "empty").shape == [3, 0])
        let scalar = try file.floatTensor(named: "scalar")
        #expect(scalar.shape == [] && scalar.data == [42])
        #expect(try file.floatTensor(named: "mask").data == [1, 0, 1])
        for e in entries { #expect(try file.rawBytes(named: e.name) == e.bytes) }
        #expect(file.info(named: "f16")?.dtype == .F16)
        #expect(file.info(named: "f64")?.elementCount == 10)
    }

    @Test func halfConversionRoundsToNearestEven() {
        #expect(FloatConversion.floatToHalf(1) == 0x3C00)
        #expect(FloatConversion.floatToHalf(-2) == 0xC000)
        #expect(FloatConversion.floatToHalf(65504) == 0x7BFF)
        #expect(FloatConversion.floatToHalf(65520) == 0x7C00)  // halfway to the next: rounds to even = inf
        #expect(FloatConversion.floatToHalf(.infinity) == 0x7C00)
        #expect(FloatConversion.floatToHalf(0x1p-24) == 0x0001)
        #expect(FloatConversion.floatToHalf(0x1p-25) == 0x0000)  // tie to even (zero)
        #expect(FloatConversion.floatToHalf(0x1.8p-25) == 0x0001)
        #expect(FloatConversion.floatToHalf(1 + 0x1p-11) == 0x3C00)  // tie, even stays
        #expect(FloatConversion.floatToHalf(1 + 0x1.8p-10) == 0x3C02)  // tie, odd rounds up
        #expect(FloatConversion.halfToFloat(FloatConversion.floatToHalf(.nan)).isNaN)
        // Every finite half survives a round trip through Float32.
        for bits in UInt16(0)...UInt16(0xFFFF) where bits & 0x7C00 != 0x7C00 {
            #expect(FloatConversion.floatToHalf(FloatConversion.halfToFloat(bits)) == bits)
        }
        #expect(FloatConversion.floatToBFloat16(1) == 0x3F80)
        #expect(FloatConversion.floatToBFloat16(Float(bitPattern: 0x3F80_8000)) == 0x3F80)  // tie to even
        #expect(FloatConversion.floatToBFloat16(Float(bitPattern: 0x3F81_8000)) == 0x3F82)
        #expect(FloatConversion.e4m3ToFloat(0x38) == 1)
        #expect(FloatConversion.e4m3ToFloat(0x7E) == 448)
        #expect(FloatConversion.e4m3ToFloat(0x7F).isNaN)
        #expect(FloatConversion.e5m2ToFloat(0x3C) == 1)
    }

    @Test func writerRejectsInconsistentEntriesAndLeavesNothing() throws {
        let dir = TempDir()
        let path = dir.file("bad.safetensors")
        #expect(throws: SafetensorsError.byteCountMismatch(path: path, tensor: "x", expected: 8, actual: 3)) {
            try SafetensorsWriter.write([SafetensorsEntry(name: "x", dtype: .F32, shape: [2], bytes: [1, 2, 3])], to: path)
        }
        #expect(throws: SafetensorsError.duplicateName(path: path, name: "x")) {
            try SafetensorsWriter.write(
                [
                    SafetensorsEntry(name: "x", tensor: Tensor(shape: [1], data: [1])),
                    SafetensorsEntry(name: "x", tensor: Tensor(shape: [1], data: [1])),
                ], to: path)
        }
        #expect(dir.contents.isEmpty)
        // A directory that does not exist: an error, nothing written.
        #expect(throws: AtomicFileError.self) {
            try SafetensorsWriter.write([], to: dir.file("missing/x.safetensors"))
        }
        #expect(dir.contents.isEmpty)
        // Replacing an existing file is atomic and complete.
        try AtomicFile.write([1, 2, 3], to: path)
        try SafetensorsWriter.write([SafetensorsEntry(name: "y", tensor: Tensor(shape: [1], data: [5]))], to: path)
        #expect(try SafetensorsFile(contentsOf: path).floatTensor(named: "y").data == [5])
        #expect(dir.contents == ["bad.safetensors"])
    }

    /// Every validation rule, each with a hand-crafted bad file, and the one-line message.
    @Test(
        arguments: [
            (rawSafetensors(header: "", data: []).prefix(5).map { $0 }, "truncated"),
            (rawSafetensors(header: "{}", data: [], lengthOverride: 100), "truncated"),
            (rawSafetensors(header: "{}", data: [], lengthOverride: 100_000_001), "header too large"),
            ([8, 0, 0, 0, 0, 0, 0, 0, 0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D, 0x20], "not valid UTF-8"),
            (rawSafetensors(header: "{\"a\":", data: []), "not valid JSON"),
            (rawSafetensors(header: "[1,2]", data: []), "expected an object"),
            (
                rawSafetensors(
                    header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
                    data: Array(repeating: 0, count: 8)), "appears twice"
            ),
            (
                rawSafetensors(header: #"{"a":{"dtype":"Q4","shape":[1],"data_offsets":[0,4]}}"#, data: Array(repeating: 0, count: 4)),
                "unknown dtype \"Q4\""
            ),
            (
                rawSafetensors(header: #"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, data: Array(repeating: 0, count: 4)),
                "bad shape"
            ),
            (
                rawSafetensors(header: #"{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}"#, data: Array(repeating: 0, count: 4)),
                "bad shape"
            ),
            (
                rawSafetensors(header: #"{"a":{"dtype":"F32","shape":"2","data_offsets":[0,4]}}"#, data: Array(repeating: 0, count: 4)),
                "bad shape"
            ),
            (
                rawSafetensors(
                    header:
                        #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#,
                    data: Array(repeating: 0, count: 12)), "leaves a gap"
            ),
            (
                rawSafetensors(
                    header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
                    data: Array(repeating: 0, count: 8)), "overlaps"
            ),
            (
                rawSafetensors(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: Array(repeating: 0, count: 4)),
                "run past the data"
            ),
            (rawSafetensors(header: #"{"a":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}}"#, data: []), "end before they begin"),
            (
                rawSafetensors(header: #"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: Array(repeating: 0, count: 8)),
                "needs 12"
            ),
            (
                rawSafetensors(
                    header: #"{"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,8]}}"#,
                    data: Array(repeating: 0, count: 8)), "overflows"
            ),
            (
                rawSafetensors(
                    header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,99999999999999999999999]}}"#,
                    data: Array(repeating: 0, count: 8)), "overflows"
            ),
            (
                rawSafetensors(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: Array(repeating: 0, count: 8)),
                "holds 8"
            ),
            (
                rawSafetensors(header: #"{"a":{"dtype":"F32","shape":[1]}}"#, data: Array(repeating: 0, count: 4)),
                "missing \"data_offsets\""
            ),
            (rawSafetensors(header: #"{"__metadata__":{"k":1}}"#, data: []), "must be a string"),
            (rawSafetensors(header: #"{"a":[1]}"#, data: []), "entry must be an object"),
            (rawSafetensors(header: String(repeating: "[", count: 10_000), data: []), "nesting deeper"),
        ] as [([UInt8], String)])
    func rejectsABadFileWithOneClearLine(bytes: [UInt8], problem: String) {
        let dir = TempDir()
        let path = dir.file("bad.safetensors")
        writeBytes(bytes, path)
        do {
            _ = try SafetensorsFile(contentsOf: path)
            Issue.record("accepted a bad file, expected \(problem)")
        } catch let error as SafetensorsError {
            let text = error.description
            #expect(text.hasPrefix(path + ": "))
            #expect(text.contains(problem), "\(text)")
            #expect(!text.contains("\n"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func missingFileAndMissingTensorAreClearErrors() throws {
        let dir = TempDir()
        #expect(throws: SafetensorsError.self) { try SafetensorsFile(contentsOf: dir.file("none.safetensors")) }
        let path = dir.file("ok.safetensors")
        try SafetensorsWriter.write([SafetensorsEntry(name: "w", tensor: Tensor(shape: [1], data: [1]))], to: path)
        let file = try SafetensorsFile(contentsOf: path)
        #expect(throws: SafetensorsError.tensorNotFound(path: path, name: "v")) { try file.floatTensor(named: "v") }
        #expect(SafetensorsError.tensorNotFound(path: path, name: "v").description == "\(path): no tensor named \"v\"")
    }
}
