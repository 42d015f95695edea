import Foundation
import PruneKit

extension PruneCommand {
    /// One step's robustness and privacy figures on one line, for the terminal.
    static func robustnessLine(_ f: StepRobustness) -> String {
        func pct(_ x: Double) -> String { Format.percent(x, digits: 2) }
        func number(_ x: Float) -> String { String(format: "%g", Double(x)) }
        let r = f.report
        var parts = ["clean \(pct(r.clean.accuracy))"]
        parts += r.fgsm.map { "FGSM \(number($0.epsilon)) \(pct($0.accuracy))" }
        parts += r.pgd.map { "PGD \(number($0.epsilon)) \(pct($0.accuracy))" }
        parts += r.noise.map { "noise \(number($0.sigma)) \(pct($0.accuracy))" }
        if let m = r.membership { parts.append("membership AUC \(String(format: "%.3f", m.auc))") }
        return "robustness step \(f.step) (\(pct(f.prunableSparsity)) sparse): " + parts.joined(separator: ", ")
    }
}
