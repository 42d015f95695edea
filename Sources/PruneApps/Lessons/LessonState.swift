/// The lessons as the explorer holds them: the list, the learner's
/// progress, the lesson being taken and what is open on top.
public struct LessonState: Sendable, Equatable {
    /// What the lessons show over the explorer (`i`).
    public enum Overlay: Sendable, Equatable {
        /// The list of lessons, `row` selected.
        case list(row: Int)
        /// The current lesson's panel, scrolled by `scroll` lines.
        case panel(scroll: Int)
        /// What every figure on screen means (`G`), scrolled by `scroll` lines.
        case glossary(scroll: Int)
    }

    public internal(set) var lessons: [Lesson]
    public internal(set) var progress: LessonProgress
    /// Where progress is written (nil: not kept, as in most tests).
    public let progressPath: String?
    /// Index of the lesson being taken.
    public internal(set) var active: Int?
    /// Jobs finished since the current task began (the goals count them).
    public internal(set) var events: [LessonEvent] = []
    public internal(set) var overlay: Overlay?
    /// Counts progress changes: the writer keeps only the newest.
    var version = 0

    public init(lessons: [Lesson] = [], progress: LessonProgress = LessonProgress(), progressPath: String? = nil) {
        self.lessons = lessons
        self.progress = progress
        self.progressPath = progressPath
    }

    /// The lesson being taken.
    public var current: Lesson? { active.map { lessons[$0] } }

    /// The first lesson not done yet (else the first).
    public var nextIndex: Int {
        lessons.firstIndex { !progress.entry($0.number).done } ?? 0
    }

    /// One line per lesson for the list in the explorer: state, number, title, model.
    public func compactLines() -> [String] {
        lessons.map { l in
            let e = progress.entry(l.number)
            let state = e.done ? "[x]" : e.tasksDone > 0 ? "[\(e.tasksDone)/\(l.tasks.count)]" : "[ ]"
            return "\(state) \(l.number < 10 ? " " : "")\(l.number). \(l.title) (\(l.model))"
        }
    }

    /// One line per lesson: number, title, model, done or not (`learn --list`).
    public func listLines() -> [String] {
        let titleWidth = lessons.map(\.title.count).max() ?? 10
        let modelWidth = lessons.map(\.model.count).max() ?? 10
        return lessons.map { l in
            let e = progress.entry(l.number)
            let state =
                e.done ? "done" : e.tasksDone > 0 ? "\(e.tasksDone)/\(l.tasks.count) tasks" : "not started"
            let number = l.number < 10 ? " \(l.number)" : "\(l.number)"
            return "\(number)  \(l.title.padding(toLength: titleWidth, withPad: " ", startingAt: 0))  "
                + "\(l.model.padding(toLength: modelWidth, withPad: " ", startingAt: 0))  \(state)"
        }
    }
}
