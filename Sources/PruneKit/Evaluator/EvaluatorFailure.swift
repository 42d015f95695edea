/// Why talking to an evaluator failed, in words for one line (the caller
/// adds which evaluator and where its log is: `ExternalEvaluatorError`).
public enum EvaluatorFailure: Error, Equatable, Sendable {
    case cannotStart(String)
    /// It exited (or closed stdout); the text says how.
    case exited(String)
    case timedOut(seconds: Double, during: String)
    /// It printed something that is not an answer.
    case garbage(String)
    /// It answered, but not what the protocol allows here.
    case protocolViolation(String)
    /// It reported an error for the request.
    case reported(String)

    var text: String {
        switch self {
        case .cannotStart(let why): why
        case .exited(let how): how
        case .timedOut(let seconds, let during):
            "gave no answer to \(during) within \(Format.decimal(seconds)) s; stopped it"
        case .garbage(let what): what
        case .protocolViolation(let what): what
        case .reported(let message): "reported: \(Format.escapingControlCharacters(message))"
        }
    }
}

/// An evaluator failure with who failed and where to look: one line.
public struct ExternalEvaluatorError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The command, shortened for the line.
    public var command: String
    public var failure: EvaluatorFailure
    /// Its stderr.
    public var logPath: String

    public var description: String {
        "evaluator '\(command)': \(failure.text) (its stderr: \(logPath))"
    }
}
