import ArgumentParser
import PruneKit

/// `prune`'s options for pruning that adapts: per-layer amounts from
/// sensitivity, the accuracy-guided schedule, and network surgery.
struct AdaptiveOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "sensitivity: choose per-layer sparsities reaching --sparsity overall with the least predicted damage.",
            valueName: "method"))
    var allocate: String?
    @Option(name: .customLong("max-layer-sparsity"), help: "Allocation: no layer above this sparsity (the guard against layer collapse).")
    var maxLayerSparsity = 0.99
    @Option(
        name: .customLong("allocation-damage"), help: "Allocation: minimise the predicted accuracy drop or loss increase (accuracy | loss)."
    )
    var allocationDamage = "accuracy"
    @Option(
        name: .customLong("max-drop"),
        help:
            "Adaptive: accuracy points the run may lose against its start (default: \(Format.decimal(ScheduleDefaults.adaptiveMaxDrop * 100, digits: 0)))."
    )
    var maxDrop: Double?
    @Option(
        name: .customLong("initial-step"),
        help: "Adaptive: fraction of the remaining weights the first step prunes (default: \(ScheduleDefaults.adaptiveInitialStep)).")
    var initialStep: Double?
    @Option(
        name: .customLong("max-attempts"),
        help: "Adaptive: prune-retrain attempts at most, back-offs included (default: \(ScheduleDefaults.adaptiveMaxAttempts)).")
    var maxAttempts: Int?
    @Flag(help: "Network surgery while retraining: pruned weights keep learning and return above an upper threshold.")
    var splicing = false
    @Option(name: .customLong("splice-every"), help: "Splicing: optimiser steps between mask updates.")
    var spliceEvery = SplicingSettings().interval
    @Option(name: .customLong("splice-margin"), help: "Splicing: half-width of the band around the threshold, a fraction of it.")
    var spliceMargin = SplicingSettings().margin

    /// The allocation damage, or an error naming the option.
    func damage() throws -> SensitivityAllocation.Damage {
        guard let damage = SensitivityAllocation.Damage(rawValue: allocationDamage.lowercased()) else {
            throw PruningError("--allocation-damage", "unknown '\(allocationDamage)' (accuracy, loss)")
        }
        return damage
    }

    /// Whether `--allocate` was given; refuses methods other than sensitivity.
    func allocates() throws -> Bool {
        guard let allocate else { return false }
        guard allocate.lowercased() == "sensitivity" else {
            throw PruningError("--allocate", "unknown method '\(allocate)' (sensitivity)")
        }
        return true
    }

    /// The adaptive schedule these options describe.
    func adaptiveSchedule() throws -> Schedule {
        let drop = maxDrop ?? ScheduleDefaults.adaptiveMaxDrop * 100
        guard drop.isFinite, drop >= 0, drop < 100 else { throw PruningError("--max-drop", "\(drop) points must be in [0, 100)") }
        return .adaptive(
            maxDrop: drop / 100, initialStep: initialStep ?? ScheduleDefaults.adaptiveInitialStep,
            maxAttempts: maxAttempts ?? ScheduleDefaults.adaptiveMaxAttempts)
    }

    /// Splicing settings, if `--splicing` was given.
    var splicingSettings: SplicingSettings? {
        splicing ? SplicingSettings(interval: spliceEvery, margin: spliceMargin) : nil
    }

    /// Options given that only mean something with another option.
    func checkCombinations(schedule: String) throws {
        if schedule != "adaptive" {
            for (given, name) in [
                (maxDrop != nil, "--max-drop"), (initialStep != nil, "--initial-step"), (maxAttempts != nil, "--max-attempts"),
            ]
            where given {
                throw PruningError(name, "applies to --schedule adaptive only")
            }
        }
        if splicing, schedule == "one-shot" || schedule == "oneshot" {
            throw PruningError("--splicing", "splices while retraining; one-shot does not retrain (use iterative or adaptive)")
        }
    }
}
