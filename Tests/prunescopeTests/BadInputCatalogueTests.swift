import Foundation
import Testing

/// The bad-input catalogue: hostile and broken inputs to every command,
/// each answered by exactly one line on stderr (`prunescope: ...`, control
/// characters escaped), a non-zero exit and no file created, changed or
/// removed in the working directory. Crashes found by hand and by fuzzing
/// (overflowing spec products, huge sizes, damaged sessions) are here too.
@Suite(.serialized) struct BadInputCatalogueTests {
    /// One case: the arguments (`@` + path is a file in the working
    /// directory) and words the error line must contain.
    struct Case: CustomStringConvertible, Sendable {
        var args: [String]
        var mentions: [String]
        init(_ args: [String], _ mentions: String...) {
            self.args = args
            self.mentions = mentions
        }
        var description: String { args.joined(separator: " ") }
    }

    static let prune = ["prune", "@", "--no-progress"]
    static let bench = ["open", "@", "--bench", "--moves", "2", "--session"]

    static let cases: [Case] = [
        // Item 1: crafted specs and sizes, before anything is allocated.
        Case(["eval", "@dense-2e31"], "layers[0] ('fc1').outFeatures", "limit"),
        Case(["info", "@dense-1e12"], "outFeatures", "parameters"),
        Case(["train", "@dense-intmax"], "outFeatures"),
        Case(["train", "@dense-product"], "layers[0] ('fc1')"),
        Case(["eval", "@conv-channels"], "layers[0] ('c1').outChannels"),
        Case(["info", "@conv-kernel"], "layers[0] ('c1')"),
        Case(["train", "@conv-padding"], "layers[0] ('c1')"),
        Case(["eval", "@input-huge"], "inputShape"),
        Case(["info", "@input-zero"], "inputShape"),
        Case(["train", "@batch-intmax"], "training.batchSize"),
        Case(["train", "@epochs-huge"], "training.epochs"),
        Case(["bench", "@dense-2e31"], "outFeatures"),
        Case(["eval", "@count-huge"], "dataset.count"),
        Case(["prune", "@dense-1e12", "--sparsity", "0.5", "--out", "@out", "--no-progress"], "outFeatures"),
        Case(["sensitivity", "@conv-channels", "--no-progress"], "outChannels"),
        Case(["open", "@dense-2e31", "--bench"], "outFeatures"),
        Case(["train", "@", "--batch-size", "9223372036854775807"], "--batch-size"),
        Case(["train", "@", "--epochs", "99999999999"], "--epochs"),
        Case(["open", "@", "--bench", "--size", "100000x100000"], "--size"),
        Case(["demo", "--bench", "--size", "100000x100000"], "--size"),
        Case(["bench", "@", "--batch-size", "9223372036854775807"], "--batch-size"),
        Case(["bench", "@", "--threads", "100000"], "--threads"),
        Case(prune + ["--sparsity", "0.5", "--batch-size", "1000000", "--out", "@out"], "--batch-size"),
        Case(prune + ["--sparsity", "0.5", "--rounds", "1000000000", "--schedule", "iterative", "--out", "@out"], "--rounds"),
        Case(
            prune + ["--sparsity", "0.5", "--retrain-epochs", "99999999999", "--schedule", "iterative", "--out", "@out"], "--retrain-epochs"
        ),
        // Implausible training settings.
        Case(["train", "@momentum-5"], "momentum"),
        Case(["train", "@", "--lr", "1e30", "--quiet"], "weights.safetensors: not written: training diverged"),
        Case(prune + ["--sparsity", "0.5", "--schedule", "iterative", "--lr", "1e30", "--out", "@out"], "training diverged"),
        Case(prune + ["--sparsity", "0.5", "--schedule", "iterative", "--momentum", "5", "--out", "@out"], "--momentum"),
        Case(["train", "@", "--lr", "nan"], "--lr"),
        // Item 2: damaged sessions.
        Case(bench + ["@sessions/wrong-shape"], "tensors.safetensors", "step1/value/fc1.weight", "shape"),
        Case(bench + ["@sessions/bit-flip"], "tensors.safetensors", "content hash"),
        Case(bench + ["@sessions/nan"], "tensors.safetensors", "step1/value/fc1.weight", "non-finite"),
        Case(bench + ["@sessions/torn"], "tensors.safetensors", "torn session"),
        Case(bench + ["@sessions/garbage"], "session.json", "version"),
        Case(bench + ["@sessions/fifo-json"], "session.json", "FIFO"),
        Case(bench + ["@sessions/none"], "session.json"),
        // Item 4: output targets that are not regular files.
        Case(["inspect", "@bare/checkpoint.safetensors", "--output", "/dev/full"], "/dev/full", "character device"),
        Case(["inspect", "@bare/checkpoint.safetensors", "--output", "@fifo"], "FIFO"),
        Case(["inspect", "@bare/checkpoint.safetensors", "--output", "@link.safetensors"], "symbolic link"),
        Case(["inspect", "@bare/checkpoint.safetensors", "--output", "@a-directory"], "directory"),
        Case(["inspect", "@bare/checkpoint.safetensors", "--output", "@missing/x.safetensors"], "parent directory"),
        Case(prune + ["--sparsity", "0.5", "--out", "@plain-file"], "plain-file: exists and is a regular file, not a directory"),
        Case(prune + ["--sparsity", "0.5", "--out", "@missing/out"], "parent directory"),
        Case(prune + ["--sparsity", "0.5", "--out", "/dev/null"], "/dev/null: exists and is a character device, not a directory"),
        Case(["train", "@", "--out", "/dev/full"], "character device"),
        Case(["train", "@", "--out", "@fifo"], "FIFO"),
        Case(["train", "@", "--out", "@a-directory"], "directory"),
        Case(["sensitivity", "@", "--out", "@fifo", "--no-progress"], "FIFO"),
        // Item 8: inputs that are not regular files, refused before a blocking open.
        Case(["inspect", "@fifo"], "FIFO"),
        Case(["inspect", "/dev/zero"], "character device"),
        Case(["open", "@pipe.safetensors"], "FIFO"),
        Case(["eval", "@fifo-weights"], "weights.fifo", "FIFO"),
        Case(["train", "@fifo-data"], "images.fifo", "FIFO"),
        Case(["eval", "@spec.json"], "spec.json", "FIFO"),
        Case(["demo", "--theme", "@theme.fifo"], "theme.fifo", "not a regular file"),
        // Item 7: control characters in names are escaped.
        Case(["eval", "@escape-tensor"], "\\x1b]0;pwned\\x07head"),
        Case(["train", "@escape-layer"], "\\x1b[2Jfc2"),
        Case(["inspect", "@bare/x\u{1B}]0;pwned\u{7}.safetensors"], "\\x1b]0;pwned\\x07"),
        // Item 10: messages.
        Case(prune + ["--layer-sparsity", "", "--out", "@out"], "--layer-sparsity", "empty"),
        Case(prune + ["--layer-sparsity", "nosuch=0.5", "--out", "@out"], "--layer-sparsity", "nosuch"),
        Case(prune + ["--sparsity", "0.5", "--criterion", "taylor", "--taylor-batches", "0", "--out", "@out"], "--taylor-batches"),
        Case(["demo", "--theme", "@binary.theme"], "binary.theme", "not a theme file"),
        Case(["train", "@mean-scalar"], "normalisation"),
        Case(["info", "@name-number"], "name: expected a string"),
        Case(["eval", "@no-layers"], "no layers"),
        // Issue 15's options: each names what it needs.
        Case(prune + ["--max-drop", "2", "--sparsity", "0.5", "--out", "@out"], "--max-drop", "adaptive"),
        Case(prune + ["--allocate", "sensitivity", "--out", "@out"], "--allocate", "--sparsity"),
        Case(prune + ["--allocate", "greedy", "--sparsity", "0.5", "--out", "@out"], "--allocate", "greedy"),
        Case(prune + ["--splicing", "--sparsity", "0.5", "--out", "@out"], "--splicing", "one-shot"),
        Case(prune + ["--schedule", "adaptive", "--max-drop", "100", "--out", "@out"], "--max-drop"),
        // Other broken inputs, every command.
        Case(["eval", "@bare/truncated.safetensors"], "model.json"),
        Case(["inspect", "@bare/truncated.safetensors"], "truncated.safetensors"),
        Case(["inspect", "@bare/garbage.npz"], "garbage.npz"),
        Case(["inspect", "@bare/checkpoint.safetensors", "--bins", "0"], "--bins"),
        Case(["bench", "@nothing-here"], "no such file"),
        Case(["sensitivity", "@", "--sparsities", "2", "--no-progress"], "--sparsities"),
        Case(prune + ["--granularity", "3:2", "--out", "@out"], "3:2"),
        Case(prune + ["--sparsity", "1.5", "--out", "@out"], "--sparsity"),
        Case(["open", "@", "--bench", "--moves", "99999999999"], "--moves"),
        Case(["info", "@a-directory"], "model.json"),
    ]

    static let inputs = Result { try BadInputs.make() }

    @Test(arguments: cases) func badInputIsOneLineAndChangesNothing(_ c: Case) throws {
        let inputs = try Self.inputs.get()
        let args = c.args.map { a in a.hasPrefix("@") ? inputs.path(String(a.dropFirst())) : a }
        let before = inputs.listing()
        let result = try Binary.run(args, in: inputs.root)
        #expect(result.status != 0, "status 0: \(result.stdout)")
        let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 1 && result.stderr.hasSuffix("\n"), "stderr: \(result.stderr)")
        #expect(result.stderr.hasPrefix("prunescope: "), "stderr: \(result.stderr)")
        #expect(!result.stderr.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "raw control character in: \(result.stderr)")
        for m in c.mentions { #expect(result.stderr.contains(m), "'\(m)' not in: \(result.stderr)") }
        for word in ["NSCocoaErrorDomain", "DecodingError", "UserInfo=", "Fatal error"] {
            #expect(!result.stderr.contains(word), "\(word) in: \(result.stderr)")
        }
        #expect(inputs.listing() == before, "the working directory changed")
    }

    @Test func theCatalogueCoversEveryCommand() {
        #expect(Self.cases.count >= 60)
        let commands = Set(Self.cases.map { $0.args[0] })
        #expect(commands == ["eval", "info", "train", "bench", "prune", "sensitivity", "open", "demo", "inspect"])
    }

    @Test func specialFilesSurvive() throws {
        var info = stat()
        #expect(stat("/dev/full", &info) == 0 && (info.st_mode & S_IFMT) == S_IFCHR)
        #expect(stat("/dev/null", &info) == 0 && (info.st_mode & S_IFMT) == S_IFCHR)
    }
}
