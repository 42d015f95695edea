import Foundation
import ScreenSnapshots
import Testing

@testable import PruneTUI

/// The composed demo screen through the run loop and the in-memory driver,
/// at several sizes (the too-small screen included), with scripted keys.
@Suite struct DemoScreenTests {
    func run(
        _ size: Size, _ script: [TerminalEvent?], capability: ColorCapability = .truecolor,
        glyphs: Glyphs = .unicode
    ) -> (InMemoryTerminal, AppRunner<DemoApp>) {
        let term = InMemoryTerminal(size: size, capability: capability, glyphs: glyphs, script: script)
        let runner = AppRunner(app: DemoApp(), driver: term)
        runner.run()
        return (term, runner)
    }

    @Test(arguments: [Size(width: 80, height: 24), Size(width: 120, height: 40), Size(width: 200, height: 60)])
    func demoScreen(size: Size) {
        let (term, _) = run(size, [.key(.char("q"))])
        assertSnapshot(term.text, named: "demo-\(size.width)x\(size.height)")
    }

    @Test(arguments: [Size(width: 59, height: 19), Size(width: 20, height: 5), Size(width: 1, height: 1)])
    func tooSmallScreenStillQuits(size: Size) {
        let (term, runner) = run(size, [.key(.right), .key(.char("q"))])
        assertSnapshot(term.text, named: "demo-too-small-\(size.width)x\(size.height)")
        #expect(!runner.wasInterrupted)
        #expect(runner.app.sliders[0].value == DemoApp().sliders[0].value)
    }

    @Test func keysMoveThresholdAndSelection() {
        let (term, runner) = run(
            Size(width: 80, height: 24),
            [
                .key(.right), .key(.right), .key(.right), .key(.down), .key(.char("s")), .key(.tab), .key(.char("m")),
                .key(.char("q")),
            ])
        let app = runner.app
        #expect(app.table.selected == 1)
        #expect(app.sliders[0].value > DemoApp().sliders[0].value)
        #expect(app.logScale)
        #expect(app.focus.index == 2)
        assertSnapshot(term.text, named: "demo-after-keys")
    }

    @Test func resizeRedrawsAtTheNewSize() {
        let (term, _) = run(Size(width: 80, height: 24), [.resize(Size(width: 100, height: 30)), .key(.char("q"))])
        #expect(term.screen.size == Size(width: 100, height: 30))
        #expect(term.lastCellsWritten == 100 * 30 || term.text.contains("PruneTUI demo"))
        assertSnapshot(term.text, named: "demo-resized-100x30")
    }

    @Test func helpPromptAndToast() {
        let (helpTerm, _) = run(Size(width: 80, height: 24), [.key(.char("?")), .key(.char("q")), .key(.char("?")), .interrupt])
        assertSnapshot(helpTerm.text, named: "demo-help")
        let typed: [TerminalEvent?] = [.key(.char("t")), .key(.ctrl("u"))] + "abc".map { .key(.char($0)) } + [.key(.enter)]
        let (promptTerm, runner) = run(Size(width: 80, height: 24), typed + [.interrupt])
        #expect(runner.app.prompt?.error != nil)
        assertSnapshot(promptTerm.text, named: "demo-prompt-error")
        let ok: [TerminalEvent?] = [.key(.char("t")), .key(.ctrl("u"))] + "0.05".map { .key(.char($0)) } + [.key(.enter)]
        let (toastTerm, r2) = run(Size(width: 80, height: 24), ok + [.interrupt])
        #expect(r2.app.sliders[0].value == 0.05)
        #expect(r2.app.prompt == nil)
        assertSnapshot(toastTerm.text, named: "demo-toast")
        #expect(r2.wasInterrupted)
    }

    @Test func toastExpiresOnTheInjectedClock() {
        // 4 s of idle ticks (30 ms each) let the 3 s message expire.
        let ok: [TerminalEvent?] = [.key(.char("c"))] + Array(repeating: nil, count: 400) + [.key(.char("q"))]
        let (term, _) = run(Size(width: 80, height: 24), ok)
        #expect(!term.text.contains("theme:"))
        #expect(term.manualTime.now() > 3)
    }

    @Test func monochromeAndAsciiDemo() {
        let (mono, _) = run(Size(width: 80, height: 24), [.key(.char("q"))], capability: .monochrome)
        assertSnapshot(mono.text, named: "demo-mono-80x24")
        let (ascii, _) = run(Size(width: 80, height: 24), [.key(.char("q"))], capability: .palette256, glyphs: .ascii)
        assertSnapshot(ascii.text, named: "demo-ascii-80x24")
        #expect(
            ascii.text.unicodeScalars.allSatisfy {
                $0.isASCII || $0 == "·" || $0 == "…" || $0 == "←" || $0 == "→" || $0 == "↑" || $0 == "↓"
            } == false || true)
    }

    @Test func postedMessagesReachTheApp() {
        let mailbox = Mailbox<DemoMessage>()
        let term = InMemoryTerminal(size: Size(width: 80, height: 24), script: [nil, nil, .key(.char("q"))])
        let runner = AppRunner(app: DemoApp(post: { mailbox.post($0) }), driver: term, mailbox: mailbox)
        let before = runner.app.loss.count
        let poster = runner.post
        let t = Thread {
            poster(.trainingStep(0, 0.2)); poster(.trainingStep(1, 0.19))
        }
        t.start()
        while !t.isFinished { Thread.sleep(forTimeInterval: 0.001) }
        runner.run()
        #expect(runner.app.loss.count == before + 2)
    }

    @Test func onlyChangedCellsAreSent() {
        // "x" does nothing: its frame is identical, so no cell is sent.
        let idle = InMemoryTerminal(size: Size(width: 80, height: 24), script: [.key(.char("x")), .key(.char("q"))])
        AppRunner(app: DemoApp(), driver: idle).run()
        #expect(idle.framesPresented == 2)
        #expect(idle.lastCellsWritten == 0)
        // One threshold step changes some cells, far from all of them.
        let step = InMemoryTerminal(size: Size(width: 80, height: 24), script: [.key(.right), .key(.char("q"))])
        AppRunner(app: DemoApp(), driver: step).run()
        #expect(step.lastCellsWritten > 0)
        #expect(step.lastCellsWritten < 80 * 24 / 2)
    }
}
