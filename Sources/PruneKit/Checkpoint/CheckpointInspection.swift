import Foundation
import Synchronization

/// Everything PruneScope shows about a checkpoint opened without a model
/// spec: every tensor with its statistics and prunability, and the groups.
public struct CheckpointInspection: Sendable {
    /// One tensor's figures.
    public struct Entry: Sendable, Equatable {
        public var info: TensorInfo
        public var statistics: TensorStatistics
        public var prunable: PrunableRules.Decision
    }

    public var path: String
    public var format: TensorArchiveFormat
    public var metadata: [String: String]
    /// Every tensor, in storage order.
    public var entries: [Entry]
    /// The tensors grouped by name prefix.
    public var groups: TensorGroup
    /// The rules the `prunable` verdicts come from.
    public var rules: PrunableRules

    /// Total elements over all tensors ("parameters" in the usual loose sense,
    /// buffers such as position ids included).
    public var totalElements: Int { entries.reduce(0) { $0 + $1.info.elementCount } }
    /// Total data bytes.
    public var totalBytes: Int { entries.reduce(0) { $0 + $1.info.byteCount } }
    /// Elements of the prunable tensors.
    public var prunableElements: Int { entries.filter(\.prunable.isPrunable).reduce(0) { $0 + $1.info.elementCount } }
    /// Exactly-zero elements over all tensors.
    public var zeroElements: Int { entries.reduce(0) { $0 + $1.statistics.zeroCount } }

    /// The entry for `name`.
    public func entry(named name: String) -> Entry? { entries.first { $0.info.name == name } }

    /// Re-decides prunability with new rules (statistics are kept).
    public func withRules(_ rules: PrunableRules) -> CheckpointInspection {
        var copy = self
        copy.rules = rules
        for i in copy.entries.indices { copy.entries[i].prunable = rules.decide(copy.entries[i].info) }
        return copy
    }
}

/// Progress of a long inspection: bytes of tensor data read so far of the total.
public struct InspectionProgress: Sendable, Equatable {
    public var bytesDone: Int
    public var bytesTotal: Int
    public var tensorsDone: Int
    public var tensorsTotal: Int
    /// bytesDone / bytesTotal in [0, 1].
    public var fraction: Double { bytesTotal == 0 ? 1 : Double(bytesDone) / Double(bytesTotal) }

    public init(bytesDone: Int, bytesTotal: Int, tensorsDone: Int, tensorsTotal: Int) {
        self.bytesDone = bytesDone
        self.bytesTotal = bytesTotal
        self.tensorsDone = tensorsDone
        self.tensorsTotal = tensorsTotal
    }
}

/// Computes a `CheckpointInspection` in one streaming pass over the data.
public enum CheckpointInspector {

    /// Inspects every tensor of `archive`.
    ///
    /// Each tensor's bytes are read once, in place where the format allows
    /// (memory-mapped safetensors and .npy; stored .npz members), converted to
    /// Float32 a few thousand elements at a time. Work is spread over up to
    /// `threads` threads, largest tensors first; tensors read in place are
    /// split into parts of `partElements` (default 4M) so one huge embedding does not
    /// leave a core idle. Parts are merged in order, so results do not depend
    /// on thread timing. `progress` is called from worker threads after each
    /// part; `isCancelled` is polled between parts and ends the work with
    /// `CancellationError`.
    public static func inspect(
        _ archive: any TensorArchive, rules: PrunableRules = .default, bins: Int = 64,
        threads: Int = ProcessInfo.processInfo.activeProcessorCount,
        partElements: Int = 1 << 22,
        progress: (@Sendable (InspectionProgress) -> Void)? = nil,
        isCancelled: (@Sendable () -> Bool)? = nil
    ) throws -> CheckpointInspection {
        let tensors = archive.tensors
        let totalBytes = tensors.reduce(0) { $0 + $1.byteCount }
        // Splitting needs cheap repeated access to the bytes: mapped formats only.
        let splittable = archive is SafetensorsFile || archive is NpyFile
        var items: [WorkItem] = []
        var partCounts = [Int](repeating: 1, count: tensors.count)
        for i in tensors.indices.sorted(by: { tensors[$0].byteCount > tensors[$1].byteCount }) {
            let info = tensors[i]
            let count = info.elementCount
            let partElements = max(1, partElements)
            let parts = splittable && count > partElements ? (count + partElements - 1) / partElements : 1
            partCounts[i] = parts
            for part in 0..<parts {
                let lower = part * partElements, upper = parts == 1 ? count : min(count, lower + partElements)
                items.append(WorkItem(tensor: i, part: part, elements: lower..<upper))
            }
        }
        let workItems = items
        let state = InspectionState(partCounts: partCounts, items: items.count, totalBytes: totalBytes)
        let workers = max(1, min(threads, items.count))
        (archive as? SafetensorsFile)?.adviseSequential()
        (archive as? PyTorchFile)?.adviseSequential()
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let slot = state.nextItem() {
                if isCancelled?() == true { state.fail(CancellationError()); return }
                let item = workItems[slot]
                let info = tensors[item.tensor]
                let size = info.dtype.byteSize
                do {
                    var partial = TensorStatisticsAccumulator()
                    if item.elements.count == info.elementCount {
                        // Whole tensors stream (an .npz member is never expanded whole).
                        try archive.forEachChunk(named: info.name) { partial.add($0) }
                    } else {
                        partial = try archive.withRawBytes(named: info.name) { bytes in
                            var acc = TensorStatisticsAccumulator()
                            let range = UnsafeRawBufferPointer(
                                rebasing: bytes[(item.elements.lowerBound * size)..<(item.elements.upperBound * size)])
                            acc.add(dtype: info.dtype, bytes: range)
                            return acc
                        }
                    }
                    if let merged = state.store(partial, item: item, bytes: item.elements.count * size) {
                        // Last part of the tensor: merge in part order and finish.
                        var total = merged[0]
                        for p in merged.dropFirst() { total.merge(p) }
                        if total.needsFiniteOnlyPass {
                            var exact = TensorStatisticsAccumulator(finiteOnly: true)
                            try archive.forEachChunk(named: info.name) { exact.add($0) }
                            total = exact
                        }
                        state.finish(total.finish(bins: bins), tensor: item.tensor)
                    }
                    if let file = archive as? SafetensorsFile {
                        file.release(info, elements: item.elements)
                    } else if let file = archive as? PyTorchFile {
                        file.release(info, elements: item.elements)
                    }
                    progress?(state.progress)
                } catch {
                    state.fail(error)
                    return
                }
            }
        }
        if let error = state.error { throw error }
        let stats = state.results
        var entries: [CheckpointInspection.Entry] = []
        entries.reserveCapacity(tensors.count)
        for (i, info) in tensors.enumerated() {
            guard let s = stats[i] else { continue }
            entries.append(.init(info: info, statistics: s, prunable: rules.decide(info)))
        }
        return CheckpointInspection(
            path: archive.path, format: archive.format, metadata: archive.metadata,
            entries: entries, groups: TensorGroup.tree(of: tensors.map(\.name)), rules: rules)
    }

    struct WorkItem: Sendable {
        var tensor: Int
        var part: Int
        var elements: Range<Int>
    }
}

/// Shared state of the inspection workers, behind one mutex.
private final class InspectionState: Sendable {
    private struct Shared {
        var next = 0
        var partials: [[TensorStatisticsAccumulator?]]
        var remaining: [Int]
        var results: [TensorStatistics?]
        var error: Error?
        var progress: InspectionProgress
    }

    private let itemCount: Int
    private let shared: Mutex<Shared>

    init(partCounts: [Int], items: Int, totalBytes: Int) {
        itemCount = items
        shared = Mutex(
            Shared(
                partials: partCounts.map { [TensorStatisticsAccumulator?](repeating: nil, count: $0) },
                remaining: partCounts, results: [TensorStatistics?](repeating: nil, count: partCounts.count),
                progress: InspectionProgress(
                    bytesDone: 0, bytesTotal: totalBytes, tensorsDone: 0,
                    tensorsTotal: partCounts.count)))
    }

    var results: [TensorStatistics?] { shared.withLock { $0.results } }
    var error: Error? { shared.withLock { $0.error } }
    var progress: InspectionProgress { shared.withLock { $0.progress } }

    func nextItem() -> Int? {
        shared.withLock { s in
            guard s.error == nil, s.next < itemCount else { return nil }
            s.next += 1
            return s.next - 1
        }
    }

    /// Stores a part; returns all the tensor's parts, in order, once the last arrives.
    func store(_ partial: TensorStatisticsAccumulator, item: CheckpointInspector.WorkItem, bytes: Int) -> [TensorStatisticsAccumulator]? {
        shared.withLock { s in
            s.partials[item.tensor][item.part] = partial
            s.remaining[item.tensor] -= 1
            s.progress.bytesDone += bytes
            guard s.remaining[item.tensor] == 0 else { return nil }
            let all = s.partials[item.tensor].compactMap { $0 }
            s.partials[item.tensor] = []
            return all
        }
    }

    func finish(_ stats: TensorStatistics, tensor: Int) {
        shared.withLock { s in
            s.results[tensor] = stats
            s.progress.tensorsDone += 1
        }
    }

    func fail(_ error: Error) {
        shared.withLock { s in if s.error == nil { s.error = error } }
    }
}
