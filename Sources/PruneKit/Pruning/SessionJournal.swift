import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An append-only record of the steps taken in an open session since its
/// last save, so a `kill -9` loses at most the step in flight.
///
/// The journal lives in the session's directory (`journal.psj`). Its first
/// record names its base: the save it continues (`saveID` of
/// `session.json`) or, for a session never saved, `unsaved:<model name>`.
/// Every later record is one change of the history, flushed to disk
/// (`fsync`) before the session goes on:
/// - a step recorded at index i (its history entry and the full weights,
///   masks and optimiser state after it, so recovery replays nothing);
/// - the cursor moved to step i (undo, redo, jump);
/// - a rewind point stored (lottery tickets).
///
/// A record is framed as `PSJ1`, its payload length and an FNV-1a hash of
/// the payload (UInt64, little-endian), then the payload: a UInt32 length,
/// a JSON description and the Float32 data of its tensors. A last record
/// cut short by a kill fails its length or hash and is ignored on recovery
/// (see `SessionJournal.recover`). Saving the session replaces the
/// directory's files as one set, which drops the journal in the same step.
public final class SessionJournal {
    /// The journal's file name in a session directory.
    public static let fileName = "journal.psj"
    static let magic: [UInt8] = Array("PSJ1".utf8)

    /// The journal file.
    public let path: String
    /// What the journal continues: a save ID, or `unsaved:<model name>`.
    public let base: String
    /// The first failure to append (disk full...); later steps are not
    /// journaled once this is set. Nil while every append succeeded.
    public private(set) var failure: String?
    private let modelName: String
    private var fd: Int32

    private init(path: String, base: String, modelName: String, fd: Int32) {
        self.path = path
        self.base = base
        self.modelName = modelName
        self.fd = fd
    }

    deinit { if fd >= 0 { close(fd) } }

    /// The base of a session: its save ID, or `unsaved:<model name>` when it was never saved.
    public static func base(of session: PruningSession) -> String {
        session.saveID ?? "unsaved:\(session.model.name)"
    }

    /// A journal for `session` in `directory`: nothing is written until
    /// the first change is appended, which creates the directory if needed
    /// and replaces any journal there.
    public static func start(in directory: String, for session: PruningSession) -> SessionJournal {
        let path = URL(fileURLWithPath: directory).appendingPathComponent(fileName).path
        return SessionJournal(path: path, base: base(of: session), modelName: session.model.name, fd: -1)
    }

    /// Opens `path` for appending after its last valid record (`length` bytes).
    static func appending(path: String, base: String, modelName: String, length: Int) throws -> SessionJournal {
        let fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { throw PruningError(path, "cannot open the journal: \(errnoText())") }
        if ftruncate(fd, off_t(length)) != 0 {
            close(fd)
            throw PruningError(path, "cannot cut the torn record off the journal: \(errnoText())")
        }
        return SessionJournal(path: path, base: base, modelName: modelName, fd: fd)
    }

    /// Closes the file; later changes are not journaled.
    public func finish() {
        if fd >= 0 { close(fd) }
        fd = -1
        failure = failure ?? "closed"
    }

    /// Ends the journal and removes its file, and the session directory
    /// when nothing else is in it (a journal of a session never saved makes
    /// that directory): for a clean quit, where the user saved or chose to
    /// leave the steps unsaved.
    public func discard() {
        finish()
        unlink(path)
        rmdir(AtomicFile.directoryOf(path))
    }

    /// Writes the base record (replacing any journal at `path`) and opens the file.
    private func create() throws {
        let directory = AtomicFile.directoryOf(path)
        if let problem = FileKind.outputDirectoryProblem(directory) { throw PruningError(directory, problem) }
        do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw PruningError(directory, "cannot create the session directory: \(ErrorText.plain(error))")
        }
        let header = JournalEntry(kind: .base, base: base, modelName: modelName)
        try AtomicFile.write(try SessionJournal.frame(header, tensors: []), to: path)
        fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { throw PruningError(path, "cannot open the journal: \(errnoText())") }
    }

    // MARK: Appending (called by the session)

    func appendStep(_ index: Int, of session: PruningSession) {
        let snap = session.snapshots[index]
        var tensors = [(JournalEntry.TensorRef, Tensor)]()
        for (name, t) in snap.values.sorted(by: { $0.key < $1.key }) {
            tensors.append((.init(role: "value", name: name, shape: t.shape), t))
        }
        for (name, t) in snap.masks.sorted(by: { $0.key < $1.key }) { tensors.append((.init(role: "mask", name: name, shape: t.shape), t)) }
        for (name, t) in snap.optimizerState.sorted(by: { $0.key < $1.key }) {
            tensors.append((.init(role: "optimizer", name: name, shape: t.shape), t))
        }
        let entry = JournalEntry(
            kind: .step, index: index, step: session.steps[index], optimizerConfig: session.optimizerConfig,
            optimizerStepCount: snap.optimizerStepCount, tensors: tensors.map(\.0))
        append(entry, tensors.map(\.1))
    }

    func appendCursor(_ index: Int) {
        append(JournalEntry(kind: .cursor, index: index), [])
    }

    func appendRewindPoint(_ name: String, weights: [String: Tensor]) {
        let sorted = weights.sorted { $0.key < $1.key }
        let refs = sorted.map { JournalEntry.TensorRef(role: "rewind", name: $0.key, shape: $0.value.shape) }
        append(JournalEntry(kind: .rewind, rewindName: name, tensors: refs), sorted.map(\.value))
    }

    private func append(_ entry: JournalEntry, _ tensors: [Tensor]) {
        guard failure == nil else { return }
        do {
            if fd < 0 { try create() }
            let bytes = try SessionJournal.frame(entry, tensors: tensors)
            try bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw PruningError(path, "cannot append to the journal: \(errnoText())")
                    }
                    offset += n
                }
            }
            guard fsync(fd) == 0 else { throw PruningError(path, "cannot flush the journal: \(errnoText())") }
            OutputSet.testingStop(at: "journal-appended")
        } catch {
            failure = ErrorText.oneLine(error)
        }
    }

    // MARK: Format

    static func frame(_ entry: JournalEntry, tensors: [Tensor]) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let json = [UInt8](try encoder.encode(entry))
        var payload = [UInt8]()
        payload.reserveCapacity(4 + json.count + tensors.reduce(0) { $0 + $1.data.count * 4 })
        appendInteger(UInt32(json.count), to: &payload)
        payload += json
        for t in tensors {
            // Every platform PruneScope builds for is little-endian, like the format.
            t.data.withUnsafeBytes { payload.append(contentsOf: $0) }
        }
        var out = magic
        appendInteger(UInt64(payload.count), to: &out)
        appendInteger(hash(payload[...]), to: &out)
        return out + payload
    }

    static func appendInteger<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        var v = value.littleEndian
        withUnsafeBytes(of: &v) { bytes.append(contentsOf: $0) }
    }

    /// FNV-1a (64-bit) of `bytes`: finds torn and damaged records, not forgeries.
    static func hash(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h
    }
}

/// The JSON description of one journal record.
struct JournalEntry: Codable {
    enum Kind: String, Codable { case base, step, cursor, rewind }
    struct TensorRef: Codable {
        var role: String
        var name: String
        var shape: [Int]
    }
    var kind: Kind
    var base: String?
    var modelName: String?
    var index: Int?
    var step: HistoryStep?
    var optimizerConfig: OptimizerConfig?
    var optimizerStepCount: Int?
    var rewindName: String?
    var tensors: [TensorRef] = []
}
