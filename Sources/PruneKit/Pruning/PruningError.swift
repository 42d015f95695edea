/// Why a pruning request, schedule or session operation cannot be carried out.
///
/// `description` is one line, `<what>: <problem>`, written for the person who
/// gave the parameter (the CLI prints it as `prunescope: <description>`).
public struct PruningError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The parameter, tensor or file at fault (e.g. "--sparsity", "fc1.weight").
    public let subject: String
    /// What is wrong with it.
    public let problem: String

    public init(_ subject: String, _ problem: String) {
        self.subject = subject
        self.problem = problem
    }

    public var description: String { "\(subject): \(problem)" }

    /// Checks that a fraction lies in [0, 1) and is finite.
    static func checkFraction(_ value: Double, _ subject: String) throws {
        guard value.isFinite, value >= 0, value < 1 else {
            throw PruningError(subject, "\(value) is outside [0, 1)")
        }
    }
}
