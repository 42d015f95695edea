import ArgumentParser
import Foundation
import PruneKit
import PruneTUI

#if canImport(Glibc)
import Glibc
#endif

/// Error reporting, terminal facts and plain-text output shared by every command.
enum CommandSupport {
    /// Runs a command's work: every command's `run()` is this around its
    /// body, so every error reads the same. An error becomes one line
    /// `prunescope: <file>: <problem>` on stderr (the engine's errors name
    /// their file) and exit status 1; argument-parser exits (`ExitCode`,
    /// e.g. 130 after Ctrl-C) pass through.
    static func reportingErrors(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            writeStderr("prunescope: \(oneLine(error))\n")
            throw ExitCode.failure
        }
    }

    /// An error's text on one line: line breaks become spaces, control
    /// characters are escaped, Foundation's error dumps become a plain reason.
    static func oneLine(_ error: any Error) -> String { ErrorText.oneLine(error) }

    /// A name from a file (tensor, layer, path) safe to print: control
    /// characters escaped, so a crafted checkpoint cannot drive the terminal.
    static func safe(_ name: String) -> String { Format.escapingControlCharacters(name) }

    /// Checks, before any work, that `path` can be written as an output
    /// file: its parent directory exists (every command leaves creating
    /// parents to the user, so a typo does not make a tree) and nothing
    /// but a regular file is there already (never a device, FIFO, symbolic
    /// link or directory).
    static func checkOutputFile(_ path: String) throws {
        try checkParent(of: path)
        if let problem = FileKind.outputProblem(path) { throw FileKindError(path: path, problem: problem) }
    }

    /// `checkOutputFile` for an output directory: its parent exists and
    /// `path` is missing or a directory (the command creates it).
    static func checkOutputDirectory(_ path: String) throws {
        try checkParent(of: path)
        if let problem = FileKind.outputDirectoryProblem(path) { throw FileKindError(path: path, problem: problem) }
    }

    private static func checkParent(of path: String) throws {
        let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw FileKindError(path: path, problem: "the parent directory \(parent) does not exist")
        }
    }

    /// True when stderr is a terminal (progress bars may redraw in place).
    static var stderrIsTerminal: Bool { isatty(2) != 0 }

    /// Writes text to stderr unbuffered.
    static func writeStderr(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// "[300, 784]".
    static func shape(_ s: [Int]) -> String { "[" + s.map(String.init).joined(separator: ", ") + "]" }

    /// Left-aligns the first column and right-aligns the others.
    static func table(_ rows: [[String]], header: [String]) -> String {
        let all = [header] + rows
        let widths = (0..<header.count).map { c in all.map { $0.count > c ? $0[c].count : 0 }.max() ?? 0 }
        func line(_ row: [String]) -> String {
            row.enumerated().map { c, cell in
                let pad = String(repeating: " ", count: max(0, widths[c] - cell.count))
                return c == 0 ? cell + pad : pad + cell
            }.joined(separator: "  ")
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n") + "\n"
    }

    /// Encodes a value as pretty JSON with sorted keys (see `terminalSafeJSON`).
    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return terminalSafeJSON(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    /// JSON text with DEL and the C1 control characters (which JSONEncoder
    /// leaves raw, and some terminals obey) written as `\u00XX` escapes:
    /// the same JSON, safe to print.
    static func terminalSafeJSON(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { (0x7F...0x9F).contains($0.value) }) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if (0x7F...0x9F).contains(scalar.value) {
                out += "\\u00" + String(scalar.value, radix: 16)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// Training progress through the command's `ProgressReporter`: the run's
/// steps as progress (one phase: the whole run), and one line per epoch
/// with its loss and accuracy that stays.
final class TrainingProgress {
    private let totalEpochs: Int
    private let stepsPerEpoch: Int
    private let reporter: ProgressReporter
    private var epochStart = ContinuousClock.now

    init(totalEpochs: Int, stepsPerEpoch: Int, reporter: ProgressReporter) {
        self.totalEpochs = totalEpochs
        self.stepsPerEpoch = stepsPerEpoch
        self.reporter = reporter
        reporter.begin("training")
    }

    func handle(_ event: TrainingEvent) {
        switch event {
        case let .step(epoch, step, _, loss):
            if step == 1 { epochStart = .now }
            let done = Double((epoch - 1) * stepsPerEpoch + step) / Double(max(1, totalEpochs * stepsPerEpoch))
            reporter.update(done, "epoch \(epoch)/\(totalEpochs) step \(step)/\(stepsPerEpoch)  loss \(String(format: "%.4f", loss))")
        case let .epochEnd(m):
            let elapsed = ContinuousClock.now - epochStart
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            var line =
                "epoch \(m.epoch)/\(totalEpochs)  train loss \(String(format: "%.4f", m.trainLoss)) "
                + "acc \(Format.percent(m.trainAccuracy, digits: 2))"
            if let vl = m.validationLoss, let va = m.validationAccuracy {
                line += "  validation loss \(String(format: "%.4f", vl)) acc \(Format.percent(va, digits: 2))"
            }
            reporter.note(line + String(format: "  (%.2f s)", seconds))
        }
    }
}

/// Turns Ctrl-C (SIGINT) into a flag that long work polls, so it can stop
/// cleanly instead of dying mid-step.
final class InterruptFlag {
    private let raised = CancelFlag()
    private let source: any DispatchSourceSignal

    /// Starts catching SIGINT until the process ends.
    init() {
        signal(SIGINT, SIG_IGN)
        let flag = raised
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { flag.cancel() }
        source.resume()
    }

    /// True once Ctrl-C was pressed.
    var isRaised: Bool { raised.isCancelled }
}
