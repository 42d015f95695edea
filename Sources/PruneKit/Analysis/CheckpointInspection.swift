import Foundation

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
}

/// Computes a `CheckpointInspection` in one streaming pass over the data.
public enum CheckpointInspector {
    /// Inspects every tensor of `archive`.
    ///
    /// Each tensor's bytes are read once, in place where the format allows
    /// (memory-mapped safetensors and .npy; stored .npz members), converted to
    /// Float32 a few thousand elements at a time. Tensors are spread over up
    /// to `threads` threads (largest first). `progress` is called from worker
    /// threads after each tensor; `isCancelled` is polled between tensors and
    /// ends the work with `CancellationError`.
    public static func inspect(_ archive: any TensorArchive, rules: PrunableRules = .default, bins: Int = 64,
                               threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                               progress: (@Sendable (InspectionProgress) -> Void)? = nil,
                               isCancelled: (@Sendable () -> Bool)? = nil) throws -> CheckpointInspection {
        let tensors = archive.tensors
        let totalBytes = tensors.reduce(0) { $0 + $1.byteCount }
        let state = InspectionState(count: tensors.count, totalBytes: totalBytes)
        // Largest first so the threads finish together.
        let order = tensors.indices.sorted { tensors[$0].byteCount > tensors[$1].byteCount }
        let workers = max(1, min(threads, tensors.count))
        (archive as? SafetensorsFile)?.adviseSequential()
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let slot = state.nextIndex() {
                if isCancelled?() == true { state.fail(CancellationError()); return }
                let i = order[slot]
                let info = tensors[i]
                do {
                    let stats = try archive.withRawBytes(named: info.name) { bytes in
                        TensorStatistics.of(dtype: info.dtype, bytes: bytes, bins: bins)
                    }
                    (archive as? SafetensorsFile)?.release(info)
                    if let p = state.store(stats, at: i, bytes: info.byteCount) { progress?(p) }
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
        return CheckpointInspection(path: archive.path, format: archive.format, metadata: archive.metadata,
                                    entries: entries, groups: TensorGroup.tree(of: tensors.map(\.name)), rules: rules)
    }
}

/// Shared state of the inspection workers, guarded by a lock.
private final class InspectionState: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private let count: Int
    private(set) var results: [TensorStatistics?]
    private(set) var error: Error?
    private var progress: InspectionProgress

    init(count: Int, totalBytes: Int) {
        self.count = count
        results = [TensorStatistics?](repeating: nil, count: count)
        progress = InspectionProgress(bytesDone: 0, bytesTotal: totalBytes, tensorsDone: 0, tensorsTotal: count)
    }

    func nextIndex() -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard error == nil, next < count else { return nil }
        next += 1
        return next - 1
    }

    func store(_ stats: TensorStatistics, at index: Int, bytes: Int) -> InspectionProgress? {
        lock.lock(); defer { lock.unlock() }
        results[index] = stats
        progress.bytesDone += bytes
        progress.tensorsDone += 1
        return progress
    }

    func fail(_ error: Error) {
        lock.lock(); defer { lock.unlock() }
        if self.error == nil { self.error = error }
    }
}
