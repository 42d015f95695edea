import Foundation
import Testing

@testable import PruneKit

/// `SessionJournal`: every recorded step appended, recovered after a
/// "kill" (the session dropped without saving), a torn tail ignored.
@Suite struct SessionJournalTests {
    private func make() -> PruningSession {
        PruningSession(
            model: PruningFixtures.mlp([8, 12, 2], seed: 21),
            train: PruningFixtures.blobs(count: 48, features: 8),
            validation: PruningFixtures.blobs(count: 16, features: 8, seed: 3), seed: 99)
    }

    private func directory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("prunescope-journal-\(UUID().uuidString)").path
    }

    private func journalPath(_ dir: String) -> String { dir + "/" + SessionJournal.fileName }

    /// Bit patterns of every parameter and mask, to compare sessions exactly.
    private func state(_ s: PruningSession) -> [[UInt32]] {
        s.model.parameters.flatMap { [$0.value.data.map(\.bitPattern), ($0.mask?.data ?? []).map(\.bitPattern)] }
    }

    /// Three steps and an undo on a fresh session journaled in `dir`.
    private func work(_ s: PruningSession, in dir: String) throws {
        #expect(try SessionJournal.recover(in: dir, into: s) == JournalRecovery())
        try s.prune(PruneRequest(amount: .sparsity(0.5)))
        try s.retrain(epochs: 1, batchSize: 8, optimizer: .sgd(learningRate: 0.05, momentum: 0.9))
        try s.prune(PruneRequest(tensors: ["fc1.weight"], criterion: .random(seed: 2), amount: .fractionOfRemaining(0.3)))
        try s.undo()
    }

    @Test func aDroppedFreshSessionIsRecoveredStepForStep() throws {
        let dir = directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let a = make()
        try work(a, in: dir)
        a.journal?.finish()  // the process "dies": nothing saved

        let b = make()
        let recovery = try SessionJournal.recover(in: dir, into: b)
        #expect(recovery.steps == 3 && recovery.moves == 1 && recovery.note == nil)
        #expect(recovery.summary == "recovered 3 unsaved steps and 1 undo/redo move from the journal")
        #expect(b.steps == a.steps && b.cursor == a.cursor && b.canRedo)
        #expect(state(b) == state(a))
        #expect(b.optimizerState == a.optimizerState && b.optimizerConfig == a.optimizerConfig)
        // The next step is the same as in the session that was never interrupted.
        let sa = try a.retrain(epochs: 1, batchSize: 8, optimizer: .sgd(learningRate: 0.05, momentum: 0.9))
        let sb = try b.retrain(epochs: 1, batchSize: 8, optimizer: .sgd(learningRate: 0.05, momentum: 0.9))
        #expect(sa == sb && state(a) == state(b))
        // b kept journaling after the recovered records: a third session sees all of it.
        b.journal?.finish()
        let c = make()
        #expect(try SessionJournal.recover(in: dir, into: c).steps == 4)
        #expect(c.steps == b.steps && state(c) == state(b))
    }

    @Test func aTornLastRecordIsIgnoredWithANote() throws {
        let dir = directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let a = make()
        try work(a, in: dir)
        a.journal?.finish()
        let whole = try Data(contentsOf: URL(fileURLWithPath: journalPath(dir)))
        // Find where the last two records start: cut inside the third step (kill mid-append).
        var starts = [Int]()
        var offset = 0
        while let (_, _, end) = SessionJournal.readRecord([UInt8](whole), at: offset) {
            starts.append(offset)
            offset = end
        }
        #expect(starts.count == 5 && offset == whole.count)  // base, 3 steps, 1 undo
        for cut in [starts[3] + 1, starts[3] + 19, starts[3] + 40, starts[4] - 1] {
            try whole.prefix(cut).write(to: URL(fileURLWithPath: journalPath(dir)))
            let b = make()
            let recovery = try SessionJournal.recover(in: dir, into: b)
            #expect(recovery.steps == 2 && recovery.moves == 0)
            #expect(recovery.note?.hasPrefix("ignored a torn or damaged journal record") == true)
            #expect(b.steps == Array(a.steps.prefix(3)) && b.cursor == 2)
            // The torn bytes are cut off, so the next step appends cleanly.
            try b.prune(PruneRequest(amount: .sparsity(0.7)))
            b.journal?.finish()
            let c = make()
            let again = try SessionJournal.recover(in: dir, into: c)
            #expect(again.steps == 3 && again.note == nil && c.steps == b.steps && state(c) == state(b))
            c.journal?.finish()
        }
    }

    @Test func aFlippedBitEndsTheReplayThere() throws {
        let dir = directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let a = make()
        try work(a, in: dir)
        a.journal?.finish()
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: journalPath(dir))))
        bytes[bytes.count - 3] ^= 0x10  // inside the undo record
        try Data(bytes).write(to: URL(fileURLWithPath: journalPath(dir)))
        let b = make()
        let recovery = try SessionJournal.recover(in: dir, into: b)
        #expect(recovery.steps == 3 && recovery.moves == 0 && recovery.note != nil)
        #expect(b.cursor == 3)
    }

    @Test func saveFoldsTheJournalInAndAnotherSavesJournalIsSetAside() throws {
        let dir = directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let a = make()
        try work(a, in: dir)
        let id = try a.save(to: dir)
        #expect(!FileManager.default.fileExists(atPath: journalPath(dir)), "the save should drop the journal")
        a.journal = SessionJournal.start(in: dir, for: a)
        try a.redo()
        a.journal?.finish()

        let loaded = try PruningSession.load(
            from: dir, model: PruningFixtures.mlp([8, 12, 2], seed: 5), train: PruningFixtures.blobs(count: 48, features: 8),
            validation: PruningFixtures.blobs(count: 16, features: 8, seed: 3))
        #expect(loaded.saveID == id && loaded.cursor == 2)
        let recovery = try SessionJournal.recover(in: dir, into: loaded)
        #expect(recovery.steps == 0 && recovery.moves == 1 && loaded.cursor == 3 && state(loaded) == state(a))
        loaded.journal?.finish()

        // A fresh session is not the saved one: the journal is kept aside, not replayed.
        let fresh = make()
        let other = try SessionJournal.recover(in: dir, into: fresh)
        #expect(other.steps == 0 && other.moves == 0 && other.note?.contains("belongs to another save") == true)
        #expect(fresh.steps.count == 1)
        #expect(FileManager.default.fileExists(atPath: journalPath(dir) + ".stale"))
    }

    @Test func nothingIsWrittenBeforeTheFirstChangeAndDiscardCleansUp() throws {
        let dir = directory()
        let s = make()
        #expect(try SessionJournal.recover(in: dir, into: s) == JournalRecovery())
        #expect(!FileManager.default.fileExists(atPath: dir))
        try s.prune(PruneRequest(amount: .sparsity(0.5)))
        #expect(FileManager.default.fileExists(atPath: journalPath(dir)))
        s.journal?.discard()
        #expect(!FileManager.default.fileExists(atPath: dir))
    }

    /// One journal, one writer: a second claim on a directory fails while
    /// the first holds it (flock conflicts between two opens, in one
    /// process as across processes); other directories are free.
    @Test func aDirectoryIsClaimedOnce() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("ps-claim-\(UUID().uuidString)").path
        #expect(SessionJournal.claim(base + "/lenet-300-100-session"))
        #expect(!SessionJournal.claim(base + "/lenet-300-100-session"))
        #expect(!SessionJournal.claim(base + "/./lenet-300-100-session"), "the same directory spelled differently")
        #expect(SessionJournal.claim(base + "/digits-cnn-session"))
        #expect(SessionJournal.lockName("/a/b-session") == SessionJournal.lockName("/a/b-session"))
        #expect(SessionJournal.lockName("/a/b-session") != SessionJournal.lockName("/c/b-session"))
        #expect(SessionJournal.lockName("/a/b-session").hasPrefix("b-session-"))
    }
}
