import ArgumentParser
import Foundation
import PruneKit
#if canImport(Glibc)
import Glibc
#endif

/// Helpers shared by the `prune` and `sensitivity` commands.
enum PruneCLI {
    /// Runs `body`; any error is printed as one line `prunescope: <error>`
    /// on stderr and the process exits with status 1.
    static func guarded(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let e as ExitCode {
            throw e
        } catch {
            FileHandle.standardError.write(Data("prunescope: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }

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
    static func tensors(_ spec: String?, model: Model, includeBiases: Bool) throws -> [String] {
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
                throw PruningError("--layers", "no layer or tensor named '\(name)' (layers: \(layers))")
            }
        }
        return out
    }
}

/// A one-line progress bar on stderr, redrawn at most every 100 ms on a
/// terminal; plain phase lines when stderr is not a terminal.
final class ProgressBar {
    private let isTTY = isatty(2) != 0
    private var lastDraw = ContinuousClock.now
    private var lastMessage = ""
    private let enabled: Bool

    init(enabled: Bool = true) { self.enabled = enabled }

    func update(_ fraction: Double, _ message: String, force: Bool = false) {
        guard enabled else { return }
        let now = ContinuousClock.now
        if isTTY {
            guard force || now - lastDraw > .milliseconds(100) else { return }
            lastDraw = now
            let width = 30
            let f = min(max(fraction, 0), 1)
            let filled = Int((f * Double(width)).rounded())
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            let line = "\r[\(bar)] \(String(format: "%5.1f", f * 100)) % \(message)"
            FileHandle.standardError.write(Data((line.padding(toLength: max(line.count, 80), withPad: " ", startingAt: 0)).utf8))
        } else if message != lastMessage {
            lastMessage = message
            FileHandle.standardError.write(Data("[\(String(format: "%5.1f", min(max(fraction, 0), 1) * 100)) %] \(message)\n".utf8))
        }
    }

    func finish() {
        guard enabled, isTTY else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}

/// Formats a fraction as a percentage with two decimals.
func percent(_ x: Double?) -> String {
    guard let x else { return "n/a" }
    return String(format: "%.2f %%", 100 * x)
}
