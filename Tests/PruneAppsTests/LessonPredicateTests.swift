import Foundation
import PruneKit
import ScreenSnapshots
import Testing

@testable import PruneApps
@testable import PruneTUI

/// Lesson goals against explorer states built by real keys, and a lesson
/// taken from start to takeaway in the in-memory explorer.
@Suite struct LessonPredicateTests {
    typealias H = ExplorerHarness
    static let size = Size(width: 80, height: 24)

    static func p(_ text: String) throws -> LessonPredicate { try LessonPredicate.parse(text) }

    @Test func controlsAndSparsityPredicatesReadTheLiveState() throws {
        // fc1 previewed at 60 %: nothing applied yet.
        let (_, runner) = try H().run(Self.size, H.keys(.right, 60) + H.idle + [.interrupt])
        let m = runner.app.model
        func holds(_ text: String, _ events: [LessonEvent] = []) throws -> Bool { try Self.p(text).holds(in: m, since: events) }
        #expect(try holds("layerSparsityAtLeast(fc1, 0.6)"))
        #expect(try holds("layerSparsityAtLeast(fc1.weight, 0.6)"))
        #expect(try !holds("layerSparsityAtLeast(fc1, 0.61)"))
        #expect(try !holds("layerSparsityAtLeast(nolayer, 0)"))
        #expect(try !holds("appliedLayerSparsityAtLeast(fc1, 0.6)"))
        #expect(try holds("appliedLayerSparsityAtLeast(fc1, 0)"))
        // fc1 holds 235,200 of 266,200 prunable weights: 60 % of it is 53 % of all.
        #expect(try holds("sparsityAtLeast(0.53)") && !holds("sparsityAtLeast(0.54)"))
        #expect(try !holds("appliedSparsityAtLeast(0.01)"))
        #expect(try holds("scopeIs(layer)") && !holds("scopeIs(global)"))
        #expect(try holds("criterionIs(magnitude)") && !holds("criterionIs(taylor)"))
        #expect(try holds("granularityIs(unstructured)") && !holds("granularityIs(2:4)"))
        #expect(try holds("scheduleIs(iterative)") && !holds("scheduleIs(one-shot)"))
        #expect(try holds("onScreen(1)") && !holds("onScreen(5)") && !holds("onScreen(6)"))
        #expect(try holds("atStart") && holds("stepsAtLeast(0)") && !holds("stepsAtLeast(1)"))
        #expect(try !holds("explainOpen") && !holds("histogramLog") && !holds("speedMeasured"))
        #expect(try holds("l1AtLeast(0)") && !holds("l1AtLeast(0.0001)") && holds("rewindIs(0)"))
    }

    @Test func jobPredicatesCountTheEventsSinceTheTaskBegan() throws {
        let (_, runner) = try H().run(Self.size, [.interrupt])
        let m = runner.app.model
        func holds(_ text: String, _ events: [LessonEvent]) throws -> Bool { try Self.p(text).holds(in: m, since: events) }
        #expect(try !holds("applied", []) && holds("applied", [.applied]))
        #expect(try !holds("retrainedOnce", [.regularised]) && holds("retrainedOnce", [.applied, .retrained]))
        #expect(try !holds("retrainedAtLeast(3)", [.retrained, .retrained]))
        #expect(try holds("retrainedAtLeast(3)", [.retrained, .applied, .retrained, .retrained]))
        #expect(try holds("regularised", [.regularised]))
        #expect(try !holds("scheduleRan(iterative)", [.schedule(.oneShot)]) && holds("scheduleRan(one-shot)", [.schedule(.oneShot)]))
        #expect(try !holds("sensitivityRan", [.applied]) && holds("sensitivityRan", [.sensitivity]))
    }

    @Test func screenControlAndAppliedStatesAfterKeys() throws {
        // Global scope, 2:4 is refused there; explanation open; log counts; then 90 % applied and screen 2.
        let script: [TerminalEvent?] =
            [.key(.char("g")), .key(.char("x")), .key(.char("L"))] + H.typed("90%") + [.key(.enter)] + H.idle + [
                .key(.char("2")), .interrupt,
            ]
        let (_, runner) = try H().run(Self.size, script)
        let m = runner.app.model
        func holds(_ text: String) throws -> Bool { try Self.p(text).holds(in: m, since: []) }
        #expect(try holds("scopeIs(global)") && holds("explainOpen") && holds("histogramLog"))
        #expect(try holds("appliedSparsityAtLeast(0.9)") && !holds("appliedSparsityAtLeast(0.91)"))
        #expect(try holds("stepsAtLeast(1)") && !holds("atStart"))
        #expect(try holds("onScreen(2)") && !holds("onScreen(1)"))
        // fc1 goes sparsest under one global threshold.
        #expect(try holds("appliedLayerSparsityAtLeast(fc1, 0.9)") && !holds("appliedLayerSparsityAtLeast(fc3, 0.9)"))
    }

    static func lessons(_ dir: String? = nil) throws -> LessonState {
        LessonState(lessons: try LessonCatalog.builtIn(), progressPath: dir.map { $0 + "/prunescope/lessons.json" })
    }

    @Test func lessonOneFromItsListToItsTakeaway() throws {
        let script: [TerminalEvent?] =
            [.key(.enter), .key(.escape)] + H.keys(.right, 50) + H.idle + H.keys(.right, 40) + H.idle + [.key(.enter)] + H.idle
            + [.interrupt]
        let (term, runner) = try H().run(Self.size, script) { app in app.attachLessons(try! Self.lessons(), showList: true) }
        let m = runner.app.model
        let entry = m.lessons.progress.entry(1)
        #expect(entry.done && entry.tasksDone == 3)
        #expect(entry.byTask[2]?["fc1"].map { abs($0 - 0.9) < 1e-3 } == true)
        #expect(entry.byTask[3]?["accuracy"] != nil)
        // The panel opened at what to notice, with the learner's own figures in it.
        #expect(m.lessons.overlay != nil)
        let text = term.text
        #expect(text.contains("What to notice") && text.contains("Takeaway"))
        let panel = m.lessonPanelLines(width: 400).map(\.text).joined(separator: "\n")
        #expect(panel.contains("from 94.00% at the start to"))
        #expect(!panel.contains("…"), "every figure of lesson 1 is filled:\n\(panel)")
        assertSnapshot(text, named: "lesson-01-done-80x24")
    }

    @Test func aLessonOnAnotherModelSaysHowToOpenIt() throws {
        // Lesson 11 runs on spirals-mlp: from lenet the list says how to open it.
        let script: [TerminalEvent?] = H.keys(.down, 10) + [.key(.enter), .interrupt]
        let (term, runner) = try H().run(Size(width: 160, height: 48), script) { app in
            app.attachLessons(try! Self.lessons(), showList: true)
        }
        #expect(runner.app.model.lessons.active == nil)
        #expect(term.text.contains("lesson 11 is on spirals-mlp: quit and run prunescope learn 11"))
    }

    @Test func progressIsSavedThroughAnEffectAndReadBack() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("xdg-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script: [TerminalEvent?] = [.key(.enter), .key(.escape)] + H.keys(.right, 90) + H.idle + [.key(.enter)] + H.idle + [.interrupt]
        // The writer's threads are tested below; here InlineWorker writes at once.
        let (_, runner) = try H().run(Self.size, script) { app in
            app.attachLessons(try! Self.lessons(dir), showList: true)
        }
        let saved = try LessonProgressFile.load(path: dir + "/prunescope/lessons.json")
        #expect(saved == runner.app.model.lessons.progress)
        #expect(saved.entry(1).done)
        #expect(!saved.entry(2).done)
        let listed = LessonState(lessons: try LessonCatalog.builtIn(), progress: saved).listLines()
        #expect(listed.count == 11)
        #expect(listed[0].hasPrefix(" 1  Reading a weight histogram") && listed[0].hasSuffix("done"))
        #expect(listed[1].hasSuffix("not started"))
    }

    @Test func theWriterKeepsTheNewestVersionOnRealThreads() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("xdg-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/prunescope/lessons.json"
        let writer = LessonProgressWriter()
        let worker = ThreadWorker()
        // Versions 1...40 written from threads in any order: the file ends at 40's content.
        for version in (1...40).shuffled() {
            var p = LessonProgress()
            var e = LessonProgress.Entry()
            e.tasksDone = version
            p.set(1, e)
            let progress = p
            worker.run { writer.write(progress, path: path, version: version, post: { _ in }) }
        }
        #expect(worker.waitUntilIdle(timeout: 30))
        #expect(try LessonProgressFile.load(path: path).entry(1).tasksDone == 40)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir + "/prunescope").filter { $0 != "lessons.json" }
        #expect(leftovers.isEmpty, "temporary files left: \(leftovers)")
    }

    @Test func theStateDirectoryFollowsXDG() {
        #expect(LessonProgressFile.path(environment: ["XDG_STATE_HOME": "/s", "HOME": "/h"]) == "/s/prunescope/lessons.json")
        #expect(
            LessonProgressFile.path(environment: ["XDG_STATE_HOME": "rel", "HOME": "/h"]) == "/h/.local/state/prunescope/lessons.json")
        #expect(LessonProgressFile.path(environment: ["HOME": "/h"]) == "/h/.local/state/prunescope/lessons.json")
    }

    @Test func aDamagedProgressFileIsOneLineNamingIt() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("xdg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("lessons.json")
        try Data("{\"lessons\": 3".utf8).write(to: file)
        do {
            _ = try LessonProgressFile.load(path: file.path)
            Issue.record("damaged progress loaded")
        } catch let e as LessonFileError {
            #expect(e.description == "\(file.path): is not lesson progress (delete it to start the lessons afresh)")
        }
        #expect(try LessonProgressFile.load(path: dir.appendingPathComponent("none.json").path) == LessonProgress())
    }
}
