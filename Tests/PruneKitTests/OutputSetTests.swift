import Foundation
import Testing

@testable import PruneKit

/// `OutputSet`: a directory of files replaced as a whole, user files kept,
/// leftovers of dead processes removed, bad targets refused.
@Suite struct OutputSetTests {
    static let owned: Set<String> = ["a.txt", "b.txt", "smaller"]

    /// A fresh parent directory for one test.
    private func parent() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("prunescope-set-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    private func read(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Writes a set of `a.txt` and `b.txt` holding `tag`, with `smaller/` when asked.
    private func writeSet(_ dir: String, _ tag: String, smaller: Bool = false, exchanging: Bool = true) throws {
        try OutputSet.write(to: dir, owned: Self.owned, exchanging: exchanging) { temporary in
            try AtomicFile.write(Array("\(tag) a".utf8), to: temporary + "/a.txt")
            try AtomicFile.write(Array("\(tag) b".utf8), to: temporary + "/b.txt")
            if smaller {
                try FileManager.default.createDirectory(atPath: temporary + "/smaller", withIntermediateDirectories: false)
                try AtomicFile.write(Array("\(tag) small".utf8), to: temporary + "/smaller/model.json")
            }
        }
    }

    /// Entries of `dir` whose names start with PruneScope's temporary prefixes.
    private func leftovers(_ dir: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir).filter {
            $0.hasPrefix(OutputSet.temporaryPrefix) || $0.hasPrefix(OutputSet.asidePrefix)
        }
    }

    /// The pid of a process that has exited.
    private func deadPID() throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "exit 0"]
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }

    @Test(arguments: [true, false])
    func replacesTheSetWholeAndKeepsUserFiles(exchanging: Bool) throws {
        let root = try parent()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let dir = root + "/out"
        try writeSet(dir, "old", smaller: true, exchanging: exchanging)
        #expect(read(dir + "/smaller/model.json") == "old small")
        // The user's own files, beside the set and in a folder of their own.
        try Data("mine".utf8).write(to: URL(fileURLWithPath: dir + "/notes.md"))
        try FileManager.default.createDirectory(atPath: dir + "/plots", withIntermediateDirectories: false)
        try Data("png".utf8).write(to: URL(fileURLWithPath: dir + "/plots/loss.png"))

        try writeSet(dir, "new", smaller: false, exchanging: exchanging)
        #expect(read(dir + "/a.txt") == "new a" && read(dir + "/b.txt") == "new b")
        #expect(!FileManager.default.fileExists(atPath: dir + "/smaller"), "a stale smaller/ survived into the new set")
        #expect(read(dir + "/notes.md") == "mine")
        #expect(read(dir + "/plots/loss.png") == "png")
        #expect(try leftovers(root).isEmpty)
    }

    @Test func theOldSetStaysWhenTheBodyThrows() throws {
        let root = try parent()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let dir = root + "/out"
        try writeSet(dir, "old", smaller: true)
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try OutputSet.write(to: dir, owned: Self.owned) { temporary in
                try AtomicFile.write(Array("new a".utf8), to: temporary + "/a.txt")
                throw Boom()
            }
        }
        #expect(read(dir + "/a.txt") == "old a" && read(dir + "/b.txt") == "old b")
        #expect(read(dir + "/smaller/model.json") == "old small")
        #expect(try leftovers(root).isEmpty)
    }

    @Test func aNewSetInAMissingDirectory() throws {
        let root = try parent()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try writeSet(root + "/fresh", "new")
        #expect(read(root + "/fresh/a.txt") == "new a")
        #expect(try FileManager.default.contentsOfDirectory(atPath: root) == ["fresh"])
    }

    @Test func leftoversOfDeadProcessesAreRemovedOthersKept() throws {
        let root = try parent()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let dead = try deadPID()
        let live = getpid()
        let deadSet = "\(root)/\(OutputSet.temporaryPrefix)\(dead)-out-abc123"
        let deadFile = "\(root)/\(OutputSet.temporaryPrefix)\(dead)-model.safetensors-Xy12Zq"
        let liveSet = "\(root)/\(OutputSet.temporaryPrefix)\(live)-out-def456"
        try FileManager.default.createDirectory(atPath: deadSet + "/session", withIntermediateDirectories: true)
        try Data("half".utf8).write(to: URL(fileURLWithPath: deadSet + "/session/tensors.safetensors"))
        try Data("half".utf8).write(to: URL(fileURLWithPath: deadFile))
        try FileManager.default.createDirectory(atPath: liveSet, withIntermediateDirectories: true)
        try Data("user".utf8).write(to: URL(fileURLWithPath: root + "/.prunescope-notes"))

        OutputSet.removeLeftovers(in: root)
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: root))
        #expect(names == [URL(fileURLWithPath: liveSet).lastPathComponent, ".prunescope-notes"])
    }

    @Test func anOldSetLeftAsideByAKillIsPutBack() throws {
        let root = try parent()
        defer { try? FileManager.default.removeItem(atPath: root) }
        // The fallback swap was killed between its renames: out/ is gone, its old set aside.
        let aside = "\(root)/\(OutputSet.asidePrefix)\(try deadPID())-out-Qw3rTy"
        try FileManager.default.createDirectory(atPath: aside, withIntermediateDirectories: true)
        try Data("old a".utf8).write(to: URL(fileURLWithPath: aside + "/a.txt"))
        OutputSet.removeLeftovers(in: root)
        #expect(read(root + "/out/a.txt") == "old a")
        #expect(try leftovers(root).isEmpty)
    }

    @Test func aLinkToADirectoryIsFollowed() throws {
        let root = try parent()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try writeSet(root + "/real", "old")
        try FileManager.default.createSymbolicLink(atPath: root + "/link", withDestinationPath: root + "/real")
        try writeSet(root + "/link", "new")
        #expect(read(root + "/real/a.txt") == "new a")
        let attributes = try FileManager.default.attributesOfItem(atPath: root + "/link")
        #expect(attributes[.type] as? FileAttributeType == .typeSymbolicLink)
    }

    @Test func targetsThatAreNotDirectoriesAreRefusedWithOneLine() throws {
        let root = try parent()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Data("x".utf8).write(to: URL(fileURLWithPath: root + "/file"))
        #expect(mkfifo(root + "/fifo", 0o644) == 0)
        for name in ["file", "fifo"] {
            var ran = false
            let error = #expect(throws: AtomicFileError.self) {
                try OutputSet.write(to: root + "/" + name, owned: Self.owned) { _ in ran = true }
            }
            #expect(!ran)
            #expect(error?.description.hasPrefix(root + "/" + name + ": exists and is") == true)
            #expect(error?.description.contains("\n") == false)
        }
        #expect(try leftovers(root).isEmpty)
    }
}

extension OutputSetTests {
    @Test func aLinkInPlaceOfASetFileIsRefusedNotReplaced() throws {
        let root = try parent()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try writeSet(root + "/out", "old")
        try FileManager.default.removeItem(atPath: root + "/out/b.txt")
        try FileManager.default.createSymbolicLink(atPath: root + "/out/b.txt", withDestinationPath: root + "/elsewhere")
        let error = #expect(throws: AtomicFileError.self) { try writeSet(root + "/out", "new") }
        #expect(error?.description == "\(root)/out/b.txt: exists and is a symbolic link, not a regular file; refusing to replace it")
        #expect(read(root + "/out/a.txt") == "old a")
        #expect(!FileManager.default.fileExists(atPath: root + "/elsewhere"))
    }
}
