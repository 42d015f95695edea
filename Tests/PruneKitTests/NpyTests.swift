import Foundation
import Testing

@testable import PruneKit

/// Files written by real numpy 2.4 (Fixtures/make_fixtures.py regenerates them).
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path
    static func path(_ name: String) -> String { directory + "/" + name }
    static func bytes(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path(name)))) }

    /// The values make_fixtures.py's `a(shape, dtype)` produces.
    static func ramp(_ n: Int) -> [Float] { (0..<n).map { Float($0 - n / 2) * 0.25 } }
}

@Suite struct NpyTests {
    @Test(
        arguments: [
            ("f32_2x3.npy", DType.F32, [2, 3], Fixtures.ramp(6)),
            ("f16_5.npy", .F16, [5], Fixtures.ramp(5)),
            ("f64_3x2.npy", .F64, [3, 2], Fixtures.ramp(6)),
            ("u1_4.npy", .U8, [4], [0, 1, 127, 255]),
            ("i8_3.npy", .I64, [3], [-5, 0, Float(1 << 40)]),
            ("bool_3.npy", .BOOL, [3], [1, 0, 1]),
            ("scalar.npy", .F32, [], [2.5]),
            ("empty_0x4.npy", .F32, [0, 4], []),
            ("v2_f32_2x2.npy", .F32, [2, 2], Fixtures.ramp(4)),
            ("v3_f32_2x2.npy", .F32, [2, 2], Fixtures.ramp(4)),
        ] as [(String, DType, [Int], [Float])])
    func readsArraysWrittenByNumpy(file: String, dtype: DType, shape: [Int], values: [Float]) throws {
        let archive = try openTensorArchive(path: Fixtures.path(file))
        #expect(archive.format == .npy)
        let name = String(file.dropLast(4))
        #expect(archive.tensors.map(\.name) == [name])
        #expect(archive.info(named: name)?.dtype == dtype)
        let t = try archive.floatTensor(named: name)
        #expect(t.shape == shape)
        #expect(t.data == values)
    }

    @Test func writerMatchesNumpyByteForByte() throws {
        let t = Tensor(shape: [2, 3], data: Fixtures.ramp(6))
        #expect(NpyWriter.encode(t) == (try Fixtures.bytes("f32_2x3.npy")))
        let scalar = Tensor(shape: [], data: [2.5])
        #expect(NpyWriter.encode(scalar) == (try Fixtures.bytes("scalar.npy")))
        let empty = Tensor(shape: [0, 4], data: [])
        #expect(NpyWriter.encode(empty) == (try Fixtures.bytes("empty_0x4.npy")))
        let i64: [Int64] = [-5, 0, 1 << 40]
        let encoded = try NpyWriter.encode(dtype: .I64, shape: [3], bytes: i64.withUnsafeBytes { [UInt8]($0) })
        #expect(encoded == (try Fixtures.bytes("i8_3.npy")))
        let bools = try NpyWriter.encode(dtype: .BOOL, shape: [3], bytes: [1, 0, 1])
        #expect(bools == (try Fixtures.bytes("bool_3.npy")))
    }

    @Test func writerRoundTripsAndAlignsDataTo64Bytes() throws {
        let dir = TempDir()
        for shape in [[], [0], [1], [7], [3, 5], [2, 3, 4, 5], [1000, 3]] {
            let n = shape.reduce(1, *)
            let t = Tensor(shape: shape, data: (0..<n).map { Float($0) * 0.5 - 3 })
            let path = dir.file("t.npy")
            try NpyWriter.write(t, to: path)
            let file = try NpyFile(contentsOf: path)
            #expect(file.header.dataStart % 64 == 0)
            #expect(try file.floatTensor(named: "t") == t)
        }
        #expect(throws: NpyError.self) { try NpyWriter.encode(dtype: .BF16, shape: [1], bytes: [0, 0]) }
        #expect(dir.contents == ["t.npy"])
    }

    @Test(arguments: [
        ("object.npy", "non-numeric dtype '|O'"),
        ("unicode.npy", "non-numeric dtype '<U2'"),
        ("bigendian.npy", "big-endian"),
        ("fortran_2x3.npy", "Fortran-ordered"),
    ])
    func rejectsArraysThatAreNotPlainNumbers(file: String, problem: String) {
        do {
            _ = try NpyFile(contentsOf: Fixtures.path(file))
            Issue.record("accepted \(file)")
        } catch let error as NpyError {
            #expect(error.description.hasPrefix(Fixtures.path(file) + ": "))
            #expect(error.description.contains(problem), "\(error)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func rejectsDamagedFilesWithOneLine() throws {
        let dir = TempDir()
        let good = try Fixtures.bytes("f32_2x3.npy")
        let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"
        func npy(_ dict: String, data: Int = 24) -> [UInt8] {
            let h = Array(dict.utf8) + [0x0A]
            return NpyHeader.magic + [1, 0, UInt8(h.count & 0xFF), UInt8(h.count >> 8)] + h + [UInt8](repeating: 0, count: data)
        }
        let cases: [([UInt8], String)] = [
            (Array(good.prefix(100)), "truncated"),
            (Array(good.dropLast(1)), "truncated"),
            (good + [0], "header describes"),
            ([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x58, 1, 0, 0, 0], "no \\x93NUMPY magic"),
            (NpyHeader.magic + [9, 0, 0, 0], "version 9.0"),
            (npy("{'descr': '<f4', 'fortran_order': False}"), "missing 'shape'"),
            (npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-2, 3), }"), "negative extent"),
            (npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)"), "unterminated"),
            (npy("{'descr': '<c8', 'fortran_order': False, 'shape': (3,), }"), "complex"),
            (npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3,), }"), "non-numeric"),
            (npy("{'descr': '<f4', 'fortran_order': False, 'shape': (9223372036854775807, 9), }"), "overflows"),
            (npy("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }"), "too large"),
            (npy(header + "x"), "text after"),
        ]
        for (bytes, problem) in cases {
            let path = dir.file("bad.npy")
            writeBytes(bytes, path)
            do {
                _ = try NpyFile(contentsOf: path)
                Issue.record("accepted a bad file, expected \(problem)")
            } catch let error as NpyError {
                #expect(error.description.hasPrefix(path + ": "))
                #expect(error.description.contains(problem), "\(error)")
                #expect(!error.description.contains("\n"))
            }
        }
    }
}
