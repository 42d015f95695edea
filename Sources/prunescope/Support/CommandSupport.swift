import ArgumentParser
import Foundation
import PruneKit
#if canImport(Glibc)
import Glibc
#endif

/// Error reporting and terminal facts shared by train, eval, info and bench.
enum CommandSupport {
    /// Runs `body`; an error becomes one line `prunescope: <file>: <problem>`
    /// on stderr and exit status 1. Argument-parser exits pass through.
    static func reportingErrors(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            let text = "\(error)".split(whereSeparator: \.isNewline).joined(separator: " ")
            writeStderr("prunescope: \(text)\n")
            throw ExitCode.failure
        }
    }

    /// True when stderr is a terminal (progress bars may redraw in place).
    static var stderrIsTerminal: Bool { isatty(2) != 0 }

    /// True when the locale's character set is UTF-8 (else progress bars use ASCII).
    static var localeIsUTF8: Bool {
        let env = ProcessInfo.processInfo.environment
        let locale = env["LC_ALL"].flatMap { $0.isEmpty ? nil : $0 }
            ?? env["LC_CTYPE"].flatMap { $0.isEmpty ? nil : $0 } ?? env["LANG"] ?? ""
        let l = locale.lowercased()
        return l.contains("utf-8") || l.contains("utf8")
    }

    /// Writes text to stderr unbuffered.
    static func writeStderr(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// "94.90 %" for a fraction in [0, 1].
    static func percent(_ fraction: Double) -> String { String(format: "%.2f %%", 100 * fraction) }

    /// An integer with thousands separators: 266,610.
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return n < 0 ? "-" + out : out
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

    /// Encodes a value as pretty JSON with sorted keys.
    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// Training progress on stderr: on a terminal a bar redrawn in place (at
/// most 10 times a second) with the step's loss, and one line per epoch;
/// elsewhere only the epoch lines, with no control characters.
final class TrainingProgress {
    private let totalEpochs: Int
    private let stepsPerEpoch: Int
    private let enabled: Bool
    private let terminal = CommandSupport.stderrIsTerminal
    private let glyphs: (full: String, empty: String) = CommandSupport.localeIsUTF8 ? ("█", "░") : ("#", "-")
    private var lastDraw = ContinuousClock.now - .seconds(1)
    private var epochStart = ContinuousClock.now
    private var drewBar = false

    init(totalEpochs: Int, stepsPerEpoch: Int, enabled: Bool) {
        self.totalEpochs = totalEpochs
        self.stepsPerEpoch = stepsPerEpoch
        self.enabled = enabled
    }

    func handle(_ event: TrainingEvent) {
        guard enabled else { return }
        switch event {
        case let .step(epoch, step, _, loss):
            if step == 1 { epochStart = .now }
            guard terminal else { return }
            let now = ContinuousClock.now
            guard now - lastDraw >= .milliseconds(100) || step == stepsPerEpoch else { return }
            lastDraw = now
            let width = 24
            let filled = stepsPerEpoch > 0 ? width * step / stepsPerEpoch : width
            let bar = String(repeating: glyphs.full, count: filled) + String(repeating: glyphs.empty, count: width - filled)
            CommandSupport.writeStderr("\r\u{1B}[2Kepoch \(epoch)/\(totalEpochs) \(bar) step \(step)/\(stepsPerEpoch)  loss \(String(format: "%.4f", loss))")
            drewBar = true
        case let .epochEnd(m):
            let seconds = Double((ContinuousClock.now - epochStart).components.attoseconds) / 1e18
                + Double((ContinuousClock.now - epochStart).components.seconds)
            var line = "epoch \(m.epoch)/\(totalEpochs)  train loss \(String(format: "%.4f", m.trainLoss)) acc \(CommandSupport.percent(m.trainAccuracy))"
            if let vl = m.validationLoss, let va = m.validationAccuracy {
                line += "  validation loss \(String(format: "%.4f", vl)) acc \(CommandSupport.percent(va))"
            }
            line += String(format: "  (%.2f s)", seconds)
            CommandSupport.writeStderr((terminal && drewBar ? "\r\u{1B}[2K" : "") + line + "\n")
            drewBar = false
        }
    }
}

/// Turns Ctrl-C (SIGINT) into a flag that long work polls, so it can stop
/// cleanly instead of dying mid-step.
final class InterruptFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var raised = false
    private var source: (any DispatchSourceSignal)?

    /// Starts catching SIGINT until the process ends.
    init() {
        signal(SIGINT, SIG_IGN)
        let s = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        s.setEventHandler { [weak self] in self?.raise() }
        s.resume()
        source = s
    }

    private func raise() {
        lock.lock()
        raised = true
        lock.unlock()
    }

    /// True once Ctrl-C was pressed.
    var isRaised: Bool {
        lock.lock()
        defer { lock.unlock() }
        return raised
    }
}
