/// One history step's robustness and privacy figures.
public struct StepRobustness: Sendable, Equatable, Codable {
    /// The step's position in the history.
    public var step: Int
    /// Sparsity of the prunable weights at the step.
    public var prunableSparsity: Double
    /// The figures.
    public var report: RobustnessReport
    /// The box attacked and noisy inputs were clipped to.
    public var range: InputRange

    public init(step: Int, prunableSparsity: Double, report: RobustnessReport, range: InputRange) {
        self.step = step
        self.prunableSparsity = prunableSparsity
        self.report = report
        self.range = range
    }
}

extension PruningSession {
    /// The model as it was at step `index`: a copy with that step's values
    /// and masks (the session's own model is not touched).
    public func model(atStep index: Int) -> Model {
        let copy = model.copy()
        snapshots[index].restore(into: copy)
        return copy
    }

    /// Robustness and privacy of every step from the start to the current
    /// one, each measured on a copy of the step's model, inputs clipped to
    /// `range` (by default the range covering both data sets); empty when
    /// the session has no training or validation data.
    public func robustness(
        settings: RobustnessSettings, range: InputRange? = nil, onStep: (StepRobustness) -> Void = { _ in }
    ) throws -> [StepRobustness] {
        guard let train, let validation else { return [] }
        let range = range ?? InputRange.covering([train, validation])
        return try (0...cursor).map { index in
            let report = try RobustnessReport.measure(
                model(atStep: index), train: train, validation: validation, settings: settings, range: range)
            let figures = StepRobustness(
                step: index, prunableSparsity: steps[index].metrics.prunableSparsity, report: report, range: range)
            onStep(figures)
            return figures
        }
    }
}
