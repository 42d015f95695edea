import PruneKit
import Testing

/// The OpenBLAS core type chosen from /proc/cpuinfo flags.
@Suite struct BLASCoreTypeTests {
    /// The flags line of this project's 2-core AVX-512 machine (Xeon, family 6, model 207).
    static let avx512Machine =
        "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ss ht syscall nx pdpe1gb rdtscp lm constant_tsc rep_good nopl xtopology nonstop_tsc cpuid tsc_known_freq pni pclmulqdq ssse3 fma cx16 pcid sse4_1 sse4_2 x2apic movbe popcnt tsc_deadline_timer aes xsave avx f16c rdrand hypervisor lahf_lm abm 3dnowprefetch cpuid_fault ssbd ibrs ibpb stibp ibrs_enhanced fsgsbase tsc_adjust bmi1 avx2 smep bmi2 erms invpcid avx512f avx512dq rdseed adx smap avx512ifma clflushopt clwb avx512cd sha_ni avx512bw avx512vl xsaveopt xsavec xgetbv1 xsaves avx_vnni avx512_bf16 wbnoinvd arat avx512vbmi umip pku ospke avx512_vbmi2 gfni vaes vpclmulqdq avx512_vnni avx512_bitalg avx512_vpopcntdq rdpid bus_lock_detect cldemote movdiri movdir64b fsrm md_clear serialize tsxldtrk ibt amx_bf16 avx512_fp16 amx_tile amx_int8 flush_l1d arch_capabilities"

    @Test(
        arguments: [
            (avx512Machine, "SkylakeX"),
            ("sse sse2 avx avx2 fma avx512f avx512bw avx512dq avx512vl", "SkylakeX"),
            // AVX-512 without VL (Knights Landing): not Skylake-X, but AVX2 + FMA.
            ("sse sse2 avx avx2 fma avx512f avx512cd avx512er avx512pf", "Haswell"),
            ("sse sse2 avx avx2 fma", "Haswell"),
            ("fma avx2", "Haswell"),
            ("sse sse2 avx avx2", nil),  // AVX2 without FMA
            ("sse sse2 ssse3 sse4_1 avx", nil),
            ("", nil),
            ("avx512fx avx512bwx avx512dqx avx512vlx avx2x fmax", nil),  // whole words only
        ] as [(String, String?)])
    func preferredCoreFollowsTheFlags(flags: String, core: String?) {
        #expect(BLASCoreType.preferred(cpuFlags: flags) == core)
    }

    @Test func flagsComeFromTheFirstProcessor() {
        let cpuinfo = """
            processor\t: 0
            vendor_id\t: GenuineIntel
            model name\t: Intel(R) Xeon(R) Processor
            flags\t\t: fpu sse2 avx2 fma
            bugs\t\t: spectre_v1

            processor\t: 1
            flags\t\t: fpu sse2

            """
        #expect(BLASCoreType.flags(cpuinfo: cpuinfo) == "fpu sse2 avx2 fma")
        #expect(BLASCoreType.flags(cpuinfo: "processor : 0\nvendor_id : x\n") == nil)
        // arm64 calls them "Features": no decision, OpenBLAS keeps its own.
        #expect(BLASCoreType.flags(cpuinfo: "processor : 0\nFeatures : fp asimd\n") == nil)
    }

    @Test func overridesOnlyAWeakerDetection() {
        #expect(BLASCoreType.shouldOverride(detected: "Prescott", preferred: "SkylakeX"))
        #expect(BLASCoreType.shouldOverride(detected: "Haswell", preferred: "SkylakeX"))
        #expect(BLASCoreType.shouldOverride(detected: "Sandybridge", preferred: "Haswell"))
        #expect(!BLASCoreType.shouldOverride(detected: "SkylakeX", preferred: "SkylakeX"))
        #expect(!BLASCoreType.shouldOverride(detected: "skylakex", preferred: "SkylakeX"))
        #expect(!BLASCoreType.shouldOverride(detected: "Cooperlake", preferred: "SkylakeX"))
        #expect(!BLASCoreType.shouldOverride(detected: "Zen", preferred: "Haswell"))
        #expect(!BLASCoreType.shouldOverride(detected: "Haswell", preferred: "Haswell"))
    }

    @Test func coreNameIsReported() {
        #expect(!BLAS.coreName.isEmpty)
    }
}
