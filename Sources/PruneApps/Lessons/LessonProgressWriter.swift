import Synchronization

/// Writes lesson progress on background threads, one write at a time and
/// never an older version over a newer one (saves may start out of order).
final class LessonProgressWriter: Sendable {
    private let written = Mutex(0)

    /// Writes `progress` unless a newer version was written already; a failure is posted as one line.
    func write(_ progress: LessonProgress, path: String, version: Int, post: @Sendable (ExplorerMessage) -> Void) {
        let problem: String? = written.withLock { newest in
            guard version > newest else { return nil }
            do {
                try LessonProgressFile.write(progress, path: path)
                newest = version
                return nil
            } catch {
                return "\(error)"
            }
        }
        if let problem { post(.lessonProgressFailed(problem)) }
    }
}
