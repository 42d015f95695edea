import Foundation

// Two builds of one target. The fuzz script builds it with
// `-sanitize=fuzzer,address -DFUZZING`: `main` hands over to libFuzzer's
// driver, which calls the two entry points below, the target chosen by
// PRUNEFUZZ_TARGET. The normal build instead has a small command that
// replays saved inputs (a crasher, without sanitizers) and writes seed
// corpora. (SwiftPM renames an executable's `main`, so libFuzzer's own
// `main` cannot be used; `LLVMFuzzerRunDriver` is its entry for this.)

/// The target and workspace of this fuzzing process.
struct FuzzContext: Sendable {
    let target: FuzzTarget
    let workspace: FuzzWorkspace

    static func make(targetName: String?) -> FuzzContext {
        guard let targetName, let target = FuzzTarget(rawValue: targetName) else {
            let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
            fail("prunefuzz: name a target (\(names)), got \(targetName.map { "'\($0)'" } ?? "none")")
        }
        do {
            return FuzzContext(target: target, workspace: try FuzzWorkspace.create(repository: FuzzWorkspace.defaultRepository))
        } catch {
            fail("prunefuzz: cannot set up the workspace: \(error)")
        }
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        exit(2)
    }
}

#if FUZZING
private let context = FuzzContext.make(targetName: ProcessInfo.processInfo.environment["PRUNEFUZZ_TARGET"])

/// Removes the workspace when libFuzzer exits normally.
private func removeWorkspace() { context.workspace.remove() }

/// Called once by libFuzzer. With PRUNEFUZZ_SEEDS=DIR, writes the target's
/// seed corpus to DIR and exits instead of fuzzing.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
) -> CInt {
    atexit { removeWorkspace() }
    if let directory = ProcessInfo.processInfo.environment["PRUNEFUZZ_SEEDS"] {
        do { try context.target.writeSeeds(to: directory, workspace: context.workspace) } catch {
            FuzzContext.fail("prunefuzz: cannot write seeds to \(directory): \(error)")
        }
        exit(0)
    }
    return 0
}

/// Called by libFuzzer for every input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    context.target.run(Array(UnsafeBufferPointer(start: data, count: size)), in: context.workspace)
    return 0
}

/// libFuzzer's driver: parses its flags from argv and runs `callback` on each input.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

@main
enum PruneFuzz {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzerTestOneInput))
    }
}
#else
/// `prunefuzz replay TARGET FILE...` runs saved inputs through a target;
/// `prunefuzz seeds TARGET DIR` writes its seed corpus.
@main
enum PruneFuzz {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard arguments.count >= 3, ["replay", "seeds"].contains(arguments[0]) else {
            FuzzContext.fail("usage: prunefuzz replay TARGET FILE... | prunefuzz seeds TARGET DIR")
        }
        let context = FuzzContext.make(targetName: arguments[1])
        defer { context.workspace.remove() }
        if arguments[0] == "seeds" {
            do { try context.target.writeSeeds(to: arguments[2], workspace: context.workspace) } catch {
                FuzzContext.fail("prunefuzz: cannot write seeds to \(arguments[2]): \(error)")
            }
            return
        }
        for path in arguments.dropFirst(2) {
            guard let input = FileManager.default.contents(atPath: path) else { FuzzContext.fail("prunefuzz: cannot read \(path)") }
            let problem = context.target.run([UInt8](input), in: context.workspace)
            print("\(path): \(problem.map { "refused: \($0)" } ?? "accepted")")
        }
    }
}
#endif
