import Foundation

/// One guided lesson, read from a JSON file in `Lessons/lessons/`: plain
/// language first (why, then what), tasks done in the live explorer, what
/// to notice in the learner's own figures, and a two-line takeaway.
public struct Lesson: Sendable, Equatable {
    /// A task: what to do, and the goal that says it is done.
    public struct Task: Sendable, Equatable {
        /// What the learner does, in words (with the keys).
        public var text: String
        /// Every predicate must hold at once.
        public var goal: [LessonPredicate]
    }

    /// Position in the list, from 1.
    public var number: Int
    public var title: String
    /// The sample model the lesson runs on (a directory of SampleModels).
    public var model: String
    /// Why this matters, then what it is: paragraphs.
    public var why: [String]
    public var what: [String]
    public var tasks: [Task]
    /// Paragraphs with `{key.field}` figures from the learner's run (see `LessonFigures`).
    public var notice: [String]
    /// Exactly two lines.
    public var takeaway: [String]
}

/// A lesson file that cannot be used, with the file named.
public struct LessonFileError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var problem: String
    public var description: String { "\(file): \(problem)" }
}

extension Lesson {
    /// The file's shape: strings where the lesson has predicates.
    private struct File: Decodable {
        struct Task: Decodable {
            var text: String
            var goal: [String]
        }
        var number: Int
        var title: String
        var model: String
        var why: [String]
        var what: [String]
        var tasks: [Task]
        var notice: [String]
        var takeaway: [String]
    }

    /// Parses and checks one lesson file; `file` names it in errors.
    public static func parse(_ data: Data, file: String) throws -> Lesson {
        let raw: File
        do {
            raw = try JSONDecoder().decode(File.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw LessonFileError(file: file, problem: "missing \"\(key.stringValue)\"")
        } catch let DecodingError.typeMismatch(_, context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw LessonFileError(file: file, problem: "\(path): \(context.debugDescription)")
        } catch {
            throw LessonFileError(file: file, problem: "not a lesson: \(error.localizedDescription)")
        }
        func fail(_ p: String) -> LessonFileError { LessonFileError(file: file, problem: p) }
        guard raw.number >= 1 else { throw fail("number \(raw.number) must be at least 1") }
        guard !raw.title.isEmpty, !raw.model.isEmpty else { throw fail("title and model must not be empty") }
        guard !raw.why.isEmpty, !raw.what.isEmpty else { throw fail("needs \"why\" and \"what\" paragraphs") }
        guard !raw.tasks.isEmpty else { throw fail("needs at least one task") }
        guard raw.takeaway.count == 2 else { throw fail("takeaway has \(raw.takeaway.count) lines; it needs exactly 2") }
        var tasks = [Task]()
        for (i, t) in raw.tasks.enumerated() {
            guard !t.goal.isEmpty else { throw fail("task \(i + 1) has no goal") }
            do {
                tasks.append(Task(text: t.text, goal: try t.goal.map(LessonPredicate.parse)))
            } catch let e as LessonPredicate.ParseError {
                throw fail("task \(i + 1): \(e.description)")
            }
        }
        for paragraph in raw.notice {
            if let bad = LessonFigures.unknownReference(in: paragraph, taskCount: tasks.count) {
                throw fail("notice names {\(bad)}, which is not a figure (t1..t\(tasks.count), start, now . a field)")
            }
        }
        return Lesson(
            number: raw.number, title: raw.title, model: raw.model, why: raw.why, what: raw.what, tasks: tasks,
            notice: raw.notice, takeaway: raw.takeaway)
    }
}
