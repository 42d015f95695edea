import PruneKit

/// A goal a lesson task names, from a small closed set. Each is a cheap
/// read of the live explorer state (no pass over weights, no job): the
/// explorer checks the current task's goal after every event.
public enum LessonPredicate: Sendable, Equatable {
    /// The explorer shows this screen (written as its number, `onScreen(5)`).
    case onScreen(ExplorerModel.Screen)
    /// Layer `name` is at least this sparse, in the preview if one is shown, else applied.
    case layerSparsityAtLeast(String, Double)
    /// Layer `name` is at least this sparse in the current step (applied).
    case appliedLayerSparsityAtLeast(String, Double)
    /// All prunable weights together, preview or applied.
    case sparsityAtLeast(Double)
    /// All prunable weights together, applied.
    case appliedSparsityAtLeast(Double)
    case scopeIs(Scope)
    case criterionIs(ExplorerControls.CriterionChoice)
    case granularityIs(ExplorerControls.GranularityChoice)
    case scheduleIs(ExplorerControls.ScheduleChoice)
    /// The L1 lambda of retraining is at least this.
    case l1AtLeast(Double)
    /// Retraining runs at least `n` epochs (options).
    case retrainEpochsAtLeast(Int)
    /// Retraining's learning rate is at least this (options).
    case learningRateAtLeast(Double)
    /// The lottery schedule rewinds to iteration `k` (0: init).
    case rewindIs(Int)
    /// A preview was applied (Enter) since the task began.
    case applied
    /// A retrain finished since the task began.
    case retrainedOnce
    /// At least `n` retrains finished since the task began.
    case retrainedAtLeast(Int)
    /// A regularise step (retrain with L1 > 0) finished since the task began.
    case regularised
    /// A schedule of this kind ran to its end since the task began.
    case scheduleRan(ExplorerControls.ScheduleChoice)
    /// A sensitivity sweep finished since the task began.
    case sensitivityRan
    /// The current step is the start (step 0).
    case atStart
    /// The current step is at least step `n` of the history.
    case stepsAtLeast(Int)
    /// The current step is step `n` (a jump on the history screen).
    case atStep(Int)
    /// The `x` explanation panel is open.
    case explainOpen
    /// The histogram counts are on a log scale (`L`).
    case histogramLog
    /// The Model box shows a measured sparse-vs-dense speed.
    case speedMeasured
    /// The robustness screen shows the current step's measured figures.
    case robustnessMeasured

    /// A predicate that does not parse: the text and why.
    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public var text: String
        public var problem: String
        public var description: String { "goal '\(text)': \(problem)" }
    }

    /// Names and argument counts of the set, for messages and documentation.
    public static let known: [(name: String, arguments: String)] = [
        ("onScreen", "n"), ("layerSparsityAtLeast", "layer, fraction"), ("appliedLayerSparsityAtLeast", "layer, fraction"),
        ("sparsityAtLeast", "fraction"), ("appliedSparsityAtLeast", "fraction"), ("scopeIs", "layer|global"),
        ("criterionIs", "criterion"), ("granularityIs", "granularity"), ("scheduleIs", "schedule"), ("l1AtLeast", "lambda"),
        ("retrainEpochsAtLeast", "n"), ("learningRateAtLeast", "rate"), ("rewindIs", "k"), ("applied", ""), ("retrainedOnce", ""), ("retrainedAtLeast", "n"), ("regularised", ""),
        ("scheduleRan", "schedule"), ("sensitivityRan", ""), ("atStart", ""), ("stepsAtLeast", "n"), ("atStep", "n"), ("explainOpen", ""),
        ("histogramLog", ""),
        ("speedMeasured", ""), ("robustnessMeasured", ""),
    ]

    /// Parses `name` or `name(arg, arg)`.
    public static func parse(_ text: String) throws -> LessonPredicate {
        let t = text.trimmingCharacters(in: .whitespaces)
        func fail(_ p: String) -> ParseError { ParseError(text: text, problem: p) }
        var name = t
        var args = [String]()
        if let open = t.firstIndex(of: "(") {
            guard t.hasSuffix(")") else { throw fail("missing ')'") }
            name = String(t[..<open])
            let inner = t[t.index(after: open)..<t.index(before: t.endIndex)]
            args = inner.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        guard let entry = known.first(where: { $0.name == name }) else {
            throw fail("unknown predicate '\(name)' (known: \(known.map(\.name).joined(separator: ", ")))")
        }
        let wanted = entry.arguments.isEmpty ? 0 : entry.arguments.split(separator: ",").count
        guard args.count == wanted else {
            throw fail("\(name) takes \(wanted == 0 ? "no arguments" : "(\(entry.arguments))"), got \(args.count)")
        }
        func fraction(_ s: String) throws -> Double {
            guard let v = Double(s), v >= 0, v <= 1 else { throw fail("'\(s)' is not a fraction in [0, 1]") }
            return v
        }
        func count(_ s: String) throws -> Int {
            guard let v = Int(s), v >= 0 else { throw fail("'\(s)' is not a whole number >= 0") }
            return v
        }
        func choice<T: RawRepresentable & CaseIterable>(_ s: String, _: T.Type) throws -> T where T.RawValue == String {
            guard let v = T(rawValue: s) else {
                throw fail("'\(s)' is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return v
        }
        switch name {
        case "onScreen":
            let n = try count(args[0])
            let last = ExplorerModel.Screen.allCases.map(\.rawValue).max() ?? 1
            guard let screen = ExplorerModel.Screen(rawValue: n) else { throw fail("screen \(n) does not exist (1-\(last))") }
            return .onScreen(screen)
        case "layerSparsityAtLeast": return .layerSparsityAtLeast(args[0], try fraction(args[1]))
        case "appliedLayerSparsityAtLeast": return .appliedLayerSparsityAtLeast(args[0], try fraction(args[1]))
        case "sparsityAtLeast": return .sparsityAtLeast(try fraction(args[0]))
        case "appliedSparsityAtLeast": return .appliedSparsityAtLeast(try fraction(args[0]))
        case "scopeIs":
            switch args[0] {
            case "layer": return .scopeIs(.layer)
            case "global": return .scopeIs(.global)
            default: throw fail("'\(args[0])' is not layer or global")
            }
        case "criterionIs": return .criterionIs(try choice(args[0], ExplorerControls.CriterionChoice.self))
        case "granularityIs": return .granularityIs(try choice(args[0], ExplorerControls.GranularityChoice.self))
        case "scheduleIs": return .scheduleIs(try choice(args[0], ExplorerControls.ScheduleChoice.self))
        case "scheduleRan": return .scheduleRan(try choice(args[0], ExplorerControls.ScheduleChoice.self))
        case "l1AtLeast":
            guard let v = Double(args[0]), v >= 0 else { throw fail("'\(args[0])' is not a lambda >= 0") }
            return .l1AtLeast(v)
        case "rewindIs": return .rewindIs(try count(args[0]))
        case "retrainEpochsAtLeast": return .retrainEpochsAtLeast(try count(args[0]))
        case "learningRateAtLeast":
            guard let v = Double(args[0]), v > 0 else { throw fail("'\(args[0])' is not a learning rate > 0") }
            return .learningRateAtLeast(v)
        case "retrainedAtLeast": return .retrainedAtLeast(try count(args[0]))
        case "stepsAtLeast": return .stepsAtLeast(try count(args[0]))
        case "atStep": return .atStep(try count(args[0]))
        case "applied": return .applied
        case "retrainedOnce": return .retrainedOnce
        case "regularised": return .regularised
        case "sensitivityRan": return .sensitivityRan
        case "atStart": return .atStart
        case "explainOpen": return .explainOpen
        case "histogramLog": return .histogramLog
        case "robustnessMeasured": return .robustnessMeasured
        default: return .speedMeasured
        }
    }

    /// Whether the goal holds in `model`, given the jobs finished since the task began.
    public func holds(in model: ExplorerModel, since events: [LessonEvent]) -> Bool {
        func shown(_ layer: String) -> Double? {
            guard let tensor = model.layers.first(where: { $0.name == layer || $0.tensor == layer })?.tensor else { return nil }
            let metrics = model.previewMetrics ?? model.session.metrics
            return metrics.tensors.first { $0.name == tensor }?.sparsity
        }
        func applied(_ layer: String) -> Double? {
            guard let tensor = model.layers.first(where: { $0.name == layer || $0.tensor == layer })?.tensor else { return nil }
            return model.session.metrics.tensors.first { $0.name == tensor }?.sparsity
        }
        // Sparsities compared to a tenth of a point: the slider moves in such steps.
        let slack = 5e-4
        switch self {
        case .onScreen(let screen): return model.screen == screen
        case .layerSparsityAtLeast(let l, let v): return (shown(l) ?? -1) + slack >= v
        case .appliedLayerSparsityAtLeast(let l, let v): return (applied(l) ?? -1) + slack >= v
        case .sparsityAtLeast(let v): return (model.previewMetrics ?? model.session.metrics).prunableSparsity + slack >= v
        case .appliedSparsityAtLeast(let v): return model.session.metrics.prunableSparsity + slack >= v
        case .scopeIs(let s): return model.controls.scope == s
        case .criterionIs(let c): return model.controls.criterion == c
        case .granularityIs(let g): return model.controls.granularity == g
        case .scheduleIs(let s): return model.controls.schedule == s
        case .l1AtLeast(let v): return Double(model.controls.l1Lambda) >= v * (1 - 1e-6)
        case .rewindIs(let k): return model.controls.rewindIteration == k
        case .retrainEpochsAtLeast(let n): return model.controls.retrainEpochs >= n
        case .learningRateAtLeast(let v): return Double(model.controls.learningRate) >= v * (1 - 1e-6)
        case .applied: return events.contains(.applied)
        case .retrainedOnce: return events.contains(.retrained)
        case .retrainedAtLeast(let n): return events.filter { $0 == .retrained }.count >= n
        case .regularised: return events.contains(.regularised)
        case .scheduleRan(let s): return events.contains(.schedule(s))
        case .sensitivityRan: return events.contains(.sensitivity)
        case .atStart: return model.session.cursor == 0
        case .stepsAtLeast(let n): return model.session.cursor >= n
        case .atStep(let n): return model.session.cursor == n
        case .explainOpen: return model.showsExplanation
        case .histogramLog: return model.logScale
        case .speedMeasured: return !(model.inference.value ?? []).isEmpty
        case .robustnessMeasured: return model.screen == .robustness && model.currentRobustness != nil
        }
    }
}

/// A job that finished, as the lesson goals count it.
public enum LessonEvent: Sendable, Equatable, Codable {
    case applied, retrained, regularised, sensitivity
    case schedule(ExplorerControls.ScheduleChoice)
}

extension ExplorerControls.ScheduleChoice: Codable {}
