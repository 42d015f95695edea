import Foundation
import PruneKit
import ScreenSnapshots
import Testing

@testable import PruneApps
@testable import PruneTUI

/// Each lesson's first screen, the list and the glossary, as text snapshots.
@Suite struct LessonScreenTests {
    typealias H = ExplorerHarness

    static let numbers = Array(1...11)

    @Test(arguments: numbers)
    func firstScreenOfEachLesson(number: Int) throws {
        let lessons = try LessonCatalog.builtIn()
        let lesson = lessons[number - 1]
        for size in H.sizes {
            let (term, runner) = try H(lesson.model).run(size, [.interrupt]) { app in
                app.attachLessons(LessonState(lessons: lessons), start: number - 1)
            }
            #expect(runner.app.model.lessons.active == number - 1)
            let text = term.text
            #expect(text.contains("Lesson \(number) of \(lessons.count)"))
            #expect(text.contains("Why"))
            assertSnapshot(text, named: String(format: "lesson-%02d-%dx%d", number, size.width, size.height))
        }
    }

    @Test func theListAndTheTaskStrip() throws {
        let lessons = LessonState(lessons: try LessonCatalog.builtIn())
        let (list, _) = try H().run(Size(width: 80, height: 24), [.interrupt]) { app in app.attachLessons(lessons, showList: true) }
        #expect(list.text.contains("[ ]  1. Reading a weight histogram and a threshold"))
        #expect(list.text.contains("Glossary: what every figure on screen means"))
        assertSnapshot(list.text, named: "lesson-list-80x24")
        // Started, then closed: the current task sits over the bottom line.
        let (strip, _) = try H().run(Size(width: 80, height: 24), [.key(.enter), .key(.escape), .interrupt]) { app in
            app.attachLessons(lessons, showList: true)
        }
        #expect(strip.text.contains("Lesson 1 · task 1/3: Press → until fc1 is at least 50 %"))
        assertSnapshot(strip.text, named: "lesson-strip-80x24")
        // i brings the lesson back; l the list; Esc closes.
        let (again, runner) = try H().run(
            Size(width: 80, height: 24), [.key(.enter), .key(.escape), .key(.char("i")), .key(.char("l")), .interrupt]
        ) { app in app.attachLessons(lessons, showList: true) }
        #expect(runner.app.model.lessons.overlay == .list(row: 0))
        #expect(again.text.contains("Lessons"))
    }

    @Test(arguments: H.sizes)
    func glossaryExplainsEveryFigure(size: Size) throws {
        let (term, runner) = try H().run(size, H.typed("90%") + [.key(.enter)] + H.idle + [.key(.char("G")), .interrupt])
        let m = runner.app.model
        #expect(m.lessons.overlay == .glossary(scroll: 0))
        let all = m.glossary().flatMap(\.paragraphs).joined(separator: "\n")
        // The figures with this step's numbers: lenet's dense pass is 266,200 MACs; fc1 at 90 % leaves 54.5k.
        #expect(all.contains("266k MACs = 532k FLOPs with every weight dense, and 54.5k MACs = 109k FLOPs counting only nonzero"))
        #expect(all.contains("one MAC = 2 FLOPs"))
        #expect(all.contains("csr (compressed sparse rows"))
        #expect(all.contains("Markers on the chart"))
        #expect(all.contains("The start line is flat at step 0's accuracy"))
        #expect(term.text.contains("What the figures mean"))
        assertSnapshot(term.text, named: "glossary-\(size.width)x\(size.height)")
    }
}
