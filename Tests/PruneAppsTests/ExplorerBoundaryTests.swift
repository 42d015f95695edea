import Foundation
import PruneKit
import ScreenSnapshots
import Testing

@testable import PruneApps
@testable import PruneTUI

/// Screen 6, the decision boundary of spirals-mlp: snapshots with colours
/// (the regions are all `▀`), the painted classes against the model, the
/// preview following the slider, and the message for a model that is not 2-D.
@Suite struct ExplorerBoundaryTests {
    typealias H = ExplorerHarness
    static let context = DrawContext(theme: .builtinDefault, glyphs: .unicode, capability: .truecolor)
    /// Global scope, then 85 points of sparsity of all prunable weights.
    static let preview85: [TerminalEvent?] = [.key(.char("g"))] + H.keys(.right, 85) + H.idle

    @Test(arguments: H.sizes)
    func unprunedSpirals(size: Size) throws {
        let (term, runner) = try H("spirals-mlp").run(size, [.key(.char("6"))] + H.idle + [.interrupt])
        let model = runner.app.model
        let picture = try #require(model.boundaryShown)
        #expect(picture.request.label == "step 0" && !picture.request.preview)
        #expect(picture.correct == 196 && picture.predictions.count == 200, "the card's 98.00 % (196/200)")
        #expect(term.text.contains("Decision boundary · step 0"))
        #expect(term.text.contains("val acc 98.00% (196/200)"))
        // The hint line names the screens up to the last one (cut off at 80 columns).
        if size.width >= 160 { #expect(term.text.contains("1-6 views")) }
        assertSnapshot(term.styledText, named: "boundary-\(size.width)x\(size.height)")
    }

    @Test(arguments: H.sizes)
    func afterAPruneStep(size: Size) throws {
        let h = try H("spirals-mlp")
        let (term, runner) = h.run(size, [.key(.char("6"))] + Self.preview85 + [.key(.enter)] + H.idle + [.interrupt])
        let model = runner.app.model
        #expect(h.session.steps.count == 2)
        let picture = try #require(model.boundaryShown)
        #expect(picture.request.label == "step 1" && !picture.request.preview)
        #expect(term.text.contains("Decision boundary · step 1"))
        #expect(term.text.contains("85.0% of prunable zero"))
        // The picture's accuracy is the step's, measured by the session on the same weights.
        #expect(picture.accuracy == model.session.metrics.accuracy)
        assertSnapshot(term.styledText, named: "boundary-pruned-\(size.width)x\(size.height)")
    }

    /// Retraining on screen 6 (`r`, masks held at zero): the picture follows
    /// to the new step and more validation points fall on the right side.
    @Test func retrainingHealsTheBoundary() throws {
        let h = try H("spirals-mlp")
        let pruned = h.run(H.sizes[0], [.key(.char("6"))] + Self.preview85 + [.key(.enter)] + H.idle + [.interrupt])
        let before = try #require(pruned.1.app.model.boundaryShown)
        // 30 epochs at the recipe's learning rate (the default, a tenth of it for 1 epoch, barely moves it).
        var controls = ExplorerControls(learningRate: 0.01)
        controls.retrainEpochs = 30
        let (term, runner) = h.run(H.sizes[0], [.key(.char("6")), .key(.char("r"))] + H.idle + [.interrupt], controls: controls)
        let after = try #require(runner.app.model.boundaryShown)
        #expect(before.request.label == "step 1" && after.request.label == "step 2")
        #expect(h.session.steps.last?.kind == .retrain)
        #expect(after.correct > before.correct + 20, "\(before.correct) -> \(after.correct) of 200")
        #expect(after.grid.classes != before.grid.classes)
        #expect(term.text.contains("Decision boundary · step 2"))
    }

    @Test func aModelWithoutTwoInputsSaysSoInOneLine() throws {
        let (term, runner) = try H().run(H.sizes[0], [.key(.char("6"))] + H.idle + [.interrupt])
        #expect(runner.app.model.screen == .boundary)
        #expect(runner.app.model.boundaryShown == nil && runner.app.model.boundary.inFlight == nil)
        #expect(term.text.contains("decision boundaries need a model with 2 inputs; lenet-300-100 has 784"))
        assertSnapshot(term.text, named: "boundary-unsupported-80x24")
    }

    /// Without colour and Unicode the regions are shades, one per cell, and
    /// the points letters (upper case where the model is wrong): nothing
    /// rests on colour.
    @Test func monochromeAsciiShowsRegionsAsShades() throws {
        let (_, runner) = try H("spirals-mlp").run(H.sizes[0], [.key(.char("6"))] + Self.preview85 + [.interrupt])
        let model = runner.app.model
        let context = DrawContext(theme: .builtinDefault, glyphs: .ascii, capability: .monochrome)
        var buffer = CellBuffer(size: H.sizes[0])
        model.render(into: &buffer, context: context)
        let area = model.boundaryLayout.picture
        let grid = try #require(model.boundaryShown?.grid)
        var checked = 0, wrongMarks = 0
        for row in 0..<area.height {
            for column in 0..<area.width {
                let cell = buffer[area.x + column, area.y + row]
                if "OX".unicodeScalars.contains(cell.char) { wrongMarks += 1 }
                guard !"oxOX".unicodeScalars.contains(cell.char) else { continue }
                #expect(cell.char == ClassPalette.shade(grid[column: column, row: 2 * row], .ascii), "cell \(column),\(row)")
                checked += 1
            }
        }
        #expect(checked > area.width * area.height / 2)
        #expect(!buffer.text.contains("▀"))
        #expect(wrongMarks > 0, "misclassified points in upper case")
        assertSnapshot(buffer.text, named: "boundary-ascii-mono-80x24")
    }

    /// Every key the boundary screen's hint line names does what it says there.
    @Test func boundaryHintsAreKeysThatWork() {
        let hinted = ExplorerKeys.table.filter { $0.hint != nil && ($0.context == .boundary || $0.context == .everywhere) }
        #expect(hinted.contains { $0.context == .boundary && $0.action == .slider })
        for b in hinted {
            #expect(ExplorerKeys.binding(for: b.keys[0], in: .boundary)?.action == b.action, "\(b.keys[0])")
        }
    }

    /// Moving the slider on screen 6 previews: a new grid (the preview's
    /// masks over the step) and a label that says so; further, another one.
    @Test func theSliderPreviewsTheBoundary() throws {
        let size = H.sizes[0]
        let step = try H("spirals-mlp").run(size, [.key(.char("6"))] + H.idle + [.interrupt])
        let at40 = try H("spirals-mlp").run(size, [.key(.char("6")), .key(.char("g"))] + H.keys(.right, 40) + H.idle + [.interrupt])
        let at85 = try H("spirals-mlp").run(size, [.key(.char("6"))] + Self.preview85 + [.interrupt])
        let pictures = try [step, at40, at85].map { try #require($0.1.app.model.boundaryShown) }
        #expect(pictures.map(\.request.label) == ["step 0", "preview 40.0%", "preview 85.0%"])
        #expect(pictures.map(\.request.preview) == [false, true, true])
        #expect(pictures[0].grid.classes != pictures[2].grid.classes, "85 % of the weights gone changes the regions")
        #expect(pictures[1].grid.classes != pictures[2].grid.classes)
        #expect(at85.0.text.contains("Decision boundary · preview 85.0%"))
        #expect(at85.0.styledText != step.0.styledText)
        // The picture's accuracy is the preview's, measured separately by the accuracy preview.
        let measured = try #require(at85.1.app.model.previewAccuracy.value)
        #expect(pictures[2].accuracy == measured.accuracy)
        #expect(pictures[2].correct < pictures[0].correct)
    }

    /// Each half cell of the picture is painted with the region colour of
    /// the class the model (with the preview's masks, when one is pending)
    /// predicts at that half cell's centre, computed here one point at a
    /// time, apart from the grid evaluation.
    @Test(arguments: [false, true])
    func paintedRegionsAreTheArgmaxAtCellCentres(preview: Bool) throws {
        let script: [TerminalEvent?] = [.key(.char("6"))] + (preview ? Self.preview85 : H.idle) + [.interrupt]
        let (term, runner) = try H("spirals-mlp").run(H.sizes[0], script)
        let model = runner.app.model
        let picture = try #require(model.boundaryShown)
        #expect(picture.request.preview == preview)
        let net = model.preview.planner.model.copy()
        if preview { PrunePlanner.apply(model.preview.evaluationMasks().materialized(), to: net) }
        let area = model.boundaryLayout.picture
        let regions = (0..<2).map { ClassPalette.region($0, Self.context) }
        #expect(regions[0] != regions[1])
        let grid = picture.grid
        #expect(grid.columns == area.width && grid.rows == 2 * area.height)
        func expected(_ column: Int, _ pixelRow: Int) -> Int {
            let x = grid.x.lowerBound + (Double(column) + 0.5) * (grid.x.upperBound - grid.x.lowerBound) / Double(grid.columns)
            let y = grid.y.upperBound - (Double(pixelRow) + 0.5) * (grid.y.upperBound - grid.y.lowerBound) / Double(grid.rows)
            return argmaxRows(net.forward(Tensor(shape: [1, 2], data: [Float(x), Float(y)])))[0]
        }
        var checked = 0, seen = Set<Int>()
        for row in 0..<area.height {
            for column in 0..<area.width {
                let cell = term.screen[area.x + column, area.y + row]
                // Cells with a point show its glyph over the region of the half it falls in; the rest are half blocks.
                guard cell.char == "▀" else { continue }
                let upper = try #require(regions.firstIndex(of: cell.style.fg), "cell \(column),\(row): fg is no region colour")
                let lower = try #require(regions.firstIndex(of: cell.style.bg), "cell \(column),\(row): bg is no region colour")
                #expect(upper == expected(column, 2 * row), "cell \(column),\(row) upper")
                #expect(lower == expected(column, 2 * row + 1), "cell \(column),\(row) lower")
                seen.formUnion([upper, lower])
                checked += 2
            }
        }
        #expect(checked > area.width * area.height, "most of the picture is regions, not points")
        #expect(seen == [0, 1], "both classes have a region")
    }
}
