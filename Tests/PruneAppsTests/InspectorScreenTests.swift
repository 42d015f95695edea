import Foundation
import PruneKit
import Testing
@testable import PruneApps
@testable import PruneTUI
import ScreenSnapshots

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

    static func run(_ archive: any TensorArchive, _ size: Size, _ script: [TerminalEvent?], exportPath: String? = nil,
                    rules: PrunableRules = .default) -> (InMemoryTerminal, AppRunner<InspectorApp>) {
        let term = InMemoryTerminal(size: size, script: script)
        let mailbox = Mailbox<InspectorMessage>()
        var app = InspectorApp(archive: archive, rules: rules, post: { mailbox.post($0) }, worker: InlineWorker(), exportPath: exportPath)
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
        #expect(runner.app.inspection?.entries.count == archive.tensors.count)
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
        #expect(r1.app.rows.count < r0.app.rows.count)
        // Filter to the query weights, select the first: its details, histogram threshold and heatmap.
        let script: [TerminalEvent?] = [.key(.char("/"))] + Self.keys("query.weight") + [.key(.enter), .interrupt]
        let (term, r2) = Self.run(archive, Size(width: 160, height: 48), script)
        #expect(r2.app.rows.allSatisfy { if case .tensor(let n, _) = $0 { return n.hasSuffix("query.weight") } else { return false } })
        #expect(!r2.app.rows.isEmpty)
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
        let app = runner.app
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
        let before = base.app.prunableNames.count
        let script: [TerminalEvent?] = [.key(.char("x"))] + Self.keys("*attention*") + [.key(.enter), .key(.char("c")), .interrupt]
        let (term, runner) = Self.run(archive, Size(width: 120, height: 40), script)
        #expect(runner.app.prunableNames.count < before)
        #expect(runner.app.prunableNames.allSatisfy { !$0.contains("attention") })
        #expect(term.text.contains("need a model spec"))
        // A bad pattern is refused in the prompt.
        let bad: [TerminalEvent?] = [.key(.char("i"))] + Self.keys("re:(") + [.key(.enter), .interrupt]
        let (_, r2) = Self.run(archive, Size(width: 120, height: 40), bad)
        #expect(r2.app.prompt?.state.error != nil)
    }

    @Test func magnitudeCDFThresholdsAndFractions() {
        var acc = TensorStatisticsAccumulator()
        let values: [Float] = [0, 0.5, -0.5, 1, -2, 3, 0.25, -0.25]
        values.withUnsafeBufferPointer { acc.add($0) }
        let cdf = MagnitudeCDF([acc.finish().distribution])
        #expect(cdf.total == 8)
        #expect(cdf.threshold(forFraction: 0) == 0)
        #expect(cdf.threshold(forFraction: 0.125) == 0)       // the one 0
        #expect(cdf.threshold(forFraction: 0.375) == 0.25)    // 0, ±0.25
        #expect(cdf.fraction(below: 0.5) == 0.375)
        #expect(cdf.fraction(below: Float(0.5).nextUp) == 0.625)
        #expect(cdf.fraction(below: 100) == 1)
        #expect(MagnitudeCDF([]).threshold(forFraction: 0.5) == 0)
    }
}
