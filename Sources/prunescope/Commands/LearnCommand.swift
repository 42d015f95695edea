import ArgumentParser
import Foundation
import PruneApps
import PruneKit
import PruneTUI

/// `prunescope learn [LESSON] [--list]`: the guided lessons in the explorer.
struct LearnCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "learn",
        abstract: "Guided lessons: one pruning concept each, done in the live explorer.",
        discussion: """
            Opens the explorer on the model of the first lesson not done yet, with the list \
            of lessons on top (Enter starts one). Each lesson explains why, then what, gives \
            tasks whose goals are checked against the live explorer, then shows what to notice \
            in your own figures and a two-line takeaway. i in the explorer opens the list or \
            the current lesson. With LESSON, that lesson starts at once.

            Progress is kept in $XDG_STATE_HOME/prunescope/lessons.json \
            (default ~/.local/state/prunescope/lessons.json).
            """
    )

    @Argument(help: "Lesson number to start (default: show the list).")
    var lesson: Int?

    @Flag(help: "Print one line per lesson (number, title, model, progress) and exit.")
    var list = false

    @OptionGroup var screen: ScreenOptions

    @Option(help: "Seed for every random choice of the session.")
    var seed: UInt64 = 0

    func run() throws {
        try CommandSupport.reportingErrors(runUnguarded)
    }

    private func runUnguarded() throws {
        let lessons = try LessonCatalog.builtIn()
        let path = LessonProgressFile.path()
        let state = LessonState(lessons: lessons, progress: try LessonProgressFile.load(path: path), progressPath: path)
        if list {
            for line in state.listLines() { print(line) }
            return
        }
        if let lesson, !(1...lessons.count).contains(lesson) {
            throw ValidationError("LESSON \(lesson) does not exist (lessons 1-\(lessons.count); --list shows them)")
        }
        let index = lesson.map { $0 - 1 } ?? state.nextIndex
        let bundle = try ModelBundle.load(path: try ModelLocation.resolve("SampleModels/\(lessons[index].model)"))
        let pruning = PruningSession(model: bundle.model, train: bundle.train, validation: bundle.validation, seed: seed)
        let themes = try screen.themes()
        let terminal = try screen.terminal()
        let mailbox = Mailbox<ExplorerMessage>()
        let worker = ThreadWorker()
        var app = ExplorerApp.make(
            session: pruning, bundle: bundle, size: terminal.size, themes: themes, worker: worker,
            post: { mailbox.post($0) })
        app.attachLessons(state, showList: lesson == nil, start: lesson.map { $0 - 1 })
        try OpenCommand.runOnTerminal(app, mailbox: mailbox, terminal: terminal, worker: worker)
    }
}
