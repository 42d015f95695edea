import Foundation
import ScreenSnapshots
import Testing

@testable import PruneTUI

@Suite struct LayoutTests {
    @Test func splitServesFixedPercentageThenFill() {
        let r = Layout.split(Rect(x: 0, y: 0, width: 100, height: 10), .horizontal, [.fixed(10), .percentage(20), .fill(1), .fill(3)])
        #expect(r.map(\.width) == [10, 20, 18, 52])
        #expect(r.map(\.x) == [0, 10, 30, 48])
    }

    @Test(arguments: [0, 1, 2, 3, 5, 10, 37, 200])
    func splitNeverOverflows(total: Int) {
        let r = Layout.split(
            Rect(x: 3, y: 0, width: total, height: 1), .horizontal, [.min(5), .fixed(7), .fill(2), .percentage(30)], spacing: 1)
        let used = r.map(\.width).reduce(0, +)
        #expect(used <= max(0, total - 3))
        #expect(r.allSatisfy { $0.width >= 0 })
        if total >= 40 { #expect(r[0].width >= 5 && r[1].width == 7) }
    }

    @Test func verticalSplitAndMinGrows() {
        let r = Layout.split(Rect(x: 0, y: 0, width: 5, height: 20), .vertical, [.fixed(1), .min(3), .fixed(1)])
        #expect(r.map(\.height) == [1, 18, 1])
        #expect(r.map(\.y) == [0, 1, 19])
    }

    @Test func focusRingCyclesBothWays() {
        var f = FocusRing(count: 3)
        do { let ok = f.handle(.tab); #expect(ok && f.index == 1) }
        do { let ok = f.handle(.backTab); #expect(ok && f.index == 0) }
        do { let ok = f.handle(.backTab); #expect(ok && f.index == 2) }
        do { let ok = f.handle(.char("x")); #expect(!ok) }
    }
}

@Suite struct CellBufferTests {
    @Test func writeClipsAndHandlesWideCharacters() {
        var b = CellBuffer(size: Size(width: 6, height: 2))
        let n = b.write("a漢bcdef", x: 0, y: 0, style: .plain)
        #expect(n == 6)
        #expect(b.text == "a漢bcd\n")
        #expect(b[2, 0].isContinuation)
        b.write("xyz", x: -1, y: 1, style: .plain)
        #expect(b.text.split(separator: "\n").last == "yz")
    }

    @Test func diffCountsOnlyChangedCells() {
        var a = CellBuffer(size: Size(width: 10, height: 3))
        a.write("hello", x: 0, y: 0, style: .plain)
        var b = a
        b.write("J", x: 0, y: 0, style: .plain)
        b.setStyle(9, 2, Style(attributes: [.bold]))
        #expect(b.changedCellCount(since: a) == 2)
        var screen = CellBuffer(size: a.size)
        #expect(screen.apply(a, diffingAgainst: nil) == 30)
        #expect(screen.apply(b, diffingAgainst: a) == 2)
        #expect(screen == b)
        #expect(b.changedCellCount(since: CellBuffer(size: Size(width: 1, height: 1))) == 30)
    }

    @Test func styledTextNamesEachStyle() {
        var b = CellBuffer(size: Size(width: 4, height: 1))
        b.write("ab", x: 0, y: 0, style: Style(fg: Color(r: 255, g: 0, b: 0), attributes: [.bold]))
        #expect(b.styledText == "ab\n--- styles\naa\n--- legend\na fg=#FF0000 bg=default bold")
    }
}

@Suite struct ColorTests {
    @Test func paletteReduction() {
        #expect(ColorCapability.xterm256Index(Color(r: 255, g: 0, b: 0)) == 196)
        #expect(ColorCapability.xterm256Index(Color(r: 128, g: 128, b: 128)) == 244)
        #expect(ColorCapability.xterm256Index(Color(r: 0, g: 0, b: 0)) == 16)
        #expect(ColorCapability.ansi16Index(Color(r: 250, g: 250, b: 250)) == 15)
        #expect(ColorCapability.ansi16Index(Color(r: 200, g: 0, b: 0)) == 1)
        #expect(ColorCapability.monochrome.reduce(Color(r: 1, g: 2, b: 3)).isDefault)
        #expect(ColorCapability.truecolor.reduce(Color(r: 1, g: 2, b: 3)) == Color(r: 1, g: 2, b: 3))
    }

    @Test func detectionHonoursNoColor() {
        #expect(ColorCapability.detect(colors: 256, environment: ["NO_COLOR": "1"], directColor: false) == .monochrome)
        #expect(ColorCapability.detect(colors: 256, environment: ["NO_COLOR": ""], directColor: false) == .palette256)
        #expect(ColorCapability.detect(colors: 0x100_0000, environment: [:], directColor: true) == .truecolor)
        #expect(ColorCapability.detect(colors: 8, environment: [:], directColor: false) == .ansi16)
        #expect(ColorCapability.detect(colors: 0, environment: [:], directColor: false) == .monochrome)
    }

    @Test func monochromeThemeTurnsContextMonochrome() {
        let c = DrawContext(theme: .builtinMonochrome, capability: .truecolor)
        #expect(c.capability == .monochrome)
        #expect(c.selection.attributes.contains(.reverse))
        #expect(DrawContext().selection.attributes.contains(.bold))
    }

    @Test func divergingMapEnds() {
        let c = DrawContext()
        #expect(c.diverging(-1) == c.color(.heatNegative))
        #expect(c.diverging(0) == c.color(.heatZero))
        #expect(c.diverging(1) == c.color(.heatPositive))
        #expect(c.sequential(0) == c.color(.sequential0))
        #expect(c.sequential(1) == c.color(.sequential4))
    }
}

@Suite struct ThemeTests {
    static var themesDir: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Themes").path
    }

    @Test func shippedThemesParseAndDiffer() throws {
        let names = Theme.available(searching: [ThemeTests.themesDir])
        for n in ["default", "light", "high-contrast", "colorblind", "monochrome"] { #expect(names.contains(n)) }
        var seen: [Theme] = []
        for n in ["default", "light", "high-contrast", "colorblind", "monochrome"] {
            let t = try Theme.named(n, searching: [ThemeTests.themesDir])
            #expect(!seen.contains(t), "theme \(n) duplicates another")
            seen.append(t)
        }
        #expect(try Theme.named("default", searching: [ThemeTests.themesDir]) == Theme.builtinDefault)
        #expect(try Theme.named("monochrome", searching: [ThemeTests.themesDir]).isMonochrome)
    }

    @Test func everyShippedThemeSetsEveryKey() throws {
        for f in try FileManager.default.contentsOfDirectory(atPath: ThemeTests.themesDir) where f.hasSuffix(".theme") {
            let text = try String(contentsOfFile: ThemeTests.themesDir + "/" + f, encoding: .utf8)
            for k in ThemeKey.allCases { #expect(text.contains("theme[\(k.name)]="), "\(f) lacks \(k.name)") }
        }
    }

    @Test func errorsNameFileAndLine() {
        #expect(throws: ThemeError.badColor(path: "x.theme", line: 2, value: "#12")) {
            try Theme.parse("# c\ntheme[main_fg]=\"#12\"", name: "x", path: "x.theme")
        }
        #expect(throws: ThemeError.unknownKey(path: "x.theme", line: 1, key: "nope")) {
            try Theme.parse("theme[nope]=\"#123456\"", name: "x", path: "x.theme")
        }
        #expect(
            ThemeError.badLine(path: "a.theme", line: 3, text: "oops").description
                == "a.theme:3: expected theme[key]=\"#RRGGBB\", found \"oops\"")
        #expect(throws: ThemeError.self) { try Theme.named("no-such-theme", searching: ["/nonexistent"]) }
    }

    @Test func userDirectoryComesBeforeShippedOnes() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ps-theme-\(UUID().uuidString)")
        let themes = dir.appendingPathComponent("prunescope/themes")
        try FileManager.default.createDirectory(at: themes, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "theme[hist_bar]=\"#010203\"\n".write(to: themes.appendingPathComponent("default.theme"), atomically: true, encoding: .utf8)
        let dirs = Theme.searchDirectories(environment: ["XDG_CONFIG_HOME": dir.path], executable: "/nonexistent/bin/x")
        #expect(dirs.first == themes.path)
        let t = try Theme.named("default", searching: dirs)
        #expect(t[.histogramBar] == Color(r: 1, g: 2, b: 3))
        #expect(t[.foreground] == Theme.builtinDefault[.foreground])
    }

    @Test func fileTextRoundTrips() throws {
        let t = try Theme.parse(Theme.builtinDefault.fileText, name: "default", path: "mem")
        #expect(t == Theme.builtinDefault)
    }
}

@Suite struct InteractionTests {
    @Test func sliderKeysAndDrag() {
        var s = SliderState(value: 0.5, range: 0...1, coarseStep: 0.1, fineStep: 0.01)
        do { let ok = s.handle(.right); #expect(ok && abs(s.value - 0.6) < 1e-9) }
        do { let ok = s.handle(.shiftLeft); #expect(ok && abs(s.value - 0.59) < 1e-9) }
        do { let ok = s.handle(.end); #expect(ok && s.value == 1) }
        do { let ok = s.handle(.right); #expect(!ok) }
        let track = Rect(x: 10, y: 3, width: 11, height: 1)
        do { let ok = s.handle(MouseEvent(.press, x: 10, y: 3), track: track); #expect(ok && s.value == 0) }
        #expect(s.dragging)
        do { let ok = s.handle(MouseEvent(.drag, x: 15, y: 9), track: track); #expect(ok && abs(s.value - 0.5) < 1e-9) }
        do { let ok = s.handle(MouseEvent(.release, x: 30, y: 9), track: track); #expect(ok && s.value == 1) }
        #expect(!s.dragging)
        do { let ok = s.handle(MouseEvent(.drag, x: 12, y: 3), track: track); #expect(!ok) }
        do { let ok = s.handle(MouseEvent(.press, x: 0, y: 0), track: track); #expect(!ok) }
    }

    @Test func sliderLayoutMatchesRendering() {
        let area = Rect(x: 0, y: 0, width: 40, height: 1)
        let parts = Slider.layout(area: area, label: "thr", readout: "0.5")
        var b = CellBuffer(size: area.size)
        Slider(label: "thr", state: SliderState(value: 0, range: 0...1, coarseStep: 0.1, fineStep: 0.01), readout: "0.5")
            .render(into: &b, area: area, context: DrawContext())
        #expect(b[parts.track.x, 0].char == "●")
        #expect(b[parts.track.x - 1, 0].char == "[")
        #expect(b[parts.track.maxX, 0].char == "]")
    }

    @Test func tableKeysAndClicks() {
        var t = TableState()
        do { let ok = t.handle(.end, rowCount: 10, pageSize: 3); #expect(ok && t.selected == 9) }
        do { let ok = t.handle(.pageUp, rowCount: 10, pageSize: 3); #expect(ok && t.selected == 6) }
        do { let ok = t.handle(.char("x"), rowCount: 10, pageSize: 3); #expect(!ok) }
        t.scrollToSelection(visible: 4, rowCount: 10)
        #expect(t.offset == 3)
        let area = Rect(x: 0, y: 0, width: 20, height: 5)
        do { let ok = t.handle(MouseEvent(.press, x: 2, y: 1), area: area, rowCount: 10); #expect(ok && t.selected == 3) }
        do { let ok = t.handle(MouseEvent(.wheelDown, button: 0, x: 2, y: 1), area: area, rowCount: 10); #expect(ok && t.selected == 4) }
    }

    @Test func promptEditing() {
        var p = PromptState(title: "T", label: "v", text: "12")
        _ = p.handle(.left); _ = p.handle(.char("x")); _ = p.handle(.end); _ = p.handle(.backspace)
        #expect(p.text == "1x")
        do { let ok = p.handle(.enter); #expect(ok == .submitted("1x")) }
        do { let ok = p.handle(.escape); #expect(ok == .cancelled) }
        _ = p.handle(.ctrl("u"))
        #expect(p.text.isEmpty && p.cursor == 0)
    }

    @Test func histogramPrunedRegionSemantics() {
        let h = Histogram(counts: [1, 1], range: -1...1, thresholds: [0.2, -0.2], shading: .inside)
        #expect(h.isPruned(0) && h.isPruned(-0.1) && !h.isPruned(0.5) && !h.isPruned(-0.3))
        let o = Histogram(counts: [1, 1], range: -1...1, thresholds: [-0.2, 0.2], shading: .outside)
        #expect(!o.isPruned(0) && o.isPruned(0.5))
        let single = Histogram(counts: [1], range: 0...1, thresholds: [0.3], shading: .inside)
        #expect(single.isPruned(0.1) && !single.isPruned(0.4))
        let b = Histogram.bin([-1, 0, 0.5, 1, .nan], bins: 4, range: -1...1)
        #expect(b.counts == [1, 0, 1, 2])
        #expect(Histogram(counts: [4, 0], range: 0...1).columnCounts(4) == [2, 2, 0, 0])
    }

    @Test func heatmapAggregation() {
        // 2x4 matrix into 1x2 pixels: left block max |w| = -0.9, right block all pruned.
        let h = Heatmap(values: [0.1, -0.9, 0, 0, 0.2, 0.3, 0, 0], rows: 2, columns: 4, scale: 0.9)
        let px = h.pixels(width: 2, height: 1)
        #expect(abs((px[0] ?? 0) + 1) < 1e-6)
        #expect(px[1] == nil)
        let f = Heatmap(values: [0.1, -0.9, 0, 0, 0.2, 0, 0, 0.4], rows: 2, columns: 4, aggregation: .fractionPruned)
        #expect(f.pixels(width: 2, height: 1) == [0.25, 0.75])
    }

    @Test func lineChartTicksAreRound() {
        #expect(LineChart.ticks(0, 2.5, count: 4) == [0, 1, 2])
        #expect(LineChart.ticks(0, 100, count: 6) == [0, 20, 40, 60, 80, 100])
    }
}
