import Foundation
import PruneKit
import ScreenSnapshots
import Synchronization
import Testing

@testable import PruneApps
@testable import PruneTUI

/// Checkpoints of many tiny tensors: what a frame of the inspector costs
/// must follow what it shows, not the number of tensors. Work is counted
/// (archive lookups, memo computations), never timed.
@Suite struct InspectorScaleTests {
    /// An archive that counts how often the inspector lists or looks up its tensors.
    final class CountingArchive: TensorArchive {
        let base: any TensorArchive
        let listings = Atomic<Int>(0)
        let lookups = Atomic<Int>(0)

        init(_ base: any TensorArchive) { self.base = base }

        var path: String { base.path }
        var format: TensorArchiveFormat { base.format }
        var metadata: [String: String] { base.metadata }
        var tensors: [TensorInfo] {
            listings.add(1, ordering: .relaxed)
            return base.tensors
        }
        func info(named name: String) -> TensorInfo? {
            lookups.add(1, ordering: .relaxed)
            return base.info(named: name)
        }
        func floatTensor(named name: String) throws -> Tensor { try base.floatTensor(named: name) }
        func withRawBytes<R>(named name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
            try base.withRawBytes(named: name, body)
        }

        /// Listings and lookups since the last call.
        func take() -> (listings: Int, lookups: Int) {
            (listings.exchange(0, ordering: .relaxed), lookups.exchange(0, ordering: .relaxed))
        }
    }

    /// A safetensors file of `count` tiny tensors named as BERT's
    /// (`encoder.layer.{i}.attention.self.query.weight`, biases, LayerNorm...),
    /// as `scripts/many_tensors.py` writes them; seeded values.
    /// Returns the directory holding it (`many.safetensors`) and the opened file.
    static func manyTensors(_ count: Int) throws -> (URL, SafetensorsFile) {
        let parts = [
            ("attention.self.query.weight", true), ("attention.self.query.bias", false),
            ("attention.self.key.weight", true), ("attention.self.key.bias", false),
            ("attention.self.value.weight", true), ("attention.self.value.bias", false),
            ("attention.output.dense.weight", true), ("attention.output.dense.bias", false),
            ("attention.output.LayerNorm.weight", false), ("attention.output.LayerNorm.bias", false),
            ("intermediate.dense.weight", true), ("intermediate.dense.bias", false),
            ("output.dense.weight", true), ("output.dense.bias", false),
            ("output.LayerNorm.weight", false), ("output.LayerNorm.bias", false),
        ]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: state >> 11) % 2001 - 1000) / 10_000
        }
        let entries = (0..<count).map { i -> SafetensorsEntry in
            let (part, matrix) = parts[i % parts.count]
            let shape = matrix ? [2, 2] : [2]
            let values = (0..<shape.reduce(1, *)).map { _ in next() }
            return SafetensorsEntry(name: "encoder.layer.\(i / parts.count).\(part)", tensor: Tensor(shape: shape, data: values))
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ps-many-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent("many.safetensors")
        try SafetensorsWriter.write(entries, to: url.path)
        return (directory, try SafetensorsFile(contentsOf: url.path))
    }

    static let size = Size(width: 160, height: 48)

    /// A frame of `model` drawn the way the runner draws it.
    static func frame(_ model: InspectorModel) -> CellBuffer {
        var buffer = CellBuffer(size: size)
        model.render(into: &buffer, context: DrawContext(theme: .builtinDefault, glyphs: .unicode, capability: .truecolor))
        return buffer
    }

    /// The model on `archive` with its statistics loaded, every group unfolded
    /// (the most rows a list can have) and the global preview on.
    static func loadedModel(_ archive: CountingArchive) throws -> InspectorModel {
        var model = InspectorModel(archive: archive, size: size)
        _ = model.startLoading()
        let inspection = try CheckpointInspector.inspect(archive, threads: 1)
        _ = model.update(.message(.loaded(inspection)), now: 0)
        model.collapsed = []
        return model
    }

    @Test(arguments: [100, 1000, 10_000])
    func aFrameLooksUpWhatItShowsNotEveryTensor(count: Int) throws {
        let (url, file) = try Self.manyTensors(count)
        defer { try? FileManager.default.removeItem(at: url) }
        let archive = CountingArchive(file)
        var model = try Self.loadedModel(archive)
        #expect(model.rows.count > count)
        _ = Self.frame(model)  // fills the per-change caches
        _ = archive.take()
        _ = Self.frame(model)
        let (listings, lookups) = archive.take()
        // At most a few lookups per visible row (about 45 rows at 160x48), however many tensors.
        #expect(lookups <= 3 * Self.size.height, "\(lookups) lookups for one frame of \(count) tensors")
        #expect(listings <= 2, "\(listings) listings of all tensors for one frame")
        // Moving the selection is a key and a frame: the same bound.
        _ = model.update(.key(.down), now: 1)
        _ = Self.frame(model)
        let moved = archive.take()
        #expect(moved.lookups <= 3 * Self.size.height && moved.listings <= 2, "\(moved) after a key")
    }

    @Test func groupFiguresAreComputedOncePerChange() throws {
        let (url, file) = try Self.manyTensors(2000)
        defer { try? FileManager.default.removeItem(at: url) }
        var model = try Self.loadedModel(CountingArchive(file))
        #expect(model.scope == .global)
        for _ in 0..<3 { _ = Self.frame(model) }
        #expect(model.heatCache.groupPreview.computations == 1)
        #expect(model.heatCache.globalCDF.computations == 1)
        // A slider step changes every group's preview: once more, not once per row.
        _ = model.update(.key(.right), now: 1)
        for _ in 0..<3 { _ = Self.frame(model) }
        #expect(model.heatCache.groupPreview.computations == 2)
        #expect(model.heatCache.globalCDF.computations == 1)
        // Folding changes the rows, not the figures.
        _ = model.update(.key(.enter), now: 2)
        _ = Self.frame(model)
        #expect(model.heatCache.groupPreview.computations == 2)
    }

    @Test func groupFiguresAddUpTheirTensors() throws {
        let (url, file) = try Self.manyTensors(40)
        defer { try? FileManager.default.removeItem(at: url) }
        let model = try Self.loadedModel(CountingArchive(file))
        let inspection = try #require(model.inspection)
        for prefix in ["", "encoder.layer.", "encoder.layer.1.", "encoder.layer.2.attention."] {
            let members = inspection.entries.filter { $0.info.name.hasPrefix(prefix) }
            let counts = model.groupCounts(prefix)
            #expect(counts.tensors == members.count, "\(prefix)")
            #expect(counts.elements == members.reduce(0) { $0 + $1.info.elementCount }, "\(prefix)")
            #expect(counts.zeros == members.reduce(0) { $0 + $1.statistics.zeroCount }, "\(prefix)")
            let prunable = members.filter(\.prunable.isPrunable).reduce(0) { $0 + $1.info.elementCount }
            #expect(counts.prunable == prunable, "\(prefix)")
            let preview = members.reduce(0.0) { $0 + (model.previewSparsity(of: $1.info.name) ?? 0) * Double($1.info.elementCount) }
            #expect(abs(counts.previewZeros - preview) < 1e-9, "\(prefix)")
        }
    }

    @Test func manyTensorsScreen() throws {
        let (url, file) = try Self.manyTensors(5000)
        defer { try? FileManager.default.removeItem(at: url) }
        let term = InMemoryTerminal(size: Size(width: 120, height: 40), script: [nil, .key(.down), .key(.enter), .interrupt])
        let mailbox = Mailbox<InspectorMessage>()
        var app = InspectorApp.make(
            archive: file, size: Size(width: 120, height: 40), worker: InlineWorker(), post: { mailbox.post($0) })
        app.startLoading()
        let runner = AppRunner(app: app, driver: term, mailbox: mailbox)
        runner.run()
        #expect(runner.app.model.inspection?.entries.count == 5000)
        #expect(term.text.contains("encoder.layer. (5000)"))
        assertSnapshot(term.text, named: "inspect-5000-tensors-120x40")
    }
}
