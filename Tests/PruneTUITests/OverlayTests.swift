import Foundation
import ScreenSnapshots
import Testing

@testable import PruneTUI

/// Boxes drawn over the screen: dialogs sized to their titles and footers,
/// help that scrolls, a prompt whose prefilled value is selected, messages
/// that stay inside their area.
@Suite struct OverlayTests {
    static let screen = Size(width: 80, height: 24)

    /// A busy screen to draw overlays over: four bordered panes.
    static func panes(_ buffer: inout CellBuffer, _ context: DrawContext) -> [Rect] {
        let halves = Layout.split(buffer.bounds, .vertical, [.fill(1), .fill(1)])
        let quarters = halves.flatMap { Layout.split($0, .horizontal, [.fill(1), .fill(1)]) }
        for (i, q) in quarters.enumerated() {
            let inner = Block(title: "pane \(i)", rightTitle: "[log]").render(into: &buffer, area: q, context: context)
            for y in inner.y..<inner.maxY {
                buffer.write(String(repeating: "·", count: inner.width), x: inner.x, y: y, style: context.muted)
            }
        }
        return quarters
    }

    // MARK: Dialogs

    @Test func dialogsShowTheirTitlesKeysAndFootersWholeAt80x24() {
        let prompt = PromptState(title: "Export pruned model, masks, report", label: "directory", text: "exports/lenet-300-100")
        let confirm = ConfirmDialog(
            title: "Quit with unsaved changes to the history?",
            lines: [
                "3 changes to the history not saved or exported.",
                "y: quit   w: save session to sessions/lenet first   n / Esc: stay",
            ])
        let note = "criterion, granularity and scope change the preview; the rest apply to r and p"
        let options = Dialog(title: "Options", keys: "↑↓ select  ←→ change  Esc close", footer: note)
        var text: [String] = []
        for (name, body) in [
            ("prompt", { (b: inout CellBuffer, c: DrawContext) in Prompt(state: prompt).render(into: &b, area: b.bounds, context: c) }),
            ("confirm", { (b: inout CellBuffer, c: DrawContext) in confirm.render(into: &b, area: b.bounds, context: c) }),
            (
                "options",
                { (b: inout CellBuffer, c: DrawContext) in
                    let inner = options.render(into: &b, content: Size(width: 50, height: 4), area: b.bounds, context: c)
                    for (i, row) in ["criterion  magnitude", "granularity  2:4", "scope  layer", "slider  sparsity"].enumerated() {
                        b.write(row, x: inner.x + 1, y: inner.y + i, style: c.overlay)
                    }
                }
            ),
        ] as [(String, (inout CellBuffer, DrawContext) -> Void)] {
            let buffer = draw(Self.screen) { b, _, c in
                _ = Self.panes(&b, c); body(&b, c)
            }
            text.append("== \(name)\n" + buffer.text)
            #expect(!buffer.text.contains("…"), "\(name): nothing should be cut at 80x24")
        }
        let joined = text.joined(separator: "\n")
        #expect(joined.contains("Export pruned model, masks, report") && joined.contains("Enter ok  Esc cancel"))
        #expect(joined.contains("Quit with unsaved changes to the history?"))
        #expect(joined.contains("y: quit   w: save session to sessions/lenet first   n / Esc: stay"))
        #expect(joined.contains("↑↓ select  ←→ change  Esc close"))
        // The footer wraps rather than being cut: every word of it is there.
        let optionsText = text[2].replacingOccurrences(of: "┃", with: " ")
        for word in note.split(separator: " ") { #expect(optionsText.contains(word), "footer word \(word)") }
        assertSnapshot(joined, named: "dialogs-80x24")
    }

    @Test func dialogsCutWithAnEllipsisOnlyWhenTheScreenIsTooSmall() {
        let prompt = PromptState(title: "Export pruned model, masks, report", label: "directory", text: "exports")
        let small = draw(Size(width: 30, height: 8)) { b, a, c in Prompt(state: prompt).render(into: &b, area: a, context: c) }
        #expect(small.text.contains("…"))
        assertSnapshot(small.text, named: "prompt-30x8")
        let dialog = Dialog(title: "Options", keys: "Esc close", footer: "a note that will not fit in a small box at all")
        let box = dialog.box(content: Size(width: 20, height: 3), in: Rect(x: 0, y: 0, width: 80, height: 24))
        #expect(box.width == CellBuffer.columns(of: dialog.footer) + 4, "a footer that fits the screen is shown on one line")
    }

    @Test func blockFittingWidthShowsBothTitles() {
        for focused in [false, true] {
            let block = Block(title: "Export pruned model", rightTitle: "Enter ok  Esc cancel", focused: focused)
            let fits = draw(Size(width: block.fittingWidth, height: 3)) { b, a, c in block.render(into: &b, area: a, context: c) }
            #expect(fits.text.contains("Export pruned model") && fits.text.contains("Enter ok  Esc cancel"), "\(fits.text)")
            let tight = draw(Size(width: block.fittingWidth - 1, height: 3)) { b, a, c in block.render(into: &b, area: a, context: c) }
            #expect(!(tight.text.contains("Export pruned model") && tight.text.contains("Enter ok  Esc cancel")))
        }
    }

    // MARK: Help

    static let longHelp = HelpOverlay(
        title: "PruneScope help",
        sections: (0..<4).map { s in
            HelpOverlay.Section("Section \(s)", (0..<10).map { e in (key: "k\(s)\(e)", text: "does thing \(s * 10 + e)") })
        })

    /// At 80x24, 40 entries in 4 sections: ↓ and PgDn reach every entry, End
    /// shows the last, Home the first, and the scroll never leaves 0...max.
    @Test func helpScrollsToEveryEntryAt80x24() {
        let help = Self.longHelp
        let area = Rect(size: Self.screen)
        let visible = help.visibleLineCount(in: area)
        #expect(visible == 22, "the box takes the whole height")
        #expect(help.lineCount == 4 * 11 + 3)
        let hidden = help.lineCount - visible
        #expect(help.maxScroll(in: area) == help.lineCount - visible)
        let first = draw(Self.screen) { b, a, c in help.render(into: &b, area: a, context: c, state: HelpState()) }
        #expect(!first.text.contains("does thing 39"), "not everything fits: the test needs scrolling")
        #expect(first.text.contains("▼ \(hidden) more"))
        assertSnapshot(first.text, named: "help-40-entries-top")
        for keys in [[Key.down], [.pageDown], [.char("j")]] {
            var state = HelpState()
            var seen = Set<Int>()
            var steps = 0
            while steps < 100 {
                let buffer = draw(Self.screen) { b, a, c in help.render(into: &b, area: a, context: c, state: state) }
                for e in 0..<40 where buffer.text.contains("does thing \(e)\n") || buffer.text.contains("does thing \(e) ") {
                    seen.insert(e)
                }
                let before = state.scroll
                for k in keys {
                    let used = state.handle(k, help: help, area: area)
                    #expect(used)
                }
                #expect((0...help.maxScroll(in: area)).contains(state.scroll))
                if state.scroll == before { break }
                steps += 1
            }
            #expect(seen == Set(0..<40), "\(keys): unreachable \(Set(0..<40).subtracting(seen).sorted())")
        }
        var state = HelpState()
        let usedEnd = state.handle(.end, help: help, area: area)
        #expect(usedEnd)
        #expect(state.scroll == help.maxScroll(in: area))
        let usedX = state.handle(.char("x"), help: help, area: area)
        #expect(!usedX)
        let bottom = draw(Self.screen) { b, a, c in help.render(into: &b, area: a, context: c, state: state) }
        #expect(bottom.text.contains("does thing 39"))
        #expect(bottom.text.contains("▲ \(hidden) more"))
        assertSnapshot(bottom.text, named: "help-40-entries-end")
        _ = state.handle(.pageDown, help: help, area: area)
        #expect(state.scroll == help.maxScroll(in: area), "clamped at the end")
        _ = state.handle(.home, help: help, area: area)
        #expect(state.scroll == 0)
        _ = state.handle(.up, help: help, area: area)
        #expect(state.scroll == 0, "clamped at the top")
        let usedWheel = state.handle(MouseEvent(.wheelDown, x: 0, y: 0), help: help, area: area)
        #expect(usedWheel)
        #expect(state.scroll == 3)
    }

    @Test func shortHelpDoesNotScroll() {
        let help = HelpOverlay(sections: [.init("Keys", [("q", "quit"), ("?", "help")])])
        let area = Rect(size: Self.screen)
        #expect(help.maxScroll(in: area) == 0)
        var state = HelpState()
        _ = state.handle(.end, help: help, area: area)
        #expect(state.scroll == 0)
        let buffer = draw(Self.screen) { b, a, c in help.render(into: &b, area: a, context: c, state: state) }
        #expect(!buffer.text.contains("more") && !buffer.text.contains("scroll"))
    }

    // MARK: Prompt

    @Test func prefilledValueStartsSelectedAndTypingReplacesIt() {
        func fresh() -> PromptState { PromptState(title: "Prune fc1", label: "threshold or sparsity", text: "0.00000") }
        var p = fresh()
        #expect(p.isTextSelected)
        for c in "90%" { _ = p.handle(.char(c)) }
        #expect(p.text == "90%")
        #expect(p.handle(.enter) == .submitted("90%"))
        for key in [Key.backspace, .delete] {
            p = fresh()
            _ = p.handle(key)
            #expect(p.text.isEmpty && p.cursor == 0 && !p.isTextSelected)
        }
        for (key, cursor) in [(Key.left, 6), (.right, 7), (.home, 0), (.end, 7)] {
            p = fresh()
            _ = p.handle(key)
            #expect(p.text == "0.00000" && p.cursor == cursor && !p.isTextSelected, "\(key)")
        }
        p = fresh()
        _ = p.handle(.home)
        _ = p.handle(.char("1"))
        #expect(p.text == "10.00000")
        #expect(PromptState(title: "t", label: "l", text: "").isTextSelected == false)
        #expect(PromptState(title: "t", label: "l", text: "x", selectingText: false).isTextSelected == false)
    }

    @Test func selectionShowsInReverseVideo() {
        let selected = PromptState(title: "Threshold", label: "|w| <", text: "0.0500")
        var moved = selected
        _ = moved.handle(.left)
        let mono = DrawContext(theme: .builtinDefault, glyphs: .unicode, capability: .monochrome)
        let a = draw(Size(width: 50, height: 7), context: mono) { b, r, c in Prompt(state: selected).render(into: &b, area: r, context: c) }
        let b = draw(Size(width: 50, height: 7), context: mono) { b, r, c in Prompt(state: moved).render(into: &b, area: r, context: c) }
        #expect(a.text == b.text)
        assertSnapshot(a.styledText + "\n=== after ←\n" + b.styledText, named: "prompt-selection-mono")
        let reversed = (0..<a.width).filter { a[$0, 3].style.attributes.contains(.reverse) }
        #expect(reversed.count == 6, "the six characters of 0.0500 are reversed")
        #expect((0..<b.width).filter { b[$0, 3].style.attributes.contains(.reverse) }.count == 1, "after ← only the cursor")
    }

    // MARK: Toasts

    static func toasts() -> Toasts {
        var toasts = Toasts()
        toasts.post("saved model.safetensors", now: 0)
        toasts.post("export needs the model's spec and data, and this checkpoint came without either of them", level: .error, now: 0)
        return toasts
    }

    /// Inside a block's inner area: the border and the title are untouched,
    /// the long message wraps and ends in an ellipsis when cut.
    @Test func toastsStayInsideTheirArea() {
        let toasts = Self.toasts()
        var inner = Rect.zero
        let bare = draw(Size(width: 40, height: 8)) { b, a, c in
            inner = Block(title: "loss / accuracy", rightTitle: "live").render(into: &b, area: a, context: c)
        }
        let withToasts = draw(Size(width: 40, height: 8)) { b, a, c in
            let i = Block(title: "loss / accuracy", rightTitle: "live").render(into: &b, area: a, context: c)
            toasts.render(into: &b, inside: i, context: c)
        }
        for y in 0..<bare.height {
            for x in 0..<bare.width where !inner.contains(Point(x: x, y: y)) {
                #expect(withToasts[x, y] == bare[x, y], "border cell (\(x),\(y)) drawn over")
            }
        }
        #expect(withToasts.text.contains("without either of them"), "the long message wraps onto three lines")
        let narrow = draw(Size(width: 40, height: 8)) { b, a, c in
            let i = Block(title: "loss / accuracy").render(into: &b, area: a, context: c)
            toasts.render(into: &b, inside: i, context: c, maxWidth: 24, maxLines: 2)
        }
        #expect(narrow.text.contains("…"), "a message too long for two lines ends in an ellipsis")
        assertSnapshot(withToasts.text + "\n=== maxWidth 24, maxLines 2\n" + narrow.text, named: "toasts-inside-block")
        // Only the newest fits in a 2-row area: the older one is left out whole.
        let twoRows = draw(Size(width: 40, height: 2)) { b, a, c in toasts.render(into: &b, inside: a, context: c, maxLines: 2) }
        #expect(!twoRows.text.contains("saved"))
        #expect(twoRows.text.contains("x export needs"))
    }

    @Test func toastLineLeavesTheRestOfTheRowToHints() {
        let toasts = Self.toasts()
        var rest = Rect.zero
        let buffer = draw(Size(width: 80, height: 1)) { b, a, c in
            rest = toasts.renderLine(into: &b, row: a, context: c, maxWidth: 48)
            KeyHintBar([("?", "help"), ("q", "quit"), ("←→", "threshold"), ("Enter", "apply")]).render(into: &b, area: rest, context: c)
        }
        #expect(rest.width == 32)
        #expect(buffer.text.hasPrefix(" ? help  q quit  ←→ threshold"))
        #expect(buffer.text.hasSuffix("x export needs the model's spec and data, and…"))
        var scratch = CellBuffer(size: Size(width: 80, height: 1))
        let none = Toasts().renderLine(into: &scratch, row: scratch.bounds, context: DrawContext())
        #expect(none.width == 80, "no message: the whole row is left")
    }
}
