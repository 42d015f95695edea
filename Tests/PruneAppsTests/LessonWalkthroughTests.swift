import Foundation
import PruneKit
import Testing

@testable import PruneApps
@testable import PruneTUI

/// Each lenet lesson this branch can run, taken with exactly the keys its
/// tasks name (after Esc closes the panel), in the in-memory explorer: every goal is reachable, the
/// lesson ends done, and what to notice has every figure filled in.
/// (Lessons 10 and 11 need screens 5 and 6, which come from other branches;
/// lessons 1 and 3 are also taken under tmux in LearnEndToEndTests.)
@Suite struct LessonWalkthroughTests {
    typealias H = ExplorerHarness

    struct Walk: CustomTestStringConvertible, Sendable {
        var lesson: Int
        var keys: [TerminalEvent?]
        var measures = false
        var testDescription: String { "lesson \(lesson)" }
    }

    static func k(_ c: Character) -> TerminalEvent? { .key(.char(c)) }
    static let idle = H.idle
    static let apply: [TerminalEvent?] = [.key(.enter)] + H.idle

    static let walks: [Walk] = [
        Walk(lesson: 1, keys: H.keys(.right, 50) + H.keys(.right, 40) + apply),
        Walk(lesson: 2, keys: [k("g")] + H.typed("95%") + apply + [k("r")] + idle),
        Walk(lesson: 4, keys: [k("g")] + H.typed("90%") + apply + [k("x")]),
        Walk(
            lesson: 5,
            keys: H.typed("90%") + apply + idle + [k("u")] + idle + [k("n"), k("n")] + H.typed("50%") + apply + idle + idle,
            measures: true),
        Walk(
            lesson: 6,
            keys: H.typed("95%") + apply + [k("u")] + idle + [k("c"), k("c")] + idle + H.typed("95%") + apply + [k("u")] + idle
                + [k("c")] + idle + H.typed("95%") + apply),
        Walk(
            lesson: 7,
            keys: [k("o")] + H.keys(.down, 8) + H.keys(.right, 3) + [.key(.escape), k("r")] + idle + [k("L")] + H.typed("90%")
                + apply),
        Walk(lesson: 8, keys: [k("n")] + apply + idle + idle, measures: true),
        Walk(
            lesson: 9,
            keys: [k("g")] + H.typed("90%") + [k("o")] + H.keys(.down, 4) + H.keys(.right, 2) + [.key(.escape), k("p")] + idle
                + [k("2"), .key(.home), .key(.down), .key(.down), .key(.enter)] + idle + [k("1")] + H.typed("90%") + [k("o")]
                + H.keys(.down, 4) + H.keys(.right, 2) + [.key(.escape), k("p")] + idle),
    ]

    @Test(arguments: walks)
    func theTasksCanBeDoneWithTheKeysTheyName(_ walk: Walk) throws {
        let lessons = try LessonCatalog.builtIn()
        let (term, runner) = try H().run(
            Size(width: 120, height: 40), [.key(.escape)] + walk.keys + H.idle + [.interrupt], measureInference: walk.measures
        ) { app in app.attachLessons(LessonState(lessons: lessons), start: walk.lesson - 1) }
        let m = runner.app.model
        let lesson = lessons[walk.lesson - 1]
        let entry = m.lessons.progress.entry(walk.lesson)
        #expect(entry.tasksDone == lesson.tasks.count, "stopped before task \(entry.tasksDone + 1):\n\(term.text)")
        #expect(entry.done)
        let notice = m.lessonPanelLines(width: 400).drop { $0.text != "What to notice" }.prefix { $0.text != "Takeaway" }
        let text = notice.map(\.text).joined(separator: "\n")
        #expect(!text.isEmpty && !text.contains("…"), "a figure is missing:\n\(text)")
    }
}
