import Foundation
import ScreenSnapshots
import Testing

@testable import PruneTUI

/// Every widget drawn through buffers at several sizes (tiny ones included),
/// compared with recorded text snapshots.
@Suite struct WidgetSnapshotTests {
    static let sizes = [Size(width: 1, height: 1), Size(width: 8, height: 3), Size(width: 30, height: 8), Size(width: 64, height: 16)]

    func sweep(
        _ name: String, sizes: [Size] = WidgetSnapshotTests.sizes, context: DrawContext = DrawContext(),
        as show: (CellBuffer) -> String = { $0.text }, _ body: (inout CellBuffer, Rect, DrawContext) -> Void
    ) -> String {
        sizes.map { s in "== \(s)\n" + show(draw(s, context: context, body)) }.joined(separator: "\n")
    }

    static let weights = testWeights(4000, seed: 7)

    func histogram(_ shading: Histogram.Shading, scale: Histogram.Scale = .linear, thresholds: [Double] = [-0.05, 0.05]) -> Histogram {
        let b = Histogram.bin(WidgetSnapshotTests.weights, bins: 60, range: -0.4...0.4)
        return Histogram(counts: b.counts, range: b.range, scale: scale, thresholds: thresholds, shading: shading)
    }

    @Test func histogramInsideShading() {
        assertSnapshot(sweep("hist") { b, a, c in histogram(.inside).render(into: &b, area: a, context: c) }, named: "histogram-inside")
    }

    @Test func histogramLogOutsideSingleThreshold() {
        assertSnapshot(
            sweep("hist") { b, a, c in histogram(.outside, scale: .log, thresholds: [0.1]).render(into: &b, area: a, context: c) },
            named: "histogram-log-outside")
    }

    @Test func histogramStylesShowPrunedRegion() {
        let buf = draw(Size(width: 40, height: 8)) { b, a, c in histogram(.inside).render(into: &b, area: a, context: c) }
        assertSnapshot(buf.styledText, named: "histogram-styled")
        let mono = draw(Size(width: 40, height: 8), context: monoContext) { b, a, c in
            histogram(.inside).render(into: &b, area: a, context: c)
        }
        assertSnapshot(mono.styledText, named: "histogram-mono-styled")
        let ascii = draw(Size(width: 40, height: 8), context: asciiContext) { b, a, c in
            histogram(.inside).render(into: &b, area: a, context: c)
        }
        assertSnapshot(ascii.text, named: "histogram-ascii")
    }

    @Test func sliderSizes() {
        let st = SliderState(value: 0.3, range: 0...1, coarseStep: 0.1, fineStep: 0.01)
        assertSnapshot(
            sweep("slider") { b, a, c in
                Slider(label: "threshold", state: st, readout: "0.3000", focused: true).render(into: &b, area: a, context: c)
            }, named: "slider")
    }

    @Test func heatmapDownsampledAndExact() {
        let w = testWeights(40 * 120, seed: 3)
        let mask = w.map { abs($0) < 0.08 ? Float(0) : 1 }
        let big = Heatmap(values: w, rows: 40, columns: 120, mask: mask)
        let theme = DrawContext().theme
        // Colours, not just the ▀ text: a heatmap whose colours break must fail here.
        assertSnapshot(
            sweep("heat", as: { colorSnapshot($0, theme: theme) }) { b, a, c in big.render(into: &b, area: a, context: c) },
            named: "heatmap-maxabs")
        let frac = Heatmap(values: w, rows: 40, columns: 120, mask: mask, aggregation: .fractionPruned)
        let styled = draw(Size(width: 12, height: 4)) { b, a, c in frac.render(into: &b, area: a, context: c) }
        assertSnapshot(colorSnapshot(styled, theme: theme), named: "heatmap-fraction-styled")
        let mono = draw(Size(width: 30, height: 8), context: monoContext) { b, a, c in big.render(into: &b, area: a, context: c) }
        assertSnapshot(mono.text, named: "heatmap-mono")
        // A small matrix is scaled up by whole pixels; exact zeros get the masked colour.
        let small = Heatmap(values: [0.5, -0.5, 0, 0.25], rows: 2, columns: 2)
        let s = draw(Size(width: 4, height: 2)) { b, a, c in small.render(into: &b, area: a, context: c) }
        assertSnapshot(colorSnapshot(s, theme: theme), named: "heatmap-2x2-styled")
        #expect(big.caption(for: Size(width: 30, height: 8), context: DrawContext()) == "40x120 → 16x30 px, max |w| per pixel")
        #expect(small.caption(for: Size(width: 4, height: 2), context: DrawContext()) == "2x2, 1 entry per pixel")
    }

    /// The colour snapshot tells apart two heatmaps whose text is the same:
    /// one drawn with another masked colour, one with swapped diverging ends.
    @Test func heatmapColourSnapshotSeesColourChanges() {
        let w = testWeights(16 * 24, seed: 5)
        let heat = Heatmap(values: w, rows: 16, columns: 24, mask: w.map { abs($0) < 0.05 ? 0 : 1 })
        func snapshot(_ theme: Theme) -> (text: String, colors: String) {
            let buffer = draw(Size(width: 24, height: 8), context: DrawContext(theme: theme)) { b, a, c in
                heat.render(into: &b, area: a, context: c)
            }
            return (buffer.text, colorSnapshot(buffer, theme: DrawContext(theme: theme).theme))
        }
        let base = snapshot(.builtinDefault)
        var masked = Theme.builtinDefault
        masked[.heatMasked] = Color(r: 255, g: 0, b: 255)
        var swapped = Theme.builtinDefault
        swapped[.heatNegative] = Theme.builtinDefault[.heatPositive]
        swapped[.heatPositive] = Theme.builtinDefault[.heatNegative]
        for other in [snapshot(masked), snapshot(swapped)] {
            #expect(other.text == base.text, "the text alone cannot see the change")
            #expect(other.colors != base.colors)
        }
        #expect(base.colors.contains("heat_masked"), "the legend names the masked colour")
    }

    static let chart: LineChart = {
        var loss: [(x: Double, y: Double)] = [], acc: [(x: Double, y: Double)] = []
        for i in 0...40 {
            let x = Double(i)
            let l: Double = 2.3 * exp(-x / 8) + 0.1
            let a: Double = 1 - exp(-x / 6)
            loss.append((x: x, y: l))
            acc.append((x: x, y: a))
        }
        return LineChart(
            series: [.init(name: "loss", points: loss), .init(name: "acc", points: acc)],
            markers: [.init(x: 20, label: "prune")], yRange: 0...2.5)
    }()

    @Test func lineChartSizes() {
        assertSnapshot(sweep("chart") { b, a, c in WidgetSnapshotTests.chart.render(into: &b, area: a, context: c) }, named: "linechart")
        let ascii = draw(Size(width: 40, height: 10), context: asciiContext) { b, a, c in
            WidgetSnapshotTests.chart.render(into: &b, area: a, context: c)
        }
        assertSnapshot(ascii.text, named: "linechart-ascii")
    }

    @Test func gaugeAndBarChart() {
        assertSnapshot(
            sweep("gauge") { b, a, c in Gauge(fraction: 0.437, label: "43.7%").render(into: &b, area: a, context: c) }, named: "gauge")
        let bars = BarChart(
            bars: [
                .init(label: "fc1", fraction: 0.9, valueText: "90.0%"), .init(label: "fc2", fraction: 0.851, valueText: "85.1%"),
                .init(label: "fc3", fraction: 0.4, valueText: "40.0%"),
            ], selected: 1)
        assertSnapshot(sweep("bars") { b, a, c in bars.render(into: &b, area: a, context: c) }, named: "barchart")
        let mono = draw(Size(width: 30, height: 3), context: monoContext) { b, a, c in bars.render(into: &b, area: a, context: c) }
        assertSnapshot(mono.styledText, named: "barchart-mono-styled")
    }

    @Test func tableScrollsToSelection() {
        let rows: [[TableCell]] = (0..<12).map { i in [.text("layer\(i)"), .text("\(i * 10)"), .gauge(Double(i) / 11)] }
        let table = Table(
            columns: [
                TableColumn("name", width: .min(6)), TableColumn("n", width: .fixed(4), alignRight: true),
                TableColumn("sparsity", width: .fill(1)),
            ],
            rows: rows, state: TableState(selected: 9), footer: [[.text("total"), .text("660")]])
        assertSnapshot(sweep("table") { b, a, c in table.render(into: &b, area: a, context: c) }, named: "table")
        // 30x8: header + 6 rows + footer; row 9 selected means rows 4...9 show.
        var state = TableState()
        _ = draw(Size(width: 30, height: 8)) { b, a, c in state = table.render(into: &b, area: a, context: c) }
        #expect(state.offset == 4)
    }

    @Test func overlays() {
        assertSnapshot(
            sweep("hints") { b, a, c in
                KeyHintBar([("?", "help"), ("q", "quit"), ("←→", "threshold")]).render(into: &b, area: a, context: c)
            }, named: "keyhints")
        let help = HelpOverlay(sections: [.init("Keys", [("q", "quit"), ("?", "help")]), .init("Slider", [("← →", "coarse step")])])
        assertSnapshot(sweep("help") { b, a, c in help.render(into: &b, area: a, context: c) }, named: "help")
        var p = PromptState(title: "Threshold", label: "|w| <", text: "0.05")
        _ = p.handle(.end)
        _ = p.handle(.char("x"))
        p.error = "\"0.05x\" is not a number"
        assertSnapshot(sweep("prompt") { b, a, c in Prompt(state: p).render(into: &b, area: a, context: c) }, named: "prompt")
        var toasts = Toasts()
        toasts.post("saved model.safetensors", now: 0)
        toasts.post("disk almost full", level: .warning, now: 0)
        assertSnapshot(sweep("toasts") { b, a, c in toasts.render(into: &b, area: a, context: c) }, named: "toasts")
        assertSnapshot(
            sweep("small") { b, _, c in TooSmallScreen.render(into: &b, need: Size(width: 60, height: 20), context: c) }, named: "too-small"
        )
    }

    @Test func blocksShowFocusWithoutColour() {
        let buf = draw(Size(width: 40, height: 4), context: monoContext) { b, a, c in
            let halves = Layout.split(a, .horizontal, [.fill(1), .fill(1)])
            Block(title: "Layers", focused: true).render(into: &b, area: halves[0], context: c)
            Block(title: "Chart", rightTitle: "[log]").render(into: &b, area: halves[1], context: c)
        }
        assertSnapshot(buf.styledText, named: "blocks-focus-mono")
        let ascii = draw(Size(width: 40, height: 4), context: asciiContext) { b, a, c in
            let halves = Layout.split(a, .horizontal, [.fill(1), .fill(1)])
            Block(title: "Layers", focused: true).render(into: &b, area: halves[0], context: c)
            Block(title: "Chart").render(into: &b, area: halves[1], context: c)
        }
        assertSnapshot(ascii.text, named: "blocks-focus-ascii")
    }
}
