import Foundation
import Testing

/// `prunescope learn`: the list on the command line, and a learner taking
/// lesson 1 and the one-shot vs iterative lesson in the real explorer under
/// tmux with real keys, through to each takeaway; progress is kept in the
/// XDG state directory between runs.
@Suite(.serialized) struct LearnEndToEndTests {
    static func stateDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("ps-learn-\(UUID().uuidString.prefix(8))")
    }

    @Test func listPrintsOneLinePerLessonAndBadInputIsOneLine() throws {
        let state = Self.stateDirectory()
        defer { try? FileManager.default.removeItem(at: state) }
        let r = try Binary.run(["learn", "--list"], environment: ["XDG_STATE_HOME": state.path])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 11)
        #expect(lines[0].hasPrefix(" 1  Reading a weight histogram and a threshold "))
        #expect(lines[2].hasPrefix(" 3  One-shot vs iterative at the same budget "))
        #expect(lines[10].hasPrefix("11  A decision boundary under pruning "))
        #expect(lines[10].contains(" spirals-mlp "))
        #expect(lines.allSatisfy { $0.hasSuffix("  not started") && $0.contains("  lenet-300-100  ") || $0.contains("spirals-mlp") })

        let bad = try Binary.run(["learn", "12"], environment: ["XDG_STATE_HOME": state.path])
        #expect(bad.status != 0)
        #expect(bad.stderr == "prunescope: LESSON 12 does not exist (lessons 1-11; --list shows them)\n")

        let file = state.appendingPathComponent("prunescope/lessons.json")
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("not json".utf8).write(to: file)
        let damaged = try Binary.run(["learn", "--list"], environment: ["XDG_STATE_HOME": state.path])
        #expect(damaged.status != 0)
        #expect(damaged.stderr == "prunescope: \(file.path): is not lesson progress (delete it to start the lessons afresh)\n")
    }

    /// The strip over the bottom line names the current task.
    static func waitForTask(_ tmux: Tmux, _ lesson: Int, _ task: Int, of count: Int, timeout: Double = 30) throws {
        try tmux.waitFor(timeout: timeout, "lesson \(lesson) task \(task)/\(count)") {
            $0.contains("Lesson \(lesson) · task \(task)/\(count):")
        }
    }

    /// The header's current step ("step 2/2" gives 2).
    static func step(_ screen: String) -> Int? {
        guard let r = screen.range(of: "· step ") else { return nil }
        return Int(screen[r.upperBound...].prefix { $0.isNumber })
    }

    /// Types `value` into the t box and submits it.
    static func type(_ tmux: Tmux, _ value: String) throws {
        try tmux.send("t")
        try tmux.waitFor("(or NN%)")
        try tmux.send(value, literal: true)
        try tmux.waitFor("(or NN%) \(value) ")
        try tmux.send("Enter")
        try tmux.waitFor(timeout: 10, "the prompt to close") { !$0.contains("(or NN%)") }
    }

    /// Moves the options' schedule row (the fifth) by `presses`, then closes options.
    static func schedule(_ tmux: Tmux, _ presses: String, to value: String) throws {
        try tmux.send("o")
        try tmux.waitFor("schedule (p runs it)")
        try tmux.send(["Down", "Down", "Down", "Down", presses])
        try tmux.waitFor(timeout: 10, "schedule \(value)") { s in
            s.split(separator: "\n").contains { $0.contains("schedule (p runs it)") && $0.contains(" \(value) ") }
        }
        try tmux.send("Escape")
        try tmux.waitFor(timeout: 10, "options closed") { !$0.contains("schedule (p runs it)") }
    }

    /// The panel's text from "What to notice" to the takeaway (inside its border only).
    static func notice(_ screen: String) -> String {
        let inside = screen.split(separator: "\n").compactMap { line -> String? in
            guard let first = line.firstIndex(of: "┃"), let last = line.lastIndex(of: "┃"), first < last else { return nil }
            return String(line[line.index(after: first)..<last])
        }
        guard let start = inside.firstIndex(where: { $0.hasPrefix("What to notice") }) else { return "" }
        return inside[start...].prefix { !$0.hasPrefix("Takeaway") }.joined(separator: "\n")
    }

    @Test func aLearnerCompletesLessonOneAndOneShotVsIterative() throws {
        let state = Self.stateDirectory()
        defer { try? FileManager.default.removeItem(at: state) }
        let pid = FileManager.default.temporaryDirectory.appendingPathComponent("ps-learn-\(UUID().uuidString).pid")
        let tmux = try Tmux(
            command: Tmux.restoringScript(["learn"], pidFile: pid), width: 120, height: 40,
            environment: ["XDG_STATE_HOME": state.path], directory: Binary.packageRoot, name: "learn")
        defer { tmux.kill() }

        // The list on top; Enter starts lesson 1, Esc goes to its tasks.
        try tmux.waitFor(timeout: 60, "the lesson list") { $0.contains("Lessons") && $0.contains("[ ]  1. Reading a weight histogram") }
        try tmux.send("Enter")
        try tmux.waitFor("Lesson 1 of 11 · Reading a weight histogram and a threshold")
        try tmux.send("Escape")
        try Self.waitForTask(tmux, 1, 1, of: 3)
        try tmux.send(Array(repeating: "Right", count: 50))
        try Self.waitForTask(tmux, 1, 2, of: 3)
        try tmux.send(Array(repeating: "Right", count: 40))
        try Self.waitForTask(tmux, 1, 3, of: 3)
        try tmux.send("Enter")
        // Done: the panel opens at what to notice, with this run's figures, and the takeaway.
        var screen = try tmux.waitFor(timeout: 60, "lesson 1's takeaway") {
            $0.contains("Takeaway") && $0.contains("Most weights of a trained layer are near zero")
        }
        #expect(screen.contains("at the start to 9"), "the learner's accuracy is in the text:\n\(screen)")
        #expect(!Self.notice(screen).isEmpty && !Self.notice(screen).contains("…"), "every figure filled:\n\(screen)")

        // i l: the list, lesson 1 done; lesson 3 is two rows down.
        try tmux.send("Escape")
        try tmux.send("i")
        try tmux.waitFor("Lesson 1 of 11")
        try tmux.send("l")
        try tmux.waitFor("[x]  1. Reading a weight histogram")
        try tmux.send(["Down", "Down", "Enter"])
        try tmux.waitFor("Lesson 3 of 11 · One-shot vs iterative at the same budget")
        try tmux.send("Escape")
        try Self.waitForTask(tmux, 3, 1, of: 7)

        // 1: global 95 % preview.
        try tmux.send("g")
        try tmux.waitFor("global |w| <")
        try Self.type(tmux, "95%")
        try Self.waitForTask(tmux, 3, 2, of: 7)
        // 2-3: one-shot, run.
        try Self.schedule(tmux, "Left", to: "one-shot")
        try Self.waitForTask(tmux, 3, 3, of: 7)
        try tmux.send("p")
        try Self.waitForTask(tmux, 3, 4, of: 7, timeout: 60)
        // 4: three retrains, one after another (lesson 1 left its step 1, one-shot added one).
        let start = try #require(Self.step(try tmux.capture()))
        for step in start + 1...start + 3 {
            try tmux.waitFor(timeout: 60, "no job running") { !$0.contains("Esc cancel") }
            try tmux.send("r")
            try tmux.waitFor(timeout: 300, "retrain to step \(step)") { $0.contains("step \(step)/\(step)") && !$0.contains("Esc cancel") }
        }
        try Self.waitForTask(tmux, 3, 5, of: 7)
        // 5: back to step 0 on the history screen, then explore.
        try tmux.send("2")
        try tmux.waitFor("History (")
        try tmux.send(["Home", "Enter"])
        try tmux.waitFor(timeout: 60, "the jump to step 0") { $0.contains("step 0/\(start + 3)") }
        try tmux.send("1")
        try Self.waitForTask(tmux, 3, 6, of: 7)
        // 6-7: the same 95 %, iterative, run.
        try Self.type(tmux, "95%")
        try Self.schedule(tmux, "Right", to: "iterative")
        try Self.waitForTask(tmux, 3, 7, of: 7)
        try tmux.send("p")
        screen = try tmux.waitFor(timeout: 600, "lesson 3's takeaway") {
            $0.contains("Takeaway") && $0.contains("Iterative cuts need retraining between them to pay off")
        }
        #expect(screen.contains("Iterative to 95.0% with the same three epochs: 9"), "\(screen)")
        #expect(screen.contains("after three retraining epochs"))
        #expect(!Self.notice(screen).isEmpty && !Self.notice(screen).contains("…"), "every figure filled:\n\(screen)")

        // Quit (steps unsaved: say yes); the progress outlives the run.
        try tmux.send("Escape")
        try tmux.send("q")
        try tmux.waitFor(timeout: 20, "the quit question") { $0.contains("Quit?") }
        try tmux.send("y")
        let after = try tmux.waitForExitAndShell()
        #expect(after.contains("PROGRAM-EXIT code=0 stty=same"), "\(after)")
        let list = try Binary.run(["learn", "--list"], environment: ["XDG_STATE_HOME": state.path])
        let lines = list.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 11)
        #expect(lines[0].hasSuffix("  done") && lines[2].hasSuffix("  done"), "\(list.stdout)")
        #expect(lines[1].hasSuffix("  not started"))
    }
}
