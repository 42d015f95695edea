import Foundation

/// Which OpenBLAS kernel set ("core type") suits a CPU, decided from its
/// feature flags.
///
/// OpenBLAS built with `DYNAMIC_ARCH` (as Debian ships it) picks its kernels
/// from the CPU's family and model when the library loads. Models newer than
/// the library fall back to old kernels: Debian's OpenBLAS 0.3.21 takes an
/// AVX-512 Xeon (family 6, model 207) for a "Prescott" and runs SSE3 code,
/// about 4x slower on this project's matrix products. The environment
/// variable `OPENBLAS_CORETYPE` overrides the choice, but it is read only at
/// load time, so the executable sets it and re-executes itself (see
/// `PruneScope.main()`); this type holds the decision, free of process code.
public enum BLASCoreType {
    /// The environment variable OpenBLAS reads when it loads.
    public static let environmentVariable = "OPENBLAS_CORETYPE"

    /// The core type for a CPU with these feature flags (the `flags` line of
    /// /proc/cpuinfo, space separated), or nil to leave OpenBLAS's choice.
    ///
    /// - `avx512f`, `avx512bw`, `avx512dq` and `avx512vl` (what OpenBLAS's
    ///   Skylake-X kernels use): "SkylakeX";
    /// - else `avx2` and `fma`: "Haswell";
    /// - else nil (older CPUs: OpenBLAS knows them).
    ///
    /// The kernel lists a flag only when the operating system also saves the
    /// registers (XSAVE), so a flag present here is safe to use.
    public static func preferred(cpuFlags: String) -> String? {
        let flags = Set(cpuFlags.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init))
        if ["avx512f", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains) { return "SkylakeX" }
        if ["avx2", "fma"].allSatisfy(flags.contains) { return "Haswell" }
        return nil
    }

    /// The flags of the first processor listed in the text of /proc/cpuinfo
    /// (the value after `flags :`), or nil when there is no such line.
    public static func flags(cpuinfo: String) -> String? {
        for line in cpuinfo.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == "flags" else { continue }
            return parts[1].trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    /// Whether OpenBLAS's own choice `detected` (its `openblas_get_corename`,
    /// e.g. "Prescott") should give way to `preferred`: false when it already
    /// is that core or one at least as capable (Cooperlake is Skylake-X plus
    /// bfloat16; every AVX-512 core also beats Haswell). Case-insensitive.
    public static func shouldOverride(detected: String, preferred: String) -> Bool {
        let asGood: [String: Set<String>] = [
            "skylakex": ["skylakex", "cooperlake", "sapphirerapids"],
            "haswell": ["haswell", "zen", "skylakex", "cooperlake", "sapphirerapids"],
        ]
        let d = detected.lowercased(), p = preferred.lowercased()
        return !(asGood[p] ?? [p]).contains(d)
    }
}
