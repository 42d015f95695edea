import PruneKit
import PruneTUI

/// Lessons in the explorer: `i` opens the list or the current lesson's
/// panel; the current task's goal is checked after every event.
extension ExplorerModel {
    /// Gives the explorer its lessons (and where progress is kept); with
    /// `showList` the list opens on top, with `start` that lesson begins.
    public mutating func attachLessons(_ state: LessonState, showList: Bool = false, start: Int? = nil, now: Double = 0) {
        lessons = state
        if let start, lessons.lessons.indices.contains(start) {
            startLesson(start, now: now)
        } else if showList, !lessons.lessons.isEmpty {
            lessons.overlay = .list(row: lessons.nextIndex)
        }
    }

    /// `i`: the list while no lesson is taken, else the lesson's panel.
    mutating func openLessons(now: Double) {
        guard !lessons.lessons.isEmpty else {
            toast("no lessons here (prunescope learn opens them)", .warning, now: now)
            return
        }
        lessons.overlay = lessons.active == nil ? .list(row: lessons.nextIndex) : .panel(scroll: 0)
    }

    mutating func handleLessonKey(_ key: Key, overlay: LessonState.Overlay, now: Double) {
        switch ExplorerKeys.binding(for: key, in: .lessons)?.action {
        case .lessonMove?:
            let page = max(1, layout.full.height - 6)
            let d: Int =
                switch key {
                case .up, .char("k"): -1
                case .pageUp: -page
                case .pageDown: page
                case .home: -10_000
                case .end: 10_000
                default: 1
                }
            switch overlay {
            // The row after the last lesson is the glossary.
            case .list(let row): lessons.overlay = .list(row: min(max(0, row + d), lessons.lessons.count))
            case .panel(let scroll):
                let lines = lessonPanelLines(width: lessonPanelWidth).count
                lessons.overlay = .panel(scroll: min(max(0, scroll + d), max(0, lines - 1)))
            case .glossary(let scroll):
                let lines = glossaryLines(width: lessonPanelWidth).count
                lessons.overlay = .glossary(scroll: min(max(0, scroll + d), max(0, lines - 1)))
            }
        case .lessonOpen?:
            switch overlay {
            case .list(let row):
                if row == lessons.lessons.count { lessons.overlay = .glossary(scroll: 0) } else { startLesson(row, now: now) }
            case .panel, .glossary: lessons.overlay = nil
            }
        case .lessonList?: lessons.overlay = .list(row: lessons.active ?? lessons.nextIndex)
        case .lessonClose?: lessons.overlay = nil
        default: break
        }
    }

    /// Begins lesson `index` at its first task (the one being taken goes on where it is).
    mutating func startLesson(_ index: Int, now: Double) {
        let lesson = lessons.lessons[index]
        guard lesson.model == info.modelName else {
            toast(
                "lesson \(lesson.number) is on \(lesson.model): quit and run prunescope learn \(lesson.number)", .warning,
                now: now, duration: 10)
            return
        }
        if lessons.active != index {
            lessons.active = index
            lessons.events = []
            var entry = lessons.progress.entry(lesson.number)
            // Figures come from this run only: a lesson taken again starts afresh (it stays done).
            entry.tasksDone = 0
            entry.captures = [:]
            lessons.progress.set(lesson.number, entry)
            saveLessonProgress()
        }
        lessons.overlay = .panel(scroll: 0)
    }

    /// A job ended: the goals that count jobs see it.
    mutating func noteLessonJob(_ job: ExplorerJob?, failed: Bool) {
        guard lessons.active != nil, !failed, let job else { return }
        switch job {
        case .apply: lessons.events.append(.applied)
        case .retrain(let r): lessons.events.append(r.l1Lambda > 0 ? .regularised : .retrained)
        case .schedule(let s, _, _):
            let choice: ExplorerControls.ScheduleChoice =
                switch s {
                case .oneShot: .oneShot
                case .iterative: .iterative
                case .gradual: .gradual
                case .lottery: .lottery
                case .adaptive: .adaptive
                case .randomReinit: .randomReinit
                }
            lessons.events.append(.schedule(choice))
        case .sensitivity: lessons.events.append(.sensitivity)
        default: break
        }
    }

    /// Marks the current task done while its goal holds (then the next is
    /// checked too), capturing the figures the lesson's text quotes. The
    /// last task done opens the panel at what to notice and the takeaway.
    mutating func checkLessonGoals(now: Double) {
        guard let index = lessons.active else { return }
        let lesson = lessons.lessons[index]
        var entry = lessons.progress.entry(lesson.number)
        var finished = [Int]()
        while entry.tasksDone < lesson.tasks.count,
            lesson.tasks[entry.tasksDone].goal.allSatisfy({ $0.holds(in: self, since: lessons.events) })
        {
            entry.tasksDone += 1
            entry.captures[String(entry.tasksDone)] = LessonFigures.capture(self)
            lessons.events = []
            finished.append(entry.tasksDone)
        }
        guard let last = finished.last else { return }
        if last == lesson.tasks.count {
            entry.done = true
            lessons.progress.set(lesson.number, entry)
            lessons.overlay = .panel(scroll: 0)
            let end = lessonPanelLines(width: lessonPanelWidth).firstIndex { $0.text == "What to notice" } ?? 0
            lessons.overlay = .panel(scroll: end)
            toast("lesson \(lesson.number) done: what to notice and the takeaway are open", now: now, duration: 8)
        } else {
            lessons.progress.set(lesson.number, entry)
            toast("task \(last) done; next: task \(last + 1) (i shows the lesson)", now: now, duration: 5)
        }
        saveLessonProgress()
    }

    /// Asks for the progress to be written (when it is kept).
    mutating func saveLessonProgress() {
        guard let path = lessons.progressPath else { return }
        lessons.version += 1
        emit(.saveLessonProgress(lessons.progress, path: path, version: lessons.version))
    }

    /// The panel's text width at this size.
    var lessonPanelWidth: Int { max(20, min(100, layout.full.width - 6)) }

    /// One line of the lesson panel and how it is drawn.
    struct LessonLine: Equatable {
        enum Kind { case heading, text, done, current, todo, figure }
        var text: String
        var kind: Kind
    }

    /// The current lesson as lines `width` wide: why, what, the tasks with
    /// their state, what to notice (with the learner's figures once every
    /// task is done) and the takeaway.
    func lessonPanelLines(width: Int) -> [LessonLine] {
        guard let lesson = lessons.current else { return [] }
        let entry = lessons.progress.entry(lesson.number)
        var out = [LessonLine]()
        func paragraphs(_ ps: [String], _ kind: LessonLine.Kind = .text, indent: String = "") {
            for p in ps {
                for (i, line) in Text.wrap(p, width: max(1, width - indent.count)).enumerated() {
                    out.append(LessonLine(text: (i == 0 ? indent : String(repeating: " ", count: indent.count)) + line, kind: kind))
                }
            }
        }
        out.append(LessonLine(text: "Why", kind: .heading))
        paragraphs(lesson.why)
        out.append(LessonLine(text: "What", kind: .heading))
        paragraphs(lesson.what)
        out.append(LessonLine(text: "Tasks (goals checked as you go)", kind: .heading))
        for (i, task) in lesson.tasks.enumerated() {
            let kind: LessonLine.Kind = i < entry.tasksDone ? .done : i == entry.tasksDone ? .current : .todo
            let mark = i < entry.tasksDone ? "[x]" : i == entry.tasksDone ? "[>]" : "[ ]"
            paragraphs([task.text], kind, indent: "\(mark) \(i + 1). ")
        }
        out.append(LessonLine(text: "What to notice", kind: .heading))
        if entry.tasksDone < lesson.tasks.count {
            paragraphs(["Your figures appear here as you do the tasks (… = a task not done yet)."], .todo)
        }
        let filled = lesson.notice.map {
            LessonFigures.fill(
                $0, captures: entry.byTask, start: LessonFigures.start(self), now: LessonFigures.capture(self))
        }
        paragraphs(filled, .figure)
        out.append(LessonLine(text: "Takeaway", kind: .heading))
        paragraphs(lesson.takeaway)
        return out
    }

    /// The current task as one line for the strip over the bottom line.
    var lessonStrip: String? {
        guard let lesson = lessons.current else { return nil }
        let done = lessons.progress.entry(lesson.number).tasksDone
        guard done < lesson.tasks.count else { return "Lesson \(lesson.number) done · i: what to notice, takeaway, next lesson" }
        return "Lesson \(lesson.number) · task \(done + 1)/\(lesson.tasks.count): \(lesson.tasks[done].text)"
    }
}
