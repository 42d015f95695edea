import CBLAS
import Foundation
import PruneKit

#if canImport(Glibc)
import Glibc
#endif

/// Sets environment variables that only take effect when the process
/// starts, then executes this binary again with the same arguments, once.
///
/// - `OPENBLAS_CORETYPE`: OpenBLAS chooses its kernels when the library
///   loads, from the CPU model, and takes CPUs newer than itself for old
///   ones (Debian's 0.3.21 runs an AVX-512 Xeon with "Prescott" SSE3
///   kernels, about 4x slower). It honours the variable, but only at load
///   time, which is over by the time Swift code runs.
/// - `SWIFT_BACKTRACE`: on a crash the Swift runtime's backtracer would stop
///   at an interactive prompt (for 30 s, terminal raw) when stdin is a
///   terminal; `interactive=no` prints the backtrace and lets the process
///   die with its signal. The runtime reads the variable at start-up.
///
/// The new process finds the variables set and goes on; a variable the user
/// set is never changed.
enum LaunchEnvironment {
    static let backtraceVariable = "SWIFT_BACKTRACE"
    static let backtraceSetting = "interactive=no"

    /// Sets what needs setting and re-executes `/proc/self/exe` when
    /// anything was set. Returns (and the command runs as it is) when
    /// nothing needs changing or the re-execution fails.
    static func reexecIfNeeded() {
        var changed = false
        if let core = preferredBLASCore(), setenv(BLASCoreType.environmentVariable, core, 1) == 0 {
            changed = true
        }
        // Only a terminal on stdin makes the backtracer interactive, so
        // scripted runs are not executed twice for it.
        if getenv(backtraceVariable) == nil, isatty(0) != 0,
            setenv(backtraceVariable, backtraceSetting, 1) == 0
        {
            changed = true
        }
        guard changed else { return }
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // Only reached when exec failed: the library loaded here keeps its
        // kernels and the command runs, just slower (and a crash may wait at
        // the backtracer's prompt). Processes this one starts inherit the
        // variables.
    }

    /// The core to put in `OPENBLAS_CORETYPE`, when it is unset and the
    /// CPU's flags call for a better core than OpenBLAS picked.
    static func preferredBLASCore() -> String? {
        guard getenv(BLASCoreType.environmentVariable) == nil,
            let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let flags = BLASCoreType.flags(cpuinfo: cpuinfo),
            let core = BLASCoreType.preferred(cpuFlags: flags),
            BLASCoreType.shouldOverride(detected: BLAS.coreName, preferred: core)
        else { return nil }
        return core
    }
}
