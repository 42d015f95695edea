import ArgumentParser
import Foundation
import PruneKit

/// Parsing of the options the `prune` and `sensitivity` commands share.
enum PruneOptions {
    /// Parses "0.1,0.3,0.5" into fractions, each in [0, 1).
    static func fractions(_ text: String, option: String) throws -> [Double] {
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !parts.isEmpty else { throw PruningError(option, "give a comma-separated list such as 0.1,0.5,0.9") }
        return try parts.map { p in
            guard let v = Double(p) else { throw PruningError(option, "'\(p)' is not a number") }
            try checkFraction(v, option)
            return v
        }
    }

    static func checkFraction(_ v: Double, _ option: String) throws {
        guard v.isFinite, v >= 0, v < 1 else { throw PruningError(option, "\(v) is outside [0, 1)") }
    }

    /// Resolves `--layers` entries: a layer name means its weight tensor
    /// (and its bias with `includeBiases`); a tensor name is taken as is.
    /// `option` names the option in errors (`--layers`, `--layer-sparsity`).
    static func tensors(_ spec: String?, model: Model, includeBiases: Bool, option: String = "--layers") throws -> [String] {
        guard let spec, !spec.isEmpty else {
            guard includeBiases else { return [] }
            return Topology(model: model).couplings.flatMap { [$0.weight] + ($0.bias.map { [$0] } ?? []) }
        }
        var out = [String]()
        for raw in spec.split(separator: ",") {
            let name = raw.trimmingCharacters(in: .whitespaces)
            if model.parameter(named: name) != nil {
                out.append(name)
            } else if let layer = model.layers.first(where: { $0.name == name }), let w = layer.weight {
                out.append(w.name)
                if includeBiases, let b = layer.bias { out.append(b.name) }
            } else {
                let layers = model.layers.filter { !$0.parameters.isEmpty }.map(\.name).joined(separator: ", ")
                throw PruningError(option, "no layer or tensor named '\(name)' (layers: \(layers))")
            }
        }
        return out
    }
}
