import Foundation
import PruneKit
import Testing

/// The binary makes OpenBLAS use the kernels the CPU supports (setting
/// OPENBLAS_CORETYPE and executing itself again), unless the user chose.
/// OPENBLAS_VERBOSE=2 makes OpenBLAS print "Core: NAME" on stderr each time it loads.
@Suite struct BLASCoreSelectionTests {
    private func coreLines(_ r: Binary.Result) -> [String] {
        r.stderr.split(separator: "\n").filter { $0.hasPrefix("Core: ") }.map { String($0.dropFirst(6)) }
    }

    @Test func picksTheCoreTheCPUFlagsCallFor() throws {
        let r = try Binary.run(["--help"], environment: ["OPENBLAS_VERBOSE": "2"], unsetting: ["OPENBLAS_CORETYPE"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("OVERVIEW:"))
        let cores = coreLines(r)
        let detected = try #require(cores.first, "no Core line: \(r.stderr)")
        let flags = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)).flatMap { BLASCoreType.flags(cpuinfo: $0) }
        if let preferred = flags.flatMap({ BLASCoreType.preferred(cpuFlags: $0) }),
            BLASCoreType.shouldOverride(detected: detected, preferred: preferred)
        {
            // OpenBLAS's own choice, then once more (only once) with the better core.
            #expect(cores == [detected, preferred])
        } else {
            #expect(cores == [detected])
        }
    }

    @Test func keepsTheUsersChoice() throws {
        let r = try Binary.run(["--help"], environment: ["OPENBLAS_VERBOSE": "2", "OPENBLAS_CORETYPE": "Prescott"])
        #expect(r.status == 0)
        #expect(coreLines(r) == ["Prescott"])
    }

    @Test func argumentsSurviveTheReexecution() throws {
        let r = try Binary.run(["info", "SampleModels/spirals-mlp", "--json"], unsetting: ["OPENBLAS_CORETYPE"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("spirals-mlp"))
        let bad = try Binary.run(["eval", "no/such/model"], unsetting: ["OPENBLAS_CORETYPE"])
        #expect(bad.status == 1)
        #expect(bad.stderr.split(separator: "\n").count == 1, "\(bad.stderr)")
    }
}
