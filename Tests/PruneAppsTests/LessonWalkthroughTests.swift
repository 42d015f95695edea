import Foundation
import PruneKit
import Testing

@testable import PruneApps
@testable import PruneTUI

/// Each lesson but the third (a whole schedule's budget; LearnEndToEndTests
/// takes it under tmux, with lesson 1), taken with exactly the keys its tasks
/// name (after Esc closes the panel) in the in-memory explorer on its model:
/// every goal is reachable, the lesson ends done, and what to notice has
/// every figure filled in.
@Suite struct LessonWalkthroughTests {
    typealias H = ExplorerHarness

    struct Walk: CustomTestStringConvertible, Sendable {
        var lesson: Int
        var keys: [TerminalEvent?]
        var measures = false
        var model = "lenet-300-100"
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
        Walk(lesson: 10, keys: [k("5")] + idle + [k("1"), k("g")] + H.typed("90%") + apply + [k("5")] + idle + [k("r")] + idle + [k("5")] + idle),
        Walk(
            lesson: 11,
            keys: [k("6")] + idle + [k("g")] + H.keys(.right, 85) + idle + apply + [k("o")] + H.keys(.down, 6) + H.keys(.right, 29)
                + [.key(.down)] + H.keys(.right, 3) + [.key(.escape), k("r")] + idle + [k("6")] + idle,
            model: "spirals-mlp"),
    ]

    @Test(arguments: walks)
    func theTasksCanBeDoneWithTheKeysTheyName(_ walk: Walk) throws {
        let lessons = try LessonCatalog.builtIn()
        let (term, runner) = try H(walk.model).run(
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
        // What the figures must show for the lesson's story to hold.
        let t = entry.byTask
        switch walk.lesson {
        case 10:
            #expect((t[3]?["fgsm"] ?? 0) > (t[1]?["fgsm"] ?? 1), "FGSM accuracy rose at 90 %, as the lesson quotes:\n\(text)")
            #expect(abs((t[1]?["auc"] ?? 0) - 0.5) < 0.05, "the dense model barely leaks:\n\(text)")
        case 11:
            let pruned = t[3]?["accuracy"] ?? 1, healed = t[5]?["accuracy"] ?? 0
            #expect(pruned < 0.8 && healed > pruned + 0.15, "pruning frays, retraining heals:\n\(text)")
        default: break
        }
    }
}
