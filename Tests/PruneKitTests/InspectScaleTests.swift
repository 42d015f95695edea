import Foundation
import Testing

@testable import PruneKit

/// Inspecting many small tensors: the few-keys path of the statistics
/// accumulator gives what the count table gives, and the streamed JSON
/// report is the text the whole-report encoder writes.
@Suite struct InspectScaleTests {
    /// The bfloat16 distribution counted directly.
    static func directDistribution(_ values: [Float]) -> (keys: [UInt16], counts: [Int]) {
        var counts: [UInt16: Int] = [:]
        for v in values { counts[UInt16(v.bitPattern >> 16), default: 0] += 1 }
        let keys = counts.keys.sorted()
        return (keys, keys.map { counts[$0] ?? 0 })
    }

    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var rng = SeededRandom(seed: seed)
        return (0..<count).map { i in
            switch i % 97 {
            case 5: return 0
            case 11: return .nan
            case 13: return -.infinity
            default: return rng.nextUnitFloat() * 2 - 1
            }
        }
    }

    @Test(arguments: [0, 1, 2, 5, 96, 4095, 4096, 4097, 9000])
    func fewKeysAndTheTableAgree(count: Int) {
        let values = Self.values(count, seed: UInt64(count) + 1)
        let direct = Self.directDistribution(values)
        // All at once, in chunks that cross the limit, and merged from parts.
        let whole = values.withUnsafeBytes { TensorStatistics.of(dtype: .F32, bytes: $0, bins: 16) }
        var chunked = TensorStatisticsAccumulator()
        var merged = TensorStatisticsAccumulator()
        var start = 0
        while start < count {
            let end = min(count, start + 1500)
            values[start..<end].withUnsafeBufferPointer { chunked.add($0) }
            var part = TensorStatisticsAccumulator()
            values[start..<end].withUnsafeBufferPointer { part.add($0) }
            merged.merge(part)
            start = end
        }
        for s in [whole, chunked.finish(bins: 16), merged.finish(bins: 16)] {
            #expect(s.distribution.keys == direct.keys)
            #expect(s.distribution.counts == direct.counts)
            #expect(s.count == count)
            #expect(s.nonFiniteCount == values.filter { !$0.isFinite }.count)
            #expect(s.zeroCount == values.filter { $0 == 0 }.count)
        }
        #expect(chunked.finish(bins: 16).histogram == merged.finish(bins: 16).histogram)
    }

    static func inspection(tensors: Int, in dir: TempDir) throws -> CheckpointInspection {
        var rng = SeededRandom(seed: 11)
        var entries: [SafetensorsEntry] = []
        for i in 0..<tensors {
            // A scalar (empty shape), a vector, a matrix; a name with a slash.
            let shape = [[], [3], [2, 2]][i % 3]
            let data = (0..<shape.reduce(1, *)).map { _ in rng.nextUnitFloat() - 0.5 }
            entries.append(SafetensorsEntry(name: "block/\(i).layer.weight", tensor: Tensor(shape: shape, data: data)))
        }
        let path = dir.file("t\(tensors).safetensors")
        try SafetensorsWriter.write(entries, metadata: tensors == 0 ? nil : ["format": "pt"], to: path)
        return try CheckpointInspector.inspect(try openTensorArchive(path: path), bins: 4)
    }

    @Test(arguments: [0, 1, 2, 7])
    func streamedJSONIsTheWholeReport(tensors: Int) throws {
        let dir = TempDir()
        let inspection = try Self.inspection(tensors: tensors, in: dir)
        var pieces: [String] = []
        try inspection.writeJSON { pieces.append($0) }
        let whole = try InspectionReport.text(of: inspection)
        #expect(pieces.joined() == whole)
        // One piece per tensor plus the head and the tail: never the whole text at once.
        #expect(pieces.count == max(tensors, 1) + 2)
        _ = try JSONSerialization.jsonObject(with: Data(pieces.joined().utf8))
    }
}
