import Foundation

/// The lessons shipped with PruneScope: the JSON files in
/// `Sources/PruneApps/Lessons/lessons/`, a SwiftPM resource of this module
/// (so `swift run`, the tests and `.build/release/prunescope` run from any
/// directory all find them).
public enum LessonCatalog {
    /// The directory of the shipped lesson files: the resource bundle beside
    /// the executable (or the test bundle), else the source tree it was
    /// built from. Looked up by hand, not through `Bundle.module`, which
    /// stops the process when the bundle is missing (a binary copied away
    /// from its build still opens the explorer, without lessons).
    public static var directory: URL? {
        let bundleName = "PruneScope_PruneApps.resources"
        var places = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
        if let executable = Bundle.main.executableURL?.resolvingSymlinksInPath() {
            places.append(executable.deletingLastPathComponent())
        }
        let shipped = places.map { $0.appendingPathComponent(bundleName).appendingPathComponent("lessons") }
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("lessons")
        return (shipped + [source]).first { url in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
        }
    }

    /// The shipped lessons, in order.
    public static func builtIn() throws -> [Lesson] {
        guard let dir = directory else { throw LessonFileError(file: "lessons", problem: "the lesson files are missing from the build") }
        return try load(from: dir)
    }

    /// Every `*.json` in `dir`, parsed and checked: numbers 1, 2, 3... each once.
    public static func load(from dir: URL) throws -> [Lesson] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") }.sorted()
        } catch {
            throw LessonFileError(file: dir.path, problem: "cannot list the lesson files (\(error.localizedDescription))")
        }
        var lessons = [Lesson]()
        for name in names {
            let url = dir.appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw LessonFileError(file: name, problem: "cannot be read")
            }
            lessons.append(try Lesson.parse(data, file: name))
        }
        lessons.sort { $0.number < $1.number }
        for (i, l) in lessons.enumerated() where l.number != i + 1 {
            throw LessonFileError(
                file: names.first { $0.hasPrefix(String(format: "%02d", l.number)) } ?? "lesson \(l.number)",
                problem: "number \(l.number) where lesson \(i + 1) was expected (numbers run 1, 2, 3... once each)")
        }
        return lessons
    }
}

/// How far the learner got in each lesson, kept between runs.
public struct LessonProgress: Codable, Sendable, Equatable {
    /// One lesson's progress.
    public struct Entry: Codable, Sendable, Equatable {
        /// Tasks done, in order (the next task is `tasksDone + 1`).
        public var tasksDone = 0
        /// Whether every task was done once (stays true if the lesson is taken again).
        public var done = false
        /// The figures captured as each task was done, by task number (as text: JSON keys).
        public var captures: [String: [String: Double]] = [:]

        public init() {}

        /// Captures by task number.
        var byTask: [Int: [String: Double]] {
            Dictionary(uniqueKeysWithValues: captures.compactMap { k, v in Int(k).map { ($0, v) } })
        }
    }

    /// By lesson number, as text.
    public var lessons: [String: Entry] = [:]

    public init() {}

    public func entry(_ number: Int) -> Entry { lessons[String(number)] ?? Entry() }
    public mutating func set(_ number: Int, _ entry: Entry) { lessons[String(number)] = entry }
}

/// Where lesson progress lives: `$XDG_STATE_HOME/prunescope/lessons.json`
/// (default `~/.local/state/prunescope/lessons.json`), written atomically.
public enum LessonProgressFile {
    /// The file's path from `environment` (XDG base directory rules: a relative XDG_STATE_HOME is ignored).
    public static func path(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") {
            return (state as NSString).appendingPathComponent("prunescope/lessons.json")
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return (home as NSString).appendingPathComponent(".local/state/prunescope/lessons.json")
    }

    /// The progress at `path`; none yet if the file does not exist.
    public static func load(path: String) throws -> LessonProgress {
        guard FileManager.default.fileExists(atPath: path) else { return LessonProgress() }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LessonFileError(file: path, problem: "cannot be read")
        }
        do {
            return try JSONDecoder().decode(LessonProgress.self, from: data)
        } catch {
            throw LessonFileError(file: path, problem: "is not lesson progress (delete it to start the lessons afresh)")
        }
    }

    /// Writes `progress` to `path` through a temporary file and a rename
    /// (creating the directory), so a reader never sees half a file.
    public static func write(_ progress: LessonProgress, path: String) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(progress)
        let temp = url.deletingLastPathComponent().appendingPathComponent(".lessons.json.\(UUID().uuidString).tmp")
        try data.write(to: temp)
        if rename(temp.path, url.path) != 0 {
            let code = errno
            try? FileManager.default.removeItem(at: temp)
            throw LessonFileError(file: path, problem: "cannot be replaced (\(String(cString: strerror(code))))")
        }
    }
}
