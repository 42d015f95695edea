import Foundation
import PruneKit
import ScreenSnapshots
import Testing

@testable import PruneApps
@testable import PruneTUI

/// Inspection mode on a generated BERT-style checkpoint (no model spec):
/// the grouped list, folding, the filter, rules, the live magnitude preview
/// and the export, through the run loop with background work inline.
@Suite struct InspectorScreenTests {
    /// A seeded ~1 MB BERT-style checkpoint (embeddings, attention, LayerNorm,
    /// F16/BF16/I64 tensors) in a temporary directory removed with the value.
    final class Checkpoint {
        let directory: URL
        let archive: any TensorArchive
        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("ps-inspector-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let path = directory.appendingPathComponent("bert.safetensors").path
            try CheckpointSynthesis.writeBERT(to: path, approximateBytes: 1 << 20, hidden: 64, intermediate: 256, seed: 3)
            archive = try openTensorArchive(path: path)
        }
        deinit { try? FileManager.default.removeItem(at: directory) }
    }

    static func run(
        _ archive: any TensorArchive, _ size: Size, _ script: [TerminalEvent?], exportPath: String? = nil,
        rules: PrunableRules = .default
    ) -> (InMemoryTerminal, AppRunner<InspectorApp>) {
        let term = InMemoryTerminal(size: size, script: script)
        let mailbox = Mailbox<InspectorMessage>()
        var app = InspectorApp.make(
            archive: archive, rules: rules, size: size, worker: InlineWorker(), post: { mailbox.post($0) },
            exportPath: exportPath)
        app.startLoading()
        let runner = AppRunner(app: app, driver: term, mailbox: mailbox)
        runner.run()
        return (term, runner)
    }

    static func keys(_ text: String) -> [TerminalEvent?] { text.map { .key(.char($0)) } }

    @Test(arguments: [Size(width: 80, height: 24), Size(width: 160, height: 48)])
    func groupedListWithStatistics(size: Size) throws {
        let checkpoint = try Checkpoint(), archive = checkpoint.archive
        let (term, runner) = Self.run(archive, size, [nil, .key(.char("q"))])
        #expect(runner.app.model.inspection?.entries.count == archive.tensors.count)
        #expect(term.text.contains("inspect bert.safetensors"))
        #expect(term.text.contains("embeddings."))
        #expect(term.text.contains("encoder."))
        assertSnapshot(term.text, named: "inspect-\(size.width)x\(size.height)")
    }

    @Test func foldFilterAndTensorDetails() throws {
        let checkpoint = try Checkpoint(), archive = checkpoint.archive
        // Fold the first group: fewer rows.
        let (_, r0) = Self.run(archive, Size(width: 120, height: 40), [.interrupt])
        let (_, r1) = Self.run(archive, Size(width: 120, height: 40), [.key(.enter), .interrupt])
        #expect(r1.app.model.rows.count < r0.app.model.rows.count)
        // Filter to the query weights, select the first: its details, histogram threshold and heatmap.
        let script: [TerminalEvent?] = [.key(.char("/"))] + Self.keys("query.weight") + [.key(.enter), .interrupt]
        let (term, r2) = Self.run(archive, Size(width: 160, height: 48), script)
        #expect(
            r2.app.model.rows.allSatisfy { if case .tensor(let n, _) = $0 { return n.hasSuffix("query.weight") } else { return false } })
        #expect(!r2.app.model.rows.isEmpty)
        #expect(term.text.contains("prunable: "))
        #expect(term.text.contains("prune |w| < "))
        #expect(term.text.contains("max |w| per pixel"))
        assertSnapshot(term.text, named: "inspect-filtered-160x48")
    }

    @Test func previewMatchesTheExportedSparsity() throws {
        let checkpoint = try Checkpoint(), archive = checkpoint.archive
        let out = checkpoint.directory.appendingPathComponent("pruned.safetensors").path
        // Global 60 %: the preview's per-tensor figures are within the distribution's resolution of the export.
        let script: [TerminalEvent?] = Array(repeating: .key(.right), count: 10) + [.key(.char("e")), .key(.enter), .interrupt]
        let (_, runner) = Self.run(archive, Size(width: 120, height: 40), script, exportPath: out)
        let app = runner.app.model
        #expect(abs(app.slider.value - 0.6) < 1e-9)
        let written = try openTensorArchive(path: out)
        let names = app.prunableNames
        var zeros = 0, total = 0
        for name in names {
            let t = try written.floatTensor(named: name)
            let z = t.data.filter { $0 == 0 }.count
            zeros += z; total += t.count
            let previewed = try #require(app.previewSparsity(of: name))
            #expect(abs(previewed - Double(z) / Double(t.count)) < 0.03, "\(name)")
        }
        // Global semantics: exactly round(0.6 x total) of the prunable elements are zero.
        #expect(zeros == Int((0.6 * Double(total)).rounded(.toNearestOrEven)))
        // Everything not pruned is byte-identical.
        for info in archive.tensors where !names.contains(info.name) {
            #expect(try written.rawBytes(named: info.name) == archive.rawBytes(named: info.name), "\(info.name)")
        }
    }

    @Test func rulesChangeWhatIsPrunableAndCriteriaSayWhyNot() throws {
        let checkpoint = try Checkpoint(), archive = checkpoint.archive
        let (_, base) = Self.run(archive, Size(width: 120, height: 40), [.interrupt])
        let before = base.app.model.prunableNames.count
        let script: [TerminalEvent?] = [.key(.char("x"))] + Self.keys("*attention*") + [.key(.enter), .key(.char("c")), .interrupt]
        let (term, runner) = Self.run(archive, Size(width: 120, height: 40), script)
        #expect(runner.app.model.prunableNames.count < before)
        #expect(runner.app.model.prunableNames.allSatisfy { !$0.contains("attention") })
        #expect(term.text.contains("need a model spec"))
        // A bad pattern is refused in the prompt.
        let bad: [TerminalEvent?] = [.key(.char("i"))] + Self.keys("re:(") + [.key(.enter), .interrupt]
        let (_, r2) = Self.run(archive, Size(width: 120, height: 40), bad)
        guard case .prompt(let prompt)? = r2.app.model.modal else { Issue.record("the prompt closed on a bad pattern"); return }
        #expect(prompt.state.error != nil)
    }

    @Test func magnitudeCDFThresholdsAndFractions() {
        var acc = TensorStatisticsAccumulator()
        let values: [Float] = [0, 0.5, -0.5, 1, -2, 3, 0.25, -0.25]
        values.withUnsafeBufferPointer { acc.add($0) }
        let cdf = MagnitudeCDF([acc.finish().distribution])
        #expect(cdf.total == 8)
        #expect(cdf.threshold(forFraction: 0) == 0)
        #expect(cdf.threshold(forFraction: 0.125) == 0)  // the one 0
        #expect(cdf.threshold(forFraction: 0.375) == 0.25)  // 0, ±0.25
        #expect(cdf.fraction(below: 0.5) == 0.375)
        #expect(cdf.fraction(below: Float(0.5).nextUp) == 0.625)
        #expect(cdf.fraction(below: 100) == 1)
        #expect(MagnitudeCDF([]).threshold(forFraction: 0.5) == 0)
    }

    // MARK: Model, keys and help

    /// A model over `archive` with its statistics computed here, as the background pass would post them.
    static func loadedModel(
        _ archive: any TensorArchive, size: Size = Size(width: 120, height: 40),
        exportPath: String
    ) throws -> InspectorModel {
        var model = InspectorModel(archive: archive, size: size, exportPath: exportPath)
        #expect(model.startLoading() == [.loadStatistics(rules: .default)])
        #expect(model.startLoading().isEmpty, "a second start asks for nothing")
        let inspection = try CheckpointInspector.inspect(archive, rules: .default, bins: 64)
        #expect(model.update(.message(.loaded(inspection)), now: 0).effects.isEmpty)
        return model
    }

    @Test func updateAsksForLoadingAndExportWithoutRunningThem() throws {
        let checkpoint = try Checkpoint(), archive = checkpoint.archive
        let out = checkpoint.directory.appendingPathComponent("asked.safetensors").path
        // While the statistics load: e only says to wait; quitting stops the pass.
        var loading = InspectorModel(archive: archive, size: Size(width: 120, height: 40), exportPath: out)
        #expect(loading.startLoading() == [.loadStatistics(rules: .default)])
        #expect(loading.update(.key(.char("e")), now: 0).effects.isEmpty)
        #expect(loading.modal == nil && loading.toasts.items.last?.text == "wait for the statistics to finish")
        let quit = loading.update(.interrupt, now: 0)
        #expect(quit.effects == [.cancelLoading])
        guard case .quit = quit.action else { Issue.record("interrupt did not quit"); return }

        // Loaded: global 52 %, e, Enter asks for exactly that export, and nothing is written.
        var model = try Self.loadedModel(archive, exportPath: out)
        #expect(model.loading == nil && model.inspection != nil)
        for key: Key in [.right, .right, .char("e")] { #expect(model.update(.key(key), now: 1).effects.isEmpty) }
        guard case .prompt(let prompt)? = model.modal, prompt.purpose == .export else { Issue.record("no export prompt"); return }
        #expect(prompt.state.text == out)
        let asked = InspectorExport(
            path: out, replacing: false, tensors: model.prunableNames, scope: .global, twoOfFour: false,
            amount: model.slider.value)
        #expect(abs(asked.amount - 0.52) < 1e-9)
        #expect(model.update(.key(.enter), now: 1).effects == [.export(asked)])
        #expect(model.exporting == out && model.modal == nil)
        #expect(!FileManager.default.fileExists(atPath: out), "update wrote the file itself")
        // Another e while it runs asks for nothing.
        #expect(model.update(.key(.char("e")), now: 1).effects.isEmpty)
        // The runner found the file there: y asks again, replacing it; per tensor and 2:4 go with it.
        _ = model.update(.message(.exportTargetExists(path: out)), now: 2)
        #expect(model.modal == .confirmOverwrite(path: out) && model.exporting == nil)
        _ = model.update(.key(.char("g")), now: 2)
        #expect(model.scope == .global, "the question takes the keys")
        _ = model.update(.key(.char("n")), now: 2)
        #expect(model.modal == nil)
        _ = model.update(.key(.char("g")), now: 2)
        _ = model.update(.key(.char("n")), now: 2)
        _ = model.update(.message(.exportTargetExists(path: out)), now: 2)
        var replacing = asked
        replacing.replacing = true
        replacing.scope = .layer
        replacing.twoOfFour = true
        #expect(model.update(.key(.char("y")), now: 3).effects == [.export(replacing)])
        // Quitting once loaded stops nothing (the export runs to its end).
        #expect(model.update(.key(.char("q")), now: 3).effects.isEmpty)
    }

    @Test func unknownKeyGivesOneLineOnTheBottomLine() throws {
        let checkpoint = try Checkpoint(), archive = checkpoint.archive
        let (term, runner) = Self.run(archive, Size(width: 80, height: 24), [nil, .key(.char("z")), .interrupt])
        let lines = term.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let bottom = lines[23]
        #expect(bottom.contains("z: no such key here (? lists the keys)"), "\(bottom)")
        #expect(bottom.contains("? help"), "the hints share the line: \(bottom)")
        #expect(lines.prefix(23).allSatisfy { !$0.contains("no such key") }, "the message is on the bottom line only")
        #expect(runner.app.model.toasts.items.count == 2, "statistics ready, then the unknown key")
        // Below the help's own keys, a key that means nothing in help does nothing there.
        var model = try Self.loadedModel(archive, exportPath: "unused.safetensors")
        _ = model.update(.key(.char("?")), now: 0)
        let before = model.toasts.items.count
        _ = model.update(.key(.char("z")), now: 0)
        #expect(model.toasts.items.count == before && model.modal == .help(scroll: 0))
    }

    @Test func helpScrollsToTheLastEntryAt80x24() throws {
        let checkpoint = try Checkpoint(), archive = checkpoint.archive
        let size = Size(width: 80, height: 24)
        let last = try #require(InspectorKeys.mouse.last?.what)
        let (top, _) = Self.run(archive, size, [nil, .key(.char("?")), .interrupt])
        #expect(top.text.contains("Inspecting a checkpoint"))
        #expect(!top.text.contains(last), "at the top, the last entry is below the fold")
        #expect(top.text.contains("more"))
        let pages: [TerminalEvent?] = [nil, .key(.char("?"))] + Array(repeating: .key(.pageDown), count: 6) + [.interrupt]
        let (bottom, runner) = Self.run(archive, size, pages)
        #expect(bottom.text.contains(last), "\(bottom.text)")
        #expect(bottom.text.contains("Mouse"))
        guard case .help(let scroll)? = runner.app.model.modal else { Issue.record("help closed"); return }
        #expect(scroll == InspectorKeys.help(unicode: true).maxScroll(in: Rect(x: 0, y: 0, width: 80, height: 24)))
        // Every binding of the table is in help, and the hint line is made of the table's hints.
        let help = InspectorKeys.helpSections(unicode: true).flatMap(\.entries).map(\.text)
        #expect(InspectorKeys.table.allSatisfy { help.contains($0.help) })
        #expect(InspectorKeys.hints(unicode: true).map(\.action).prefix(2) == ["help", "quit"])
        assertSnapshot(bottom.text, named: "help-end-80x24")
    }

    // MARK: Sizes

    /// `prunescope inspect` and the inspector's header give the checkpoint's size in the same unit, to the same figure.
    @Test func headerAndCommandLineGiveTheSameMiB() throws {
        let checkpoint = try Checkpoint(), archive = checkpoint.archive
        let bytes = archive.tensors.reduce(0) { $0 + $1.byteCount }
        let figure = Format.mebibytes(bytes)
        #expect(figure.hasSuffix(" MiB") && figure == String(format: "%.1f MiB", Double(bytes) / 1_048_576))
        let (term, _) = Self.run(archive, Size(width: 160, height: 48), [nil, .interrupt])
        let header = term.text.split(separator: "\n").first.map(String.init) ?? ""
        #expect(header.contains("· \(figure)"), "\(header)")
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = ["inspect", archive.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(output.contains("parameters (\(figure))"), "\(output.suffix(300))")
        #expect(Format.mebibytes(0) == "0.0 MiB" && Format.mebibytes(4096) == "0.004 MiB" && Format.mebibytes(52_428_800) == "50.0 MiB")
    }

    /// The built `prunescope` beside this test bundle.
    static var binary: URL {
        let bundle = Bundle.main.bundleURL
        let candidates = [
            bundle.deletingLastPathComponent().appendingPathComponent("prunescope"), bundle.appendingPathComponent("prunescope"),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("prunescope"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    // MARK: Real threads

    static let repetitions = Int(ProcessInfo.processInfo.environment["STRESS_REPETITIONS"] ?? "") ?? 20

    /// Keys that leave the export's settings as they were after a whole
    /// cycle (filter, slider, scope, 2:4, help, resizes, the mouse).
    static let storm: [AppEvent<InspectorMessage>] =
        [.key(.right), .key(.char("g")), .key(.down), .key(.char("/"))]
        + "query".map { .key(.char($0)) }
        + [
            .key(.enter), .key(.down), .key(.char("L")), .key(.char("?")), .key(.pageDown), .key(.escape), .key(.escape),
            .key(.left), .key(.char("g")), .key(.up), .key(.char("L")), .resize(Size(width: 120, height: 40)),
            .mouse(MouseEvent(.wheelDown, button: 0, x: 5, y: 5)), .key(.char(">")), .key(.char("<")),
            .resize(Size(width: 80, height: 24)), .key(.char("n")), .key(.char("n")), .key(.end), .key(.pageDown), .key(.home),
        ]

    /// Loads and exports `archive` to `out` on `worker`; with `storm`, keys
    /// arrive all the while, each followed by the posted messages, a tick and a frame.
    static func loadAndExport(_ archive: any TensorArchive, to out: String, worker: any BackgroundWorker, storm: Bool) -> InspectorModel {
        let mailbox = Mailbox<InspectorMessage>()
        var app = InspectorApp.make(
            archive: archive, size: Size(width: 80, height: 24), worker: worker, post: { mailbox.post($0) },
            exportPath: out)
        app.startLoading()
        var context = DrawContext(theme: .builtinDefault, glyphs: .unicode, capability: .truecolor)
        var buffer = CellBuffer(size: app.model.size)
        func step(_ event: AppEvent<InspectorMessage>?) {
            context.now += 0.031
            if let event { _ = app.handle(event, context: context) }
            for message in mailbox.drain() { _ = app.handle(.message(message), context: context) }
            _ = app.tick(now: context.now)
            buffer.resize(to: app.model.size, fill: Cell(" "))
            app.render(into: &buffer, context: context)
        }
        /// Storms (whole cycles) or waits until `done`.
        func keepBusy(until done: () -> Bool) {
            let deadline = Date().addingTimeInterval(120)
            while !done(), Date() < deadline {
                if storm { Self.storm.forEach(step) } else { step(nil); Thread.sleep(forTimeInterval: 0.001) }
            }
        }
        keepBusy { app.model.loading == nil }
        // The same export settings however many cycles ran: global, a sparsity, 0 then 60 points.
        if app.model.scope != .global { step(.key(.char("g"))) }
        if app.model.twoOfFour { step(.key(.char("n"))) }
        for key in [Key.home] + Array(repeating: .right, count: 60) + [.char("e"), .enter] { step(.key(key)) }
        keepBusy { app.model.exporting == nil }
        _ = app.runner.shutDown(timeout: 30)
        step(nil)
        return app.model
    }

    @Test func loadingAndExportOnRealThreadsWithFramesAndKeys() throws {
        let checkpoint = try Checkpoint(), archive = checkpoint.archive
        let inlineOut = checkpoint.directory.appendingPathComponent("inline.safetensors").path
        let inline = Self.loadAndExport(archive, to: inlineOut, worker: InlineWorker(), storm: false)
        #expect(abs(inline.slider.value - 0.6) < 1e-6)
        let expected = try Data(contentsOf: URL(fileURLWithPath: inlineOut))
        for repetition in 0..<Self.repetitions {
            let out = checkpoint.directory.appendingPathComponent("thread-\(repetition).safetensors").path
            let model = Self.loadAndExport(archive, to: out, worker: ThreadWorker(), storm: true)
            #expect(model.inspection?.entries.count == archive.tensors.count, "repetition \(repetition): statistics missing")
            #expect(model.loading == nil && model.exporting == nil, "repetition \(repetition): work never finished")
            let written = try? Data(contentsOf: URL(fileURLWithPath: out))
            #expect(written == expected, "repetition \(repetition): \(model.toasts.items.map(\.text))")
        }
    }
}
