import Foundation
import PruneKit
import Testing

@testable import PruneApps

/// The lesson files: every shipped one parses and names only known
/// predicates and figures; malformed ones fail with the file named.
@Suite struct LessonFileTests {
    static var valid: [String: Any] {
        [
            "number": 1, "title": "T", "model": "lenet-300-100", "why": ["w"], "what": ["x"],
            "tasks": [["text": "do", "goal": ["applied"]]], "notice": ["{t1.accuracy} from {start.accuracy}"],
            "takeaway": ["one", "two"],
        ]
    }

    static func data(_ object: [String: Any]) throws -> Data { try JSONSerialization.data(withJSONObject: object) }

    static func problem(_ change: (inout [String: Any]) -> Void) throws -> String {
        var object = valid
        change(&object)
        do {
            _ = try Lesson.parse(try data(object), file: "01-bad.json")
            return "parsed"
        } catch let e as LessonFileError {
            return e.description
        }
    }

    @Test func everyShippedLessonParsesWithKnownPredicates() throws {
        let dir = try #require(LessonCatalog.directory)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") }.sorted()
        #expect(files.count >= 11)
        for name in files {
            let data = try #require(FileManager.default.contents(atPath: dir.appendingPathComponent(name).path))
            let lesson = try Lesson.parse(data, file: name)
            #expect(name.hasPrefix(String(format: "%02d-", lesson.number)), "\(name) holds lesson \(lesson.number)")
            #expect(lesson.takeaway.count == 2)
            #expect(!lesson.tasks.isEmpty && !lesson.notice.isEmpty)
        }
        let lessons = try LessonCatalog.builtIn()
        #expect(lessons.map(\.number) == Array(1...lessons.count))
        // Screens 5 and 6 come from other branches: named by number.
        #expect(lessons[9].tasks.contains { $0.goal.contains(.robustnessMeasured) })
        #expect(lessons[10].tasks.contains { $0.goal.contains(.onScreen(.boundary)) })
        #expect(lessons[10].model == "spirals-mlp")
        // Every lesson names a sample model that exists.
        for l in lessons {
            let spec = ExplorerHarness.sampleModels.appendingPathComponent(l.model).appendingPathComponent("model.json")
            #expect(FileManager.default.fileExists(atPath: spec.path), "lesson \(l.number): no sample \(l.model)")
        }
    }

    @Test func theOneConceptPerLessonListIsTheIssues() throws {
        let titles = try LessonCatalog.builtIn().map { $0.title.lowercased() }
        let concepts = [
            "histogram", "retraining", "one-shot vs iterative", "global", "faster", "taylor", "l1", "2:4", "lottery",
            "robustness", "decision boundary",
        ]
        #expect(titles.count == concepts.count)
        for (title, concept) in zip(titles, concepts) { #expect(title.contains(concept), "\(title) should teach \(concept)") }
    }

    @Test func malformedLessonsFailWithTheFileAndTheProblem() throws {
        #expect(try Self.problem { _ in } == "parsed")
        #expect(
            try Self.problem { $0["tasks"] = [["text": "do", "goal": ["flyAway(3)"]]] }
                .hasPrefix("01-bad.json: task 1: goal 'flyAway(3)': unknown predicate 'flyAway' (known: onScreen,"))
        #expect(
            try Self.problem { $0["tasks"] = [["text": "do", "goal": ["layerSparsityAtLeast(fc1)"]]] }
                == "01-bad.json: task 1: goal 'layerSparsityAtLeast(fc1)': layerSparsityAtLeast takes (layer, fraction), got 1")
        #expect(
            try Self.problem { $0["tasks"] = [["text": "do", "goal": ["sparsityAtLeast(1.5)"]]] }
                == "01-bad.json: task 1: goal 'sparsityAtLeast(1.5)': '1.5' is not a fraction in [0, 1]")
        #expect(
            try Self.problem { $0["tasks"] = [["text": "do", "goal": ["scheduleRan(weekly)"]]] }
                == "01-bad.json: task 1: goal 'scheduleRan(weekly)': 'weekly' is not one of one-shot, iterative, gradual, lottery, adaptive, random re-init"
        )
        #expect(
            try Self.problem { $0["tasks"] = [["text": "do", "goal": ["onScreen(9)"]]] }
                == "01-bad.json: task 1: goal 'onScreen(9)': screen 9 does not exist (1-6)")
        #expect(try Self.problem { $0["tasks"] = [["text": "do", "goal": []]] } == "01-bad.json: task 1 has no goal")
        #expect(try Self.problem { $0["takeaway"] = ["only one"] } == "01-bad.json: takeaway has 1 lines; it needs exactly 2")
        #expect(try Self.problem { $0.removeValue(forKey: "why") } == "01-bad.json: missing \"why\"")
        #expect(try Self.problem { $0["number"] = "one" }.hasPrefix("01-bad.json: number:"))
        #expect(
            try Self.problem { $0["notice"] = ["{t2.accuracy}"] }
                == "01-bad.json: notice names {t2.accuracy}, which is not a figure (t1..t1, start, now . a field)")
        #expect(try Self.problem { $0["notice"] = ["{start.acc-uracy}"] }.contains("notice names {start.acc-uracy}"))
        do {
            _ = try Lesson.parse(Data("{\"number\": 1,".utf8), file: "02-cut.json")
            Issue.record("a cut file parsed")
        } catch let e as LessonFileError {
            #expect(e.file == "02-cut.json" && e.problem.hasPrefix("not a lesson"))
        }
    }

    @Test func aDirectoryWithAGapInTheNumbersFails() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lessons-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.data(Self.valid).write(to: dir.appendingPathComponent("01-a.json"))
        var third = Self.valid
        third["number"] = 3
        try Self.data(third).write(to: dir.appendingPathComponent("03-c.json"))
        #expect(throws: LessonFileError.self) { try LessonCatalog.load(from: dir) }
        do { _ = try LessonCatalog.load(from: dir) } catch let e as LessonFileError {
            #expect(e.description == "03-c.json: number 3 where lesson 2 was expected (numbers run 1, 2, 3... once each)")
        }
    }

    @Test func figuresFillFromCapturesAndMarkTheMissing() {
        let text = "from {start.accuracy} to {t1.accuracy} at {t1.fc1}, {t2.speedup}; loss {t1.loss}"
        let filled = LessonFigures.fill(
            text, captures: [1: ["accuracy": 0.9312, "fc1": 0.9, "loss": 0.25]], start: ["accuracy": 0.94], now: [:])
        #expect(filled == "from 94.00% to 93.12% at 90.0%, …; loss 0.2500")
        #expect(LessonFigures.unknownReference(in: text, taskCount: 2) == nil)
        #expect(LessonFigures.unknownReference(in: text, taskCount: 1) == "t2.speedup")
        #expect(LessonFigures.unknownReference(in: "{later.accuracy}", taskCount: 3) == "later.accuracy")
    }
}
