import CBLAS
import Foundation
import PruneKit

#if canImport(Glibc)
import Glibc
#endif

/// Makes OpenBLAS run the kernels this CPU supports, before any command runs.
///
/// OpenBLAS chooses its kernels when the library loads, from the CPU model,
/// and takes CPUs newer than itself for old ones (Debian's 0.3.21 runs an
/// AVX-512 Xeon with "Prescott" SSE3 kernels, about 4x slower). It honours
/// `OPENBLAS_CORETYPE`, but only at load time, which is over by the time
/// Swift code runs: so when the variable is unset and the CPU's flags call
/// for a better core than OpenBLAS picked, set it and execute this binary
/// again with the same arguments. The new process finds the variable set and
/// goes on; a variable the user set is never changed.
enum BLASKernelSelection {
    /// Sets `OPENBLAS_CORETYPE` and re-executes `/proc/self/exe` when that
    /// helps. Returns (and the command runs with OpenBLAS's own choice) when
    /// nothing needs changing or the re-execution fails.
    static func reexecIfBetterCoreAvailable() {
        let variable = BLASCoreType.environmentVariable
        guard getenv(variable) == nil else { return }
        guard let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let flags = BLASCoreType.flags(cpuinfo: cpuinfo),
            let core = BLASCoreType.preferred(cpuFlags: flags),
            BLASCoreType.shouldOverride(detected: BLAS.coreName, preferred: core)
        else { return }
        // The new process sees the variable set, so this happens once.
        guard setenv(variable, core, 1) == 0 else { return }
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // Only reached when exec failed: the library loaded here keeps its
        // kernels and the command runs, just slower. Processes this one
        // starts inherit the variable and load the better kernels.
    }
}
