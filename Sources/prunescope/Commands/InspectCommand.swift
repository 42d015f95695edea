import ArgumentParser
import Foundation
import PruneKit

/// `prunescope inspect FILE`: every tensor of a checkpoint with its
/// statistics and whether it is prunable, without a model spec.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "List every tensor of a .safetensors, .pt/.bin (torch.save), .npz or .npy file with its statistics.",
        discussion: """
            Works on any checkpoint, no model spec needed (inspection mode): dtype, \
            shape, parameter count, min/max/mean/std, fraction of exact zeros, and \
            whether the tensor is prunable and why.

            Default prunable rules: 2-D weight matrices and 4-D convolution kernels; \
            embeddings, normalisation parameters (LayerNorm, BatchNorm, ln_*) and \
            biases are not. Change them with --include / --exclude (shell globs over \
            the full name, or regular expressions written re:PATTERN); --exclude wins.

            With --output and --amount, --scope or --granularity, also prunes the \
            prunable tensors by magnitude and writes a new .safetensors: untouched \
            tensors byte-identical, dtypes kept, the original __metadata__ kept plus \
            prunescope.* entries. With --output alone, converts: every tensor written \
            unchanged (name, dtype, shape and bytes), e.g. a .pt to .safetensors.

            A .pt/.bin written by torch.save (PyTorch >= 1.6) is read without running \
            it: only a state_dict's tensors are understood, and anything else the \
            pickle asks for (a class, a function) is refused by name. Nested dicts \
            become dotted names (state_dict.fc1.weight); values that are not tensors \
            (epoch, config) are listed as skipped.

            Examples:
              prunescope inspect model.safetensors
              prunescope inspect model.safetensors --exclude 'encoder.layer.0.*' --json
              prunescope inspect model.safetensors --groups --depth 2
              prunescope inspect model.safetensors --amount 0.5 --output pruned.safetensors
              prunescope inspect model.safetensors --granularity 2:4 --output pruned-2of4.safetensors
              prunescope inspect pytorch_model.bin --output model.safetensors
            """
    )

    @Argument(help: "The checkpoint: .safetensors, .pt/.bin (torch.save zip), .npz or .npy.")
    var file: String

    @Option(name: .customLong("include"), help: ArgumentHelp("Make tensors matching GLOB prunable (repeatable).", valueName: "GLOB"))
    var include: [String] = []

    @Option(
        name: .customLong("exclude"),
        help: ArgumentHelp("Never prune tensors matching GLOB (repeatable; wins over --include).", valueName: "GLOB"))
    var exclude: [String] = []

    @Flag(name: .customLong("no-defaults"), help: "Only --include patterns decide what is prunable.")
    var noDefaults = false

    @Flag(help: "Print JSON instead of a table (histograms included).")
    var json = false

    @Flag(help: "Print a summary per name-prefix group (e.g. encoder.layer.3.) instead of one line per tensor.")
    var groups = false

    @Option(help: "With --groups: how many levels of groups to show.")
    var depth: Int = 3

    @Option(help: "Histogram bins in --json output.")
    var bins: Int = 32

    @Option(help: "With --output: fraction of the prunable weights to prune, in [0, 1] (0.5 when only --scope is given).")
    var amount: Double?

    @Option(help: "With --output: 'global' (one ranking over all prunable tensors, the default) or 'layer' (each tensor alone).")
    var scope: Scope?

    @Option(
        help: ArgumentHelp(
            "With --output: 'unstructured' (default) or N:M, e.g. 2:4 (keep N of every M weights along each row; --amount and --scope are then not used).",
            valueName: "G"))
    var granularity: String?

    @Option(
        help: ArgumentHelp(
            "Write a .safetensors to PATH: magnitude-pruned with --amount/--scope/--granularity, else an unchanged conversion.",
            valueName: "PATH"))
    var output: String?

    @Option(
        help: ArgumentHelp(
            "With --output and pruning: also write the masks to PATH (<tensor>_mask, U8, 1 keep; what torch's prune.custom_from_mask takes).",
            valueName: "PATH"))
    var masks: String?

    /// Whether --output prunes (a pruning option was given) or converts.
    private var prunes: Bool { amount != nil || scope != nil || granularity != nil }

    /// (n, m) for an N:M granularity, nil for unstructured.
    private var nOfM: (Int, Int)? {
        guard let granularity else { return nil }
        let parts = granularity.split(separator: ":")
        guard parts.count == 2, let n = Int(parts[0]), let m = Int(parts[1]) else { return nil }
        return (n, m)
    }

    func validate() throws {
        for pattern in include + exclude {
            if let problem = PrunableRules.validate(pattern) { throw ValidationError(problem) }
        }
        guard bins >= 1 && bins <= 4096 else { throw ValidationError("--bins must be between 1 and 4096") }
        guard depth >= 1 else { throw ValidationError("--depth must be at least 1") }
        if let amount, !(amount.isFinite && amount >= 0 && amount <= 1) { throw ValidationError("--amount must be in [0, 1]") }
        if let granularity, granularity != "unstructured" {
            guard let (n, m) = nOfM, m >= 1, n >= 0, n <= m else {
                throw ValidationError("--granularity must be 'unstructured' or N:M with 0 <= N <= M, e.g. 2:4")
            }
        }
    }

    func run() throws {
        try CommandSupport.reportingErrors(inspect)
    }

    private func inspect() throws {
        if let output { try CommandSupport.checkOutputFile(output) }
        if let masks {
            guard output != nil, prunes else {
                throw PruningError("--masks", "give it with --output and a pruning option (--amount, --scope or --granularity)")
            }
            try CommandSupport.checkOutputFile(masks)
        }
        let archive = try openTensorArchive(path: file)
        let rules = PrunableRules(include: include, exclude: exclude, useDefaults: !noDefaults)
        // Small files take well under a second: no progress for them.
        let progress = ProgressReporter(enabled: archive.tensors.reduce(0) { $0 + $1.byteCount } >= 32 << 20)
        defer { progress.finish() }
        progress.begin("reading tensors")
        let inspection = try CheckpointInspector.inspect(
            archive, rules: rules, bins: bins,
            progress: { p in
                progress.update(
                    p.fraction,
                    "\(p.tensorsDone)/\(p.tensorsTotal) tensors, "
                        + "\(p.bytesDone / 1_000_000)/\(p.bytesTotal / 1_000_000) MB")
            })
        progress.finish()
        if json {
            // One piece per tensor: a million tensors never sit in memory as text at once.
            try inspection.writeJSON(skipped: archive.skippedEntries) { print(CommandSupport.terminalSafeJSON($0), terminator: "") }
            print()
        } else if groups {
            print(InspectTable.renderGroups(inspection, depth: depth), terminator: "")
        } else {
            print(InspectTable.render(inspection), terminator: "")
        }
        if !archive.skippedEntries.isEmpty, !json {
            print(InspectTable.skippedLine(archive.skippedEntries))
        }
        if let output, !prunes {
            try CheckpointExport.convert(archive, to: output)
            CommandSupport.writeStderr(
                "wrote \(CommandSupport.safe(output)): \(archive.tensors.count) tensors converted unchanged (names, dtypes, shapes and bytes kept)\n"
            )
        } else if let output {
            let names = inspection.entries.filter(\.prunable.isPrunable).map(\.info.name)
            // Rules, not masks: the export streams them tensor by tensor.
            let (rules, record) = try CheckpointPruning.magnitudeRules(
                archive, names: names, scope: scope ?? .global, nOfM: nOfM, amount: amount ?? 0.5)
            let metadata = try CheckpointExport.write(archive, changes: rules.mapValues { .rule($0) }, record: record, to: output)
            let how = record.granularity == "unstructured" ? record.scope.rawValue : record.granularity
            let message =
                "wrote \(CommandSupport.safe(output)): \(names.count) tensors pruned by magnitude (\(how)), "
                + "\(metadata["prunescope.pruned_elements"] ?? "?") of their \(metadata["prunescope.pruned_tensor_elements"] ?? "?") weights set to zero, "
                + "sparsity \(metadata["prunescope.sparsity"] ?? "?") of the pruned tensors\n"
            CommandSupport.writeStderr(message)
            if let masks {
                let written = try CheckpointPruning.writeMasks(archive, rules: rules, to: masks)
                CommandSupport.writeStderr("wrote \(CommandSupport.safe(masks)): \(written.count) masks\n")
            }
        }
    }
}

/// The plain-text table of `prunescope inspect`.
enum InspectTable {
    /// The line under the table naming the values that are not tensors (a
    /// torch checkpoint's `epoch`), at most ten of them.
    static func skippedLine(_ skipped: [String]) -> String {
        let shown = skipped.prefix(10).map(CommandSupport.safe).joined(separator: ", ")
        let more = skipped.count > 10 ? ", and \(skipped.count - 10) more" : ""
        let what = skipped.count == 1 ? "1 value that is not a tensor" : "\(skipped.count) values that are not tensors"
        return "skipped \(what): \(shown)\(more)"
    }

    static func render(_ inspection: CheckpointInspection) -> String {
        let header = ["tensor", "dtype", "shape", "params", "min", "max", "mean", "std", "zeros", "prunable"]
        var rows: [[String]] = []
        for e in inspection.entries {
            let s = e.statistics
            rows.append([
                CommandSupport.safe(e.info.name),
                e.info.dtype.rawValue,
                "[" + e.info.shape.map(String.init).joined(separator: ", ") + "]",
                String(e.info.elementCount),
                number(Double(s.min)), number(Double(s.max)), number(s.mean), number(s.std),
                Format.percent(s.zeroFraction) + (s.nonFiniteCount > 0 ? " (\(s.nonFiniteCount) NaN/inf)" : ""),
                (e.prunable.isPrunable ? "yes" : "no") + " (" + e.prunable.reason + ")",
            ])
        }
        let rightAligned: Set<Int> = [3, 4, 5, 6, 7, 8]
        var widths = header.map(\.count)
        for r in rows { for (i, c) in r.enumerated() where i < r.count - 1 { widths[i] = max(widths[i], c.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in
                if i == cells.count - 1 { return c }
                let pad = String(repeating: " ", count: widths[i] - c.count)
                return rightAligned.contains(i) ? pad + c : c + pad
            }.joined(separator: "  ")
        }
        var out = line(header) + "\n"
        for r in rows { out += line(r) + "\n" }
        let prunable = inspection.entries.filter(\.prunable.isPrunable)
        let total = inspection.totalElements
        out += "\n\(inspection.entries.count) tensors, \(total) parameters (\(Format.mebibytes(inspection.totalBytes))), "
        out += "\(Format.percent(total == 0 ? 0 : Double(inspection.zeroElements) / Double(total), digits: 2)) exact zeros; "
        out += "\(prunable.count) prunable tensors with \(inspection.prunableElements) weights"
        out += " (\(Format.percent(total == 0 ? 0 : Double(inspection.prunableElements) / Double(total))) of all parameters)\n"
        return out
    }

    /// One line per group down to `depth` levels: tensors, parameters,
    /// prunable parameters and exact zeros, indented by level.
    static func renderGroups(_ inspection: CheckpointInspection, depth: Int) -> String {
        let byName = Dictionary(inspection.entries.map { ($0.info.name, $0) }, uniquingKeysWith: { a, _ in a })
        var rows: [[String]] = []
        func visit(_ group: TensorGroup, level: Int) {
            let names = group.allTensors
            let entries = names.compactMap { byName[$0] }
            let params = entries.reduce(0) { $0 + $1.info.elementCount }
            let prunable = entries.filter(\.prunable.isPrunable).reduce(0) { $0 + $1.info.elementCount }
            let zeros = entries.reduce(0) { $0 + $1.statistics.zeroCount }
            let label = String(repeating: "  ", count: level) + (group.prefix.isEmpty ? "(all)" : CommandSupport.safe(group.prefix))
            rows.append([
                label, String(entries.count), String(params), String(prunable),
                Format.percent(params == 0 ? 0 : Double(zeros) / Double(params)),
            ])
            guard level + 1 < depth else { return }
            for g in group.groups { visit(g, level: level + 1) }
            for name in group.tensors where level + 1 < depth {
                guard let e = byName[name] else { continue }
                rows.append([
                    String(repeating: "  ", count: level + 1) + CommandSupport.safe(name), "1", String(e.info.elementCount),
                    e.prunable.isPrunable ? String(e.info.elementCount) : "0",
                    Format.percent(e.statistics.zeroFraction),
                ])
            }
        }
        visit(inspection.groups, level: 0)
        let header = ["group", "tensors", "params", "prunable", "zeros"]
        var widths = header.map(\.count)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in
                let pad = String(repeating: " ", count: widths[i] - c.count)
                return i == 0 ? c + pad : pad + c
            }.joined(separator: "  ")
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n") + "\n"
    }

    static func number(_ v: Double) -> String {
        if v == 0 { return "0" }
        return String(format: "%.4g", v)
    }

    static func bytes(_ n: Int) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var v = Double(n), u = 0
        while v >= 1024 && u < units.count - 1 { v /= 1024; u += 1 }
        return u == 0 ? "\(n) B" : String(format: "%.1f %@", v, units[u])
    }
}

/// `--scope layer|global`, parsed by its raw value.
extension Scope: ExpressibleByArgument {}
