import Foundation
import Testing

@testable import PruneKit

/// Seeded mutation fuzzing of the readers: every mutated input must end in
/// a thrown error or a valid, fully readable result; never a crash or hang.
@Suite struct FuzzTests {
    struct Mutator {
        var rng: SeededRandom

        mutating func below(_ n: Int) -> Int {
            n <= 1 ? 0 : Int(rng.nextUnitFloat() * Float(n)) % n
        }

        static let interesting: [UInt8] = Array("{}[],:\"-0123456789eE.\\ ".utf8) + [0, 0x7F, 0x80, 0xC0, 0xFF]
        static let numbers = [
            "0", "-1", "1", "4294967296", "9223372036854775807", "9223372036854775808",
            "18446744073709551616", "99999999999999999999999999", "1e3", "1.5", "-0", "07",
        ]

        /// One random mutation of `bytes`, mostly inside `focus` (e.g. the header).
        mutating func mutate(_ bytes: [UInt8], focus: Range<Int>) -> [UInt8] {
            var b = bytes
            guard !b.isEmpty else { return [UInt8(below(256))] }
            let range = focus.isEmpty || below(4) == 0 ? 0..<b.count : focus.clamped(to: 0..<b.count)
            let at = range.isEmpty ? 0 : range.lowerBound + below(range.count)
            switch below(9) {
            case 0:
                for _ in 0...below(4) { b[range.lowerBound + below(max(range.count, 1))] ^= UInt8(1 << below(8)) }
            case 1:
                b[at] = Mutator.interesting[below(Mutator.interesting.count)]
            case 2:
                b = Array(b.prefix(below(b.count + 1)))
            case 3:
                let chunk = (0..<(1 + below(8))).map { _ in Mutator.interesting[below(Mutator.interesting.count)] }
                b.insert(contentsOf: chunk, at: at)
            case 4:
                b.removeSubrange(at..<min(b.count, at + 1 + below(16)))
            case 5:
                let end = min(b.count, at + 1 + below(32))
                b.insert(contentsOf: b[at..<end], at: end)
            case 6:
                // Replace the digit run at or after `at` with an interesting number.
                var i = at
                while i < b.count, !(48...57).contains(b[i]) { i += 1 }
                var j = i
                while j < b.count, (48...57).contains(b[j]) { j += 1 }
                if i < b.count { b.replaceSubrange(i..<j, with: Array(Mutator.numbers[below(Mutator.numbers.count)].utf8)) }
            case 7:
                // Rewrite the 8-byte header length (safetensors) / 2-byte length (npy).
                let v = [0, 1, 7, 8, bytes.count, bytes.count - 8, 100_000_000, 100_000_001, Int(UInt32.max)][below(9)]
                for k in 0..<min(8, b.count) { b[k] = UInt8(truncatingIfNeeded: v >> (8 * k)) }
            default:
                b.append(contentsOf: (0..<(1 + below(8))).map { _ in UInt8(below(256)) })
            }
            return b
        }
    }

    /// A valid file's bytes with a header of several dtypes, empty and scalar tensors.
    static func seedSafetensors() throws -> [UInt8] {
        let dir = TempDir()
        let path = dir.file("seed.safetensors")
        let t = Tensor(shape: [3, 4], data: (0..<12).map { Float($0) - 5.5 })
        try SafetensorsWriter.write(
            [
                try SafetensorsEntry(name: "a.weight", tensor: t, dtype: .F16),
                try SafetensorsEntry(name: "a.bias", tensor: Tensor(shape: [3], data: [1, 2, 3]), dtype: .BF16),
                SafetensorsEntry(name: "b", tensor: t),
                try SafetensorsEntry(name: "c", tensor: Tensor(shape: [2], data: [1, -1]), dtype: .F64),
                SafetensorsEntry(name: "ids", dtype: .I64, shape: [2], bytes: [1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]),
                SafetensorsEntry(name: "e", tensor: Tensor(shape: [0, 2], data: [])),
                SafetensorsEntry(name: "s", tensor: Tensor(shape: [], data: [3])),
            ], metadata: ["format": "pt"], to: path)
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    @Test func safetensorsReaderSurvivesMutatedFiles() throws {
        let seed = try Self.seedSafetensors()
        let headerEnd = 8 + Int(seed[0]) + Int(seed[1]) << 8
        var m = Mutator(rng: SeededRandom(seed: 20_261_124))
        var accepted = 0, rejected = 0
        for round in 0..<4000 {
            var bytes = m.mutate(seed, focus: 0..<headerEnd)
            if round % 3 == 0 { bytes = m.mutate(bytes, focus: 0..<headerEnd) }
            let result: SafetensorsFile.Parsed
            do {
                result = try bytes.withUnsafeBytes { try SafetensorsFile.parse($0, path: "fuzz") }
            } catch {
                #expect(!"\(error)".isEmpty && !"\(error)".contains("\n"))
                rejected += 1
                continue
            }
            accepted += 1
            // Accepted: the layout must be sound and every tensor readable.
            let dataLength = bytes.count - 8 - result.headerSize
            var expected = 0
            #expect(Set(result.tensors.map(\.name)).count == result.tensors.count)
            for t in result.tensors {
                #expect(t.dataOffsets.lowerBound == expected)
                #expect(t.byteCount == t.elementCount * t.dtype.byteSize)
                expected = t.dataOffsets.upperBound
                let start = 8 + result.headerSize + t.dataOffsets.lowerBound
                let tensor = bytes.withUnsafeBytes {
                    ElementDecoding.tensor(
                        t.dtype, shape: t.shape, from: UnsafeRawBufferPointer(rebasing: $0[start..<(start + t.byteCount)]))
                }
                #expect(tensor.count == t.elementCount)
                _ = bytes.withUnsafeBytes {
                    TensorStatistics.of(dtype: t.dtype, bytes: UnsafeRawBufferPointer(rebasing: $0[start..<(start + t.byteCount)]))
                }
            }
            #expect(expected == dataLength)
        }
        #expect(rejected > 1000)
        #expect(accepted > 50)
    }

    @Test func safetensorsFilesOnDiskTruncatedAndFlipped() throws {
        let seed = try Self.seedSafetensors()
        let dir = TempDir()
        let path = dir.file("f.safetensors")
        var m = Mutator(rng: SeededRandom(seed: 7))
        for length in stride(from: 0, through: seed.count, by: 7) {
            writeBytes(Array(seed.prefix(length)), path)
            if length < seed.count { #expect(throws: SafetensorsError.self) { try SafetensorsFile(contentsOf: path) } }
        }
        for _ in 0..<300 {
            writeBytes(m.mutate(seed, focus: 0..<seed.count), path)
            guard let file = try? SafetensorsFile(contentsOf: path) else { continue }
            for t in file.tensors {
                #expect(try file.floatTensor(named: t.name).count == t.elementCount)
            }
        }
    }

    @Test func npyReaderSurvivesMutatedFiles() throws {
        let seeds = try ["f32_2x3.npy", "f16_5.npy", "i8_3.npy", "scalar.npy", "v3_f32_2x2.npy", "object.npy"].map(Fixtures.bytes)
        var m = Mutator(rng: SeededRandom(seed: 99))
        var accepted = 0
        for round in 0..<3000 {
            let seed = seeds[round % seeds.count]
            let headerEnd = min(seed.count, 10 + Int(seed[8]) + Int(seed[9]) << 8)
            var bytes = m.mutate(seed, focus: 8..<headerEnd)
            if round % 4 == 0 { bytes = m.mutate(bytes, focus: 8..<headerEnd) }
            do {
                let header = try bytes.withUnsafeBytes { try NpyFile.validate($0, path: "fuzz.npy") }
                accepted += 1
                #expect(header.dataStart + header.dataByteCount == bytes.count)
                let t = bytes.withUnsafeBytes {
                    ElementDecoding.tensor(
                        header.dtype, shape: header.shape, from: UnsafeRawBufferPointer(rebasing: $0[header.dataStart...]))
                }
                #expect(t.count == header.elementCount)
            } catch let error as NpyError {
                #expect(!error.description.contains("\n"))
            }
        }
        #expect(accepted > 20)
    }

    @Test func npzReaderSurvivesMutatedArchives() throws {
        let seeds = try ["stored.npz", "deflated.npz"].map(Fixtures.bytes)
        let dir = TempDir()
        let path = dir.file("f.npz")
        var m = Mutator(rng: SeededRandom(seed: 5))
        var opened = 0
        for round in 0..<600 {
            let seed = seeds[round % 2]
            writeBytes(m.mutate(seed, focus: 0..<seed.count), path)
            let archive: NpzFile
            do {
                archive = try NpzFile(contentsOf: path)
            } catch {
                #expect(!"\(error)".contains("\n"))
                continue
            }
            opened += 1
            for t in archive.tensors {
                do {
                    #expect(try archive.floatTensor(named: t.name).count == t.elementCount)
                } catch {
                    #expect(error is NpzError, "\(error)")
                }
            }
        }
        #expect(opened > 50)
    }
    /// The members of a stored zip fixture, in order, with their bytes.
    static func members(_ fixture: String) throws -> [(String, [UInt8])] {
        let bytes = try Fixtures.bytes(fixture)
        return try bytes.withUnsafeBytes { raw in
            try ZipDirectory.read(raw, path: fixture).members.map {
                ($0.name, Array(raw[$0.dataOffset..<($0.dataOffset + $0.compressedSize)]))
            }
        }
    }

    @Test func unpicklerSurvivesMutatedPickles() throws {
        let seeds = try ["torch_checkpoint.pt", "pytorch_model.bin", "torch_protocol4.pt"].map {
            try #require(try Self.members($0).first { $0.0.hasSuffix("data.pkl") }?.1)
        }
        var m = Mutator(rng: SeededRandom(seed: 1_303))
        var accepted = 0
        for round in 0..<3000 {
            var bytes = m.mutate(seeds[round % seeds.count], focus: 0..<seeds[round % seeds.count].count)
            if round % 3 == 0 { bytes = m.mutate(bytes, focus: 0..<bytes.count) }
            do {
                let (tensors, _) = try bytes.withUnsafeBytes { try StateDictFlattener.flatten(pickle: $0) }
                accepted += 1
                #expect(Set(tensors.map(\.0)).count == tensors.count)
                for (_, t) in tensors { #expect(t.shape.count == t.strides.count && t.offset >= 0) }
            } catch {
                #expect(error is PickleFailure && !"\(error)".contains("\n"), "\(error)")
            }
        }
        #expect(accepted > 50)
    }

    @Test func torchZipReaderSurvivesMutatedCheckpoints() throws {
        let seeds = try ["torch_checkpoint.pt", "torch_protocol4.pt"].map(Self.members)
        let dir = TempDir()
        let path = dir.file("f.pt")
        var m = Mutator(rng: SeededRandom(seed: 31))
        var opened = 0
        for round in 0..<600 {
            var members = seeds[round % seeds.count]
            // Mostly a mutated data.pkl in a sound zip (its CRC recomputed), sometimes the zip itself.
            let pickle = try #require(members.firstIndex { $0.0.hasSuffix("data.pkl") })
            members[pickle].1 = m.mutate(members[pickle].1, focus: 0..<members[pickle].1.count)
            var bytes = PyTorchFileTests.zip(members)
            if round % 4 == 0 { bytes = m.mutate(bytes, focus: 0..<bytes.count) }
            writeBytes(bytes, path)
            let file: PyTorchFile
            do {
                file = try PyTorchFile(contentsOf: path)
            } catch {
                #expect(error is PyTorchError && !"\(error)".contains("\n"), "\(error)")
                continue
            }
            opened += 1
            for t in file.tensors {
                do {
                    #expect(try file.rawBytes(named: t.name).count == t.byteCount)
                } catch {
                    #expect(error is PyTorchError, "\(error)")
                }
            }
        }
        #expect(opened > 30)
    }
}
