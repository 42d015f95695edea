import Foundation
import PruneKit

/// Where the explorer journals its session, and what it says about it.
///
/// The journal lives in the session directory: the one given with
/// `--session`, else the directory `w` saves to by default
/// (`<model>-session`). Opening recovers what a killed run journaled there;
/// `w` folds the journal into the saved session and starts a new one.
public enum ExplorerJournal {
    /// The directory `w` saves to when no `--session` was given.
    public static func defaultDirectory(for session: PruningSession) -> String {
        "\(session.model.name)-session"
    }

    /// Recovers the journal of `directory` (nil: the default) into
    /// `session` and journals from now on; returns the status line to show
    /// ("recovered 3 unsaved steps from the journal"), if any, and the
    /// number of history changes recovered (unsaved until the next `w`).
    ///
    /// A session opened fresh does not journal into a default directory
    /// that holds a saved session it did not open (that journal belongs to
    /// the saved session), nor into one another process journals to
    /// (`SessionJournal.claim`): the line says so instead.
    public static func attach(_ session: PruningSession, sessionDirectory: String?) -> (status: String?, changes: Int) {
        let directory = sessionDirectory ?? defaultDirectory(for: session)
        if sessionDirectory == nil, session.saveID == nil,
            FileManager.default.fileExists(atPath: URL(fileURLWithPath: directory).appendingPathComponent("session.json").path)
        {
            return ("not journaling: \(directory) holds a saved session (resume it with --session \(directory))", 0)
        }
        // Another explorer journals there now: leave its journal alone.
        guard SessionJournal.claim(directory) else {
            return ("not journaling: another PruneScope is journaling to \(directory); w saves these steps", 0)
        }
        do {
            let recovery = try SessionJournal.recover(in: directory, into: session)
            return (recovery.summary, recovery.steps + recovery.moves)
        } catch {
            return ("not journaling: \(ErrorText.oneLine(error))", 0)
        }
    }

    /// After a save to `directory`: the save dropped the journal there, so
    /// journal anew; a journal left in another directory (the session was
    /// saved elsewhere) holds nothing unsaved any more and is removed.
    static func restart(_ session: PruningSession, in directory: String) {
        let next = SessionJournal.start(in: directory, for: session)
        if let old = session.journal {
            old.finish()
            if URL(fileURLWithPath: old.path).standardizedFileURL != URL(fileURLWithPath: next.path).standardizedFileURL {
                try? FileManager.default.removeItem(atPath: old.path)
            }
        }
        session.journal = next
    }

    /// "; not journaling: …" once journaling failed, else "".
    static func failureNote(_ session: PruningSession) -> String {
        guard let failure = session.journal?.failure, failure != "closed" else { return "" }
        return "; not journaling: \(failure)"
    }
}
