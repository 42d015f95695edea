import Foundation

/// Numbers as PruneScope shows them to people: one way to write a
/// percentage or a count, shared by the command line, the reports and the
/// apps so the same figure never reads two ways.
public enum Format {
    /// A fraction as a percentage: `percent(0.892)` is "89.2%",
    /// `percent(0.9, digits: 2)` is "90.00%". Not clamped: 1.5 is "150.0%".
    /// - Parameter digits: decimals after the point (0 or more).
    public static func percent(_ fraction: Double, digits: Int = 1) -> String {
        String(format: "%.\(max(0, digits))f%%", 100 * fraction)
    }

    /// `percent(_:digits:)`, or "n/a" when there is no figure (e.g. an
    /// accuracy without validation data).
    public static func percent(_ fraction: Double?, digits: Int = 1) -> String {
        fraction.map { percent($0, digits: digits) } ?? "n/a"
    }

    /// A count with its noun, singular or plural as English needs:
    /// "1 epoch", "2 epochs", "0 epochs"; `plural` defaults to `singular` + "s".
    public static func count(_ n: Int, _ singular: String, plural: String? = nil) -> String {
        "\(n) " + (n == 1 ? singular : plural ?? singular + "s")
    }

    /// A part of a whole with its noun, for work that stopped early:
    /// "0.4 of 2 epochs", "0.75 of 1 epoch" (up to two decimals, see `decimal`).
    public static func partial(_ done: Double, of total: Int, _ singular: String, plural: String? = nil) -> String {
        "\(decimal(done, digits: 2)) of \(count(total, singular, plural: plural))"
    }

    /// A number with at most `digits` decimals and no trailing zeros:
    /// 0.4 -> "0.4", 2.0 -> "2", 0.123 -> "0.1".
    public static func decimal(_ value: Double, digits: Int = 1) -> String {
        var text = String(format: "%.\(max(0, digits))f", value)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text == "-0" ? "0" : text
    }

    /// An integer with thousands separators: 266610 -> "266,610".
    public static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return n < 0 ? "-" + out : out
    }

    /// A size in mebibytes (1 MiB = 1024 x 1024 bytes), the one unit the
    /// inspector and `prunescope inspect` give file and tensor sizes in:
    /// 1_048_576 -> "1.0 MiB", 52_428_800 -> "50.0 MiB". One decimal; sizes
    /// under 0.1 MiB get the decimals they need to not read as zero
    /// (4096 -> "0.004 MiB"), up to three.
    public static func mebibytes(_ bytes: Int) -> String {
        let mib = Double(bytes) / 1_048_576
        let digits = mib == 0 || mib >= 0.1 ? 1 : mib >= 0.01 ? 2 : 3
        return String(format: "%.\(digits)f MiB", mib)
    }
}
