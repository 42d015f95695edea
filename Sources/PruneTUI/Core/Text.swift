import Foundation

/// Text helpers for fitting strings and numbers into columns.
public enum Text {
    /// Cuts `s` to at most `width` columns, ending in `ellipsis` if cut.
    public static func truncate(_ s: String, to width: Int, ellipsis: Unicode.Scalar = "…") -> String {
        guard width > 0 else { return "" }
        if CellBuffer.columns(of: s) <= width { return s }
        var out = String.UnicodeScalarView()
        var used = 0
        for sc in s.unicodeScalars {
            let w = CellBuffer.columns(of: sc)
            if used + w > width - 1 { break }
            out.append(sc); used += w
        }
        out.append(ellipsis)
        return String(out)
    }

    /// Pads or cuts to exactly `width` columns, aligned left or right.
    public static func fit(_ s: String, _ width: Int, alignRight: Bool = false, ellipsis: Unicode.Scalar = "…") -> String {
        let t = truncate(s, to: width, ellipsis: ellipsis)
        let pad = String(repeating: " ", count: max(0, width - CellBuffer.columns(of: t)))
        return alignRight ? pad + t : t + pad
    }

    /// Breaks `s` into lines of at most `width` columns at spaces (a word
    /// longer than a line is cut across lines). With `maxLines`, the last
    /// line ends in `ellipsis` if text was left over.
    public static func wrap(_ s: String, width: Int, maxLines: Int = .max, ellipsis: Unicode.Scalar = "…") -> [String] {
        guard width > 0, maxLines > 0 else { return [] }
        var lines: [String] = []
        var rest = Substring(s)
        while true {
            rest = rest.drop { $0 == " " }
            if rest.isEmpty { break }
            if lines.count == maxLines - 1 || CellBuffer.columns(of: String(rest)) <= width {
                lines.append(truncate(String(rest), to: width, ellipsis: ellipsis))
                break
            }
            // The longest prefix that fits, then back to its last space.
            var used = 0
            var end = rest.startIndex
            var lastSpace: Substring.Index?
            while end < rest.endIndex {
                let w = CellBuffer.columns(of: String(rest[end]))
                if used + w > width { break }
                if rest[end] == " " { lastSpace = end }
                used += w
                end = rest.index(after: end)
            }
            if end < rest.endIndex, rest[end] != " ", let space = lastSpace, space > rest.startIndex { end = space }
            if end == rest.startIndex { end = rest.index(after: end) }
            var line = String(rest[..<end])
            while line.last == " " { line.removeLast() }
            lines.append(line)
            rest = rest[end...]
        }
        return lines
    }

    /// A number in at most 8 columns with three significant digits:
    /// "0.0213", "4.5", "267", "1234" (whole numbers up to 9999 in full),
    /// "12.4k", "1.5M", "3G", "2T" from 10 000 up, and scientific notation
    /// with a mantissa in 1..<10 below 0.001 and from 10^15 up ("1e-4",
    /// "-2.5e-7"). Zero is "0"; NaN and infinities are "nan", "inf", "-inf".
    public static func compact(_ v: Double) -> String {
        guard v.isFinite else { return v.isNaN ? "nan" : v < 0 ? "-inf" : "inf" }
        let magnitude = abs(v)
        if magnitude == 0 { return "0" }
        if magnitude < 0.001 || magnitude >= 1e15 { return scientific(v) }
        if magnitude < 100 { return significant(v) }
        if magnitude.rounded() < 10_000 { return String(Int(v.rounded())) }
        for (scale, suffix) in [(1e3, "k"), (1e6, "M"), (1e9, "G"), (1e12, "T")] {
            let mantissa = significant(v / scale)
            // 999.96k rounds to "1000": say 1M instead.
            if abs(Double(mantissa) ?? 0) < 1000 { return mantissa + suffix }
        }
        return scientific(v)
    }

    /// `v` (0.001 <= |v| < 1000) rounded to three significant digits, trailing zeros dropped.
    private static func significant(_ v: Double) -> String {
        let leading = Int(floor(log10(abs(v))))
        return trimZeros(fixed(v, max(0, 2 - leading)))
    }

    /// "1.23e-4": the mantissa rounded to three significant digits and kept in 1..<10
    /// (9.996e-5 becomes 1e-4, not 10e-5).
    private static func scientific(_ v: Double) -> String {
        var exponent = Int(floor(log10(abs(v))))
        var mantissa = v / pow(10, Double(exponent))
        // log10 can land just beside an exact power of ten.
        if abs(mantissa) < 1 { mantissa *= 10; exponent -= 1 }
        if abs((mantissa * 100).rounded()) >= 1000 { mantissa /= 10; exponent += 1 }
        return trimZeros(fixed(mantissa, 2)) + "e" + String(exponent)
    }

    private static func trimZeros(_ s: String) -> String {
        guard s.contains(".") else { return s }
        var t = s
        while t.last == "0" { t.removeLast() }
        if t.last == "." { t.removeLast() }
        return t
    }

    /// `v` with `digits` decimals.
    public static func fixed(_ v: Double, _ digits: Int) -> String {
        let p = pow(10.0, Double(digits))
        let r = (v * p).rounded() / p
        var s = String(r)
        if s.contains("e") { return String(describing: r) }
        if !s.contains(".") { s += "." }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        var frac = String(parts.count > 1 ? parts[1] : "")
        if frac.count < digits { frac += String(repeating: "0", count: digits - frac.count) }
        if frac.count > digits { frac = String(frac.prefix(digits)) }
        return digits == 0 ? String(parts[0]) : String(parts[0]) + "." + frac
    }

    /// A fraction as a percentage with one decimal, e.g. "90.0%".
    public static func percent(_ fraction: Double) -> String { fixed(fraction * 100, 1) + "%" }
}
