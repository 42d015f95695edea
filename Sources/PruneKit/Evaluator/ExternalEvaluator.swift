import Foundation
import Synchronization

/// How to run an evaluator.
public struct EvaluatorSettings: Sendable, Equatable {
    /// A shell command line (`/bin/sh -c`), e.g.
    /// `python3 evaluators/numpy_mlp.py --model SampleModels/digits-mlp`.
    public var command: String
    /// Seconds to wait for the hello (imports, loading a model and data).
    public var startupTimeout: Double
    /// Seconds to wait for each evaluation's answer.
    public var timeout: Double
    /// Where its stderr is appended.
    public var logPath: String

    public init(command: String, startupTimeout: Double = 120, timeout: Double = 300, logPath: String? = nil) {
        self.command = command
        self.startupTimeout = startupTimeout
        self.timeout = timeout
        self.logPath =
            logPath ?? FileManager.default.temporaryDirectory.appendingPathComponent("prunescope-evaluator.log").path
    }
}

/// The user's own evaluation, run as a child process that speaks
/// PruneScope's evaluator protocol (docs/evaluator-protocol.md).
///
/// One request at a time: callers on several threads queue on the lock.
/// A failed evaluator (exit, hang past the timeout, garbage) is stopped and
/// the error says why; the next call starts it again, so `restart` is only
/// needed to start afresh on purpose. Nothing here can take the caller's
/// process down: writes to a dead evaluator fail instead of raising SIGPIPE.
public final class ExternalEvaluator: Sendable {
    public let settings: EvaluatorSettings
    /// Masks and weights files live here while a request uses them.
    private let directory: String
    private let state = Mutex(State())

    private struct State: ~Copyable, Sendable {
        var process: EvaluatorProcess?
        var hello: EvaluatorHello?
        var nextID = 1
        /// The weights file last written, by the caller's key.
        var weights: (key: String, path: String)?
    }

    public init(settings: EvaluatorSettings) throws {
        self.settings = settings
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "prunescope-evaluator-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        directory = url.path
    }

    deinit {
        state.withLock { s in
            if let p = s.process {
                _ = p.transmit(EvaluatorRequest.shutdown.line)
                p.stop()
            }
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Starts the evaluator if it is not running and returns its hello.
    @discardableResult
    public func start() throws(ExternalEvaluatorError) -> EvaluatorHello {
        try state.withLock { (s) throws(ExternalEvaluatorError) -> EvaluatorHello in try running(&s).hello }
    }

    /// Stops the evaluator (if running) and starts it again.
    @discardableResult
    public func restart() throws(ExternalEvaluatorError) -> EvaluatorHello {
        try state.withLock { (s) throws(ExternalEvaluatorError) -> EvaluatorHello in
            s.process?.stop()
            s.process = nil
            s.hello = nil
            s.weights = nil
            return try running(&s).hello
        }
    }

    /// Evaluates with `masks` (`<tensor>_mask` U8 entries, as export writes
    /// them; tensors without one are unmasked) and, when given, `weights`
    /// replacing the model's own. `weightsKey` names the weights' version:
    /// the same key reuses the file already written.
    ///
    /// - Returns: the result, or nil when `isCancelled` turned true first
    ///   (the evaluator is told to cancel; one that does not stop within
    ///   two seconds is stopped and restarted on the next call).
    public func evaluate(
        masks: [SafetensorsEntry], weights: (key: String, entries: () -> [SafetensorsEntry])? = nil, limit: Int? = nil,
        isCancelled: () -> Bool = { false }
    ) throws(ExternalEvaluatorError) -> EvaluatorResult? {
        try state.withLock { (s) throws(ExternalEvaluatorError) -> EvaluatorResult? in
            let (process, hello) = try running(&s)
            let id = s.nextID
            s.nextID += 1
            let masksPath = "\(directory)/masks-\(id).safetensors"
            defer { unlink(masksPath) }
            do {
                try SafetensorsWriter.write(masks, metadata: ["format": "pt", "mask_convention": "1 keep, 0 pruned"], to: masksPath)
                if let weights, s.weights?.key != weights.key {
                    if let old = s.weights { unlink(old.path) }
                    s.weights = nil
                    let path = "\(directory)/weights-\(id).safetensors"
                    try SafetensorsWriter.write(weights.entries(), metadata: ["format": "pt"], to: path)
                    s.weights = (weights.key, path)
                }
            } catch {
                throw failure(.cannotStart("cannot write its input files: \(error)"))
            }
            let request = EvaluatorRequest.evaluate(id: id, masks: masksPath, weights: weights == nil ? nil : s.weights?.path, limit: limit)
            guard process.transmit(request.line) else { throw fail(&s, .exited(process.exitDescription())) }
            let deadline = monotonicSeconds() + settings.timeout
            var cancelSent = false
            var cancelDeadline = Double.infinity
            while true {
                let read = process.readLine(deadline: min(deadline, cancelDeadline)) { !cancelSent && isCancelled() }
                switch read {
                case .cancelled:
                    cancelSent = true
                    cancelDeadline = monotonicSeconds() + 2
                    guard process.transmit(EvaluatorRequest.cancel(id: id).line) else {
                        throw fail(&s, .exited(process.exitDescription()))
                    }
                    continue
                case .timedOut:
                    if cancelSent {
                        stop(&s)
                        return nil
                    }
                    throw fail(&s, .timedOut(seconds: settings.timeout, during: "evaluate #\(id)"))
                case .closed:
                    throw fail(&s, .exited(process.exitDescription() + " during evaluate #\(id)"))
                case .tooLong:
                    throw fail(&s, .garbage("printed a line over 1 MiB"))
                case .line(let text):
                    switch EvaluatorAnswer.decode(text) {
                    case .failure(let not):
                        throw fail(&s, .garbage("printed \(not.why): \(Self.excerpt(text))"))
                    case .success(.result(let answered, let result)) where answered == id:
                        if cancelSent { return nil }
                        let missing = hello.metrics.map(\.name).filter { result.metrics[$0] == nil }
                        guard missing.isEmpty else {
                            throw fail(&s, .protocolViolation("result #\(id) lacks \(missing.joined(separator: ", "))"))
                        }
                        return result
                    case .success(.cancelled(let answered)) where answered == id:
                        return nil
                    case .success(.error(let answered, let message)) where answered == id:
                        if cancelSent { return nil }
                        throw failure(.reported(message))
                    case .success(.error(nil, let message)):
                        throw fail(&s, .reported(message))
                    case .success(let other):
                        throw fail(&s, .protocolViolation("answered evaluate #\(id) with \(Self.describe(other))"))
                    }
                }
            }
        }
    }

    /// The running process and its hello, starting it when needed.
    private func running(_ s: inout State) throws(ExternalEvaluatorError) -> (process: EvaluatorProcess, hello: EvaluatorHello) {
        if let p = s.process, let h = s.hello { return (p, h) }
        let process: EvaluatorProcess
        do {
            process = try EvaluatorProcess(command: settings.command, logPath: settings.logPath)
        } catch {
            throw failure(error)
        }
        s.process = process
        s.weights = nil
        let read = process.readLine(deadline: monotonicSeconds() + settings.startupTimeout) { false }
        switch read {
        case .line(let text):
            switch EvaluatorAnswer.decode(text) {
            case .success(.hello(let hello, let version)):
                guard version == EvaluatorProtocol.version else {
                    throw fail(&s, .protocolViolation("speaks protocol \(version); this PruneScope speaks \(EvaluatorProtocol.version)"))
                }
                s.hello = hello
                return (process, hello)
            case .success(.error(_, let message)):
                throw fail(&s, .reported(message))
            case .success(let other):
                throw fail(&s, .protocolViolation("began with \(Self.describe(other)) instead of hello"))
            case .failure(let not):
                throw fail(&s, .garbage("printed \(not.why) instead of hello: \(Self.excerpt(text))"))
            }
        case .closed: throw fail(&s, .exited(process.exitDescription() + " before its hello"))
        case .timedOut: throw fail(&s, .timedOut(seconds: settings.startupTimeout, during: "start (no hello)"))
        case .tooLong: throw fail(&s, .garbage("printed a line over 1 MiB instead of hello"))
        case .cancelled: throw fail(&s, .exited("was cancelled before its hello"))
        }
    }

    private func stop(_ s: inout State) {
        s.process?.stop()
        s.process = nil
        s.hello = nil
        s.weights = nil
    }

    /// Stops the evaluator and makes the error for `what`.
    private func fail(_ s: inout State, _ what: EvaluatorFailure) -> ExternalEvaluatorError {
        stop(&s)
        return failure(what)
    }

    func failure(_ what: EvaluatorFailure) -> ExternalEvaluatorError {
        let command = settings.command.count > 60 ? settings.command.prefix(57) + "..." : settings.command
        return ExternalEvaluatorError(
            command: Format.escapingControlCharacters(String(command)), failure: what, logPath: settings.logPath)
    }

    private static func excerpt(_ text: String) -> String {
        let short = text.count > 60 ? text.prefix(57) + "..." : Substring(text)
        return "'" + Format.escapingControlCharacters(String(short)) + "'"
    }

    private static func describe(_ answer: EvaluatorAnswer) -> String {
        switch answer {
        case .hello: "a second hello"
        case .result(let id, _): "a result for #\(id)"
        case .cancelled(let id): "cancelled #\(id)"
        case .error(let id, _): "an error for #\(id.map(String.init) ?? "-")"
        }
    }
}
