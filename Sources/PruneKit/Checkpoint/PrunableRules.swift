import Foundation

/// Which tensors of a checkpoint may be pruned, by rules a person can read
/// and change.
///
/// Order of decision: an `exclude` pattern wins; then an `include` pattern
/// makes any floating-point tensor prunable; then, if `useDefaults`, the
/// default rules: 2-D weight matrices and 4-D convolution kernels are
/// prunable; embeddings, normalisation parameters (LayerNorm, BatchNorm,
/// `ln_*`, `norm`), biases, non-float and other-rank tensors are not.
///
/// Patterns are shell globs over the full tensor name (`*` and `?` also match
/// dots, `[abc]` classes), or regular expressions when prefixed with `re:`
/// (e.g. `re:layer\.(0|1)\.`, searched anywhere in the name).
public struct PrunableRules: Sendable, Equatable, Codable {
    /// Patterns whose tensors are prunable (if floating point).
    public var include: [String]
    /// Patterns whose tensors are never prunable; wins over `include`.
    public var exclude: [String]
    /// Whether the default shape/name rules apply to tensors no pattern names.
    public var useDefaults: Bool

    public init(include: [String] = [], exclude: [String] = [], useDefaults: Bool = true) {
        self.include = include
        self.exclude = exclude
        self.useDefaults = useDefaults
    }

    /// The default rules, no patterns.
    public static let `default` = PrunableRules()

    /// The verdict for one tensor and the reason, in words.
    public struct Decision: Sendable, Equatable {
        public var isPrunable: Bool
        public var reason: String
    }

    /// Decides whether the tensor `name` of `dtype` and `shape` is prunable.
    public func decide(name: String, dtype: DType, shape: [Int]) -> Decision {
        if let pattern = exclude.first(where: { PrunableRules.matches($0, name) }) {
            return Decision(isPrunable: false, reason: "excluded by pattern '\(pattern)'")
        }
        if let pattern = include.first(where: { PrunableRules.matches($0, name) }) {
            if !dtype.isFloatingPoint {
                return Decision(isPrunable: false, reason: "matches '\(pattern)' but holds \(dtype.rawValue) integers, not weights")
            }
            return Decision(isPrunable: true, reason: "included by pattern '\(pattern)'")
        }
        guard useDefaults else {
            return Decision(isPrunable: false, reason: "no include pattern matches (default rules off)")
        }
        return PrunableRules.defaultDecision(name: name, dtype: dtype, shape: shape)
    }

    /// Decides for a tensor described by `info`.
    public func decide(_ info: TensorInfo) -> Decision {
        decide(name: info.name, dtype: info.dtype, shape: info.shape)
    }

    /// Why the tensor is in or out, as one phrase ("prunable: 2-D weight matrix").
    public func explain(_ info: TensorInfo) -> String {
        let d = decide(info)
        return (d.isPrunable ? "prunable: " : "not prunable: ") + d.reason
    }

    /// Why the tensor `name` of `archive` is in or out; says so if there is no such tensor.
    public func explain(_ name: String, in archive: any TensorArchive) -> String {
        guard let info = archive.info(named: name) else { return "no tensor named \"\(name)\"" }
        return explain(info)
    }

    /// The names of `tensors` these rules make prunable, in order.
    public func prunable(_ tensors: [TensorInfo]) -> [TensorInfo] {
        tensors.filter { decide($0).isPrunable }
    }

    // MARK: - Default rules

    static func defaultDecision(name: String, dtype: DType, shape: [Int]) -> Decision {
        guard dtype.isFloatingPoint else {
            return Decision(isPrunable: false, reason: "\(dtype.rawValue) tensor holds integers, not weights")
        }
        let parts = name.lowercased().split(separator: ".")
        let last = parts.last ?? ""
        if last == "bias" || last.hasSuffix("_bias") || last == "b" || last == "beta" {
            return Decision(isPrunable: false, reason: "bias")
        }
        if parts.contains(where: isNormComponent) {
            return Decision(isPrunable: false, reason: "normalisation parameter")
        }
        if parts.contains(where: isEmbeddingComponent) {
            return Decision(isPrunable: false, reason: "embedding table")
        }
        if shape.contains(0) {
            return Decision(isPrunable: false, reason: "empty tensor")
        }
        switch shape.count {
        case 2: return Decision(isPrunable: true, reason: "2-D weight matrix")
        case 4: return Decision(isPrunable: true, reason: "4-D convolution kernel")
        default:
            return Decision(isPrunable: false, reason: "rank-\(shape.count) tensor (defaults prune 2-D matrices and 4-D conv kernels)")
        }
    }

    // The name checks below run once per tensor of a checkpoint that may
    // hold a million: plain byte comparisons, no Foundation string search.

    private static func isNormComponent(_ part: Substring) -> Bool {
        let p = part.utf8.filter { $0 != UInt8(ascii: "_") }
        if contains(p, "layernorm") || contains(p, "batchnorm") || contains(p, "groupnorm") || contains(p, "rmsnorm") {
            return true
        }
        if p.starts(with: "norm".utf8) && p.dropFirst(4).allSatisfy(isDigit) { return true }
        if p.count >= 4 && p.suffix(4).elementsEqual("norm".utf8) { return true }  // input_layernorm, final_norm, attn_norm...
        if part.utf8.starts(with: "ln_".utf8) || p.starts(with: "ln".utf8) && p.dropFirst(2).allSatisfy(isDigit) { return true }
        if p.starts(with: "bn".utf8) && p.dropFirst(2).allSatisfy(isDigit) { return true }
        return false
    }

    private static func isEmbeddingComponent(_ part: Substring) -> Bool {
        contains(Array(part.utf8), "embed") || part == "wte" || part == "wpe"
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    /// Whether `word` occurs in `bytes`.
    private static func contains(_ bytes: [UInt8], _ word: StaticString) -> Bool {
        let needle = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        guard needle.count <= bytes.count else { return false }
        for start in 0...(bytes.count - needle.count) where bytes[start] == needle[0] {
            if bytes[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }

    // MARK: - Pattern matching

    /// True when `pattern` (a glob, or `re:` regular expression) matches `name`.
    public static func matches(_ pattern: String, _ name: String) -> Bool {
        if pattern.hasPrefix("re:") {
            let source = String(pattern.dropFirst(3))
            guard let regex = try? NSRegularExpression(pattern: source) else { return false }
            return regex.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)) != nil
        }
        return globMatches(Array(pattern.unicodeScalars), Array(name.unicodeScalars))
    }

    /// Checks a pattern is usable; returns a one-line problem or nil.
    public static func validate(_ pattern: String) -> String? {
        if pattern.hasPrefix("re:") {
            do {
                _ = try NSRegularExpression(pattern: String(pattern.dropFirst(3)))
            } catch {
                return "invalid regular expression '\(pattern.dropFirst(3))'"
            }
        }
        return nil
    }

    /// Glob matching with `*`, `?` and `[...]` (with ranges and `!`/`^` negation);
    /// iterative with one backtrack point, so linear-ish and never recursive.
    static func globMatches(_ p: [Unicode.Scalar], _ s: [Unicode.Scalar]) -> Bool {
        var pi = 0, si = 0
        var starP = -1, starS = 0
        while si < s.count {
            if pi < p.count {
                let c = p[pi]
                if c == "*" {
                    starP = pi; starS = si; pi += 1
                    continue
                }
                if c == "?" { pi += 1; si += 1; continue }
                if c == "[", let (matched, next) = matchClass(p, pi, s[si]) {
                    if matched { pi = next; si += 1; continue }
                } else if c == "\\", pi + 1 < p.count {
                    if p[pi + 1] == s[si] { pi += 2; si += 1; continue }
                } else if c == s[si] {
                    pi += 1; si += 1; continue
                }
            }
            if starP >= 0 {
                pi = starP + 1
                starS += 1
                si = starS
                continue
            }
            return false
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }

    /// Matches `ch` against the class starting at `p[start] == "["`; nil if
    /// the class is unterminated (then `[` is literal).
    private static func matchClass(_ p: [Unicode.Scalar], _ start: Int, _ ch: Unicode.Scalar) -> (Bool, Int)? {
        var i = start + 1
        var negate = false
        if i < p.count, p[i] == "!" || p[i] == "^" { negate = true; i += 1 }
        var matched = false
        var first = true
        while i < p.count {
            if p[i] == "]" && !first { return (matched != negate, i + 1) }
            first = false
            if i + 2 < p.count, p[i + 1] == "-", p[i + 2] != "]" {
                if p[i].value <= ch.value && ch.value <= p[i + 2].value { matched = true }
                i += 3
            } else {
                if p[i] == ch { matched = true }
                i += 1
            }
        }
        return nil
    }
}
