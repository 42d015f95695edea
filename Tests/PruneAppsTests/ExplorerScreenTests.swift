import Foundation
import PruneKit
import ScreenSnapshots
import Testing

@testable import PruneApps
@testable import PruneTUI

/// The explorer's screens on the real sample models, as text snapshots.
@Suite struct ExplorerScreenTests {
    typealias H = ExplorerHarness

    @Test(arguments: H.sizes)
    func mainScreenOnOpen(size: Size) throws {
        let (term, _) = try H().run(size, [.key(.char("q"))])
        let text = term.text
        #expect(text.contains("lenet-300-100 (mnist5k)"))
        #expect(text.contains("fc1.weight 300x784"))
        #expect(text.contains("val acc 94.00%"))
        assertSnapshot(text, named: "main-\(size.width)x\(size.height)")
    }

    @Test(arguments: H.sizes)
    func sliderPreviewsSparsityShadingAndAccuracy(size: Size) throws {
        let h = try H()
        let (term, runner) = h.run(size, H.keys(.right, 60) + H.idle + [.interrupt])
        let model = runner.app.model
        // The preview masks fc1 but the session is untouched until Enter.
        #expect(h.session.steps.count == 1)
        let preview = try #require(model.previewMetrics)
        let fc1 = try #require(preview.tensors.first { $0.name == "fc1.weight" })
        #expect(abs(fc1.sparsity - 0.6) < 1e-4)
        #expect(model.previewAccuracy.value != nil)
        #expect(term.text.contains("60.0%*"))
        #expect(term.text.contains("preview 9"))
        assertSnapshot(term.text, named: "preview-\(size.width)x\(size.height)")
    }

    @Test(arguments: H.sizes)
    func historyScreen(size: Size) throws {
        let h = try H()
        let script: [TerminalEvent?] =
            H.keys(.right, 50) + [.key(.enter), .key(.char("g"))] + H.keys(.right, 30)
            + [.key(.enter), .key(.char("2")), .key(.up), .interrupt]
        let (term, runner) = h.run(size, script)
        #expect(runner.app.model.screen == .history)
        #expect(term.text.contains("History (3 steps"))
        #expect(term.text.contains("prune magnitude unstructured gl"))
        assertSnapshot(term.text, named: "history-\(size.width)x\(size.height)")
    }

    @Test(arguments: H.sizes)
    func sensitivityScreen(size: Size) throws {
        let (term, runner) = try H().run(size, [.key(.char("s"))] + H.idle + [.interrupt])
        #expect(runner.app.model.sensitivity.count == 3 * ExplorerModel.sensitivitySparsities.count)
        #expect(runner.app.model.job == nil)
        assertSnapshot(term.text, named: "sensitivity-\(size.width)x\(size.height)")
    }

    @Test(arguments: H.sizes)
    func frontierScreen(size: Size) throws {
        let script: [TerminalEvent?] =
            H.keys(.right, 50) + [.key(.enter)] + H.keys(.right, 20) + [.key(.enter), .key(.char("4")), .interrupt]
        let (term, _) = try H().run(size, script)
        #expect(term.text.contains("Frontier"))
        assertSnapshot(term.text, named: "frontier-\(size.width)x\(size.height)")
    }

    @Test(arguments: H.sizes)
    func explanationNamesTheFormulaWithTheNumbers(size: Size) throws {
        let (term, _) = try H().run(size, H.keys(.right, 80) + [.key(.char("x")), .interrupt])
        #expect(term.text.contains("sigma(fc1)"))
        assertSnapshot(term.text, named: "explain-\(size.width)x\(size.height)")
    }

    @Test func helpOptionsAndQuitConfirmation() throws {
        let (help, _) = try H().run(H.sizes[1], [.key(.char("?")), .interrupt])
        assertSnapshot(help.text, named: "help-160x48")
        let (options, r1) = try H().run(H.sizes[0], [.key(.char("o")), .key(.down), .key(.right), .interrupt])
        #expect(r1.app.model.controls.granularity == .twoOfFour)
        assertSnapshot(options.text, named: "options-80x24")
        // q with an unsaved step asks first; n stays, q again and y quits.
        let (quit, r2) = try H().run(H.sizes[0], H.keys(.right, 5) + [.key(.enter), .key(.char("q")), .interrupt])
        #expect(r2.app.model.modal == .confirm(.quit))
        assertSnapshot(quit.text, named: "quit-confirm-80x24")
        let (_, r3) = try H().run(
            H.sizes[0],
            H.keys(.right, 5) + [.key(.enter), .key(.char("q")), .key(.char("n")), .key(.char("q")), .key(.char("y")), .key(.char("z"))])
        #expect(!r3.wasInterrupted)
        #expect(r3.app.model.modal == .confirm(.quit))
    }

    @Test func convFiltersAreTiled() throws {
        let (term, _) = try H("digits-cnn").run(H.sizes[1], [.key(.down), .interrupt])
        #expect(term.text.contains("conv2.weight 16x8x3x3"))
        #expect(term.text.contains("filters across, input channels down"))
        let t = ExplorerModel.tiles(values: Tensor(shape: [2, 1, 2, 2], data: [1, 2, 3, 4, 5, 6, 7, 8]), mask: nil, shape: [2, 1, 2, 2])
        #expect(t.rows == 2 && t.columns == 5)
        #expect(t.values[0] == 1 && t.values[1] == 2 && t.values[2].isNaN && t.values[3] == 5 && t.values[5] == 3)
    }

    @Test func smallTerminalSaysWhatItNeeds() throws {
        let (term, _) = try H("digits-mlp").run(Size(width: 70, height: 20), [.key(.right), .key(.char("q"))])
        #expect(term.text.contains("need 80 x 24, have 70 x 20"))
    }

    /// The heatmap is all half blocks; only its colours tell weights from
    /// pruned ones, so its snapshot records the styles too.
    @Test func heatmapColoursFollowTheMask() throws {
        let (dense, _) = try H().run(H.sizes[0], [.key(.char("a")), .interrupt])
        let (pruned, _) = try H().run(H.sizes[0], H.keys(.right, 70) + [.key(.enter), .key(.char("a")), .interrupt])
        #expect(dense.styledText != pruned.styledText)
        assertSnapshot(pruned.styledText, named: "heatmap-pruned-styled-80x24")
    }
}
