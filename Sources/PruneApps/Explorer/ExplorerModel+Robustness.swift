import PruneKit
import PruneTUI

/// One history step's robustness and privacy figures, with the step as it
/// was when they were measured (a step replaced after an undo is not it).
public struct RobustnessFigures: Sendable, Equatable {
    /// The step as it was when measured.
    public var step: HistoryStep
    /// Its figures.
    public var report: RobustnessReport
}

/// Robustness and privacy per history step, measured in the background one
/// step at a time while the robustness screen is shown, and kept by step.
///
/// A figure belongs to step `i` only while the history's step `i` is the
/// one it was measured for; a replaced step is measured again.
public struct RobustnessCache: Sendable {
    /// The measurement in flight.
    public struct Flight: Sendable, Equatable {
        /// The history index being measured.
        public var step: Int
        /// The launch it belongs to.
        public var generation: Int
    }

    /// What every step is measured with: the `prunescope robustness` defaults.
    public static let settings = RobustnessSettings()

    /// Figures by step index (check `figures(for:at:)` before use).
    public internal(set) var byStep: [Int: RobustnessFigures] = [:]
    public internal(set) var inFlight: Flight?
    /// Counts launches: a result of another generation is stale.
    public internal(set) var generation = 0

    /// The figures of `step` at index `index`, if measured for that very step.
    public func figures(for step: HistoryStep, at index: Int) -> RobustnessReport? {
        guard let f = byStep[index], f.step == step else { return nil }
        return f.report
    }

    /// Clears the flight of `generation`; returns whether it was the one in flight.
    mutating func finish(generation g: Int) -> Bool {
        guard inFlight?.generation == g else { return false }
        inFlight = nil
        return true
    }
}

extension ExplorerModel {
    /// The current step's figures, once measured.
    var currentRobustness: RobustnessReport? { robustness.figures(for: session.current, at: session.cursor) }

    /// Whether robustness can be measured here (it needs both data sets).
    var measuresRobustness: Bool { (info.train?.count ?? 0) > 0 && (info.validation?.count ?? 0) > 0 }

    /// The next measurement, when the robustness screen is shown, no job runs
    /// and none is in flight: the current step first, then the others in order.
    mutating func launchRobustness() -> ExplorerEffect? {
        guard screen == .robustness, job == nil, robustness.inFlight == nil, measuresRobustness else { return nil }
        let history = session.history
        let missing = ([session.cursor] + Array(history.indices)).first { robustness.figures(for: history[$0], at: $0) == nil }
        guard let step = missing else { return nil }
        robustness.generation += 1
        robustness.inFlight = RobustnessCache.Flight(step: step, generation: robustness.generation)
        return .measureRobustness(step: step, generation: robustness.generation)
    }

    /// The one rule for stopping: a measurement in flight is cancelled as
    /// soon as its screen is left or a job starts (the job gets the CPU and
    /// is never touched); it is launched again on a later tick.
    mutating func stopUnwantedRobustness() {
        guard let flight = robustness.inFlight, screen != .robustness || job != nil else { return }
        _ = robustness.finish(generation: flight.generation)
        emit(.cancelRobustness)
    }

    mutating func receiveRobustness(generation: Int, step: Int, measured: HistoryStep, report: RobustnessReport) {
        guard robustness.finish(generation: generation) else { return }
        robustness.byStep[step] = RobustnessFigures(step: measured, report: report)
        // Figures of steps that were replaced since are dropped.
        robustness.byStep = robustness.byStep.filter { index, f in
            session.history.indices.contains(index) && session.history[index] == f.step
        }
    }
}
