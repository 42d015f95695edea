/// A small, fast, seedable generator (SplitMix64 seeding xoshiro256**).
///
/// Every random choice in PruneKit takes one of these, so the same seed
/// gives the same numbers on every run and machine.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    public init(seed: UInt64) {
        var z = seed
        func splitmix() -> UInt64 {
            z &+= 0x9E37_79B9_7F4A_7C15
            var x = z
            x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
            x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
            return x ^ (x >> 31)
        }
        s0 = splitmix(); s1 = splitmix(); s2 = splitmix(); s3 = splitmix()
    }

    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform Float in [0, 1) with 24 bits of precision.
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// Uniform Float in [low, high).
    public mutating func uniform(_ low: Float, _ high: Float) -> Float {
        low + (high - low) * nextUnitFloat()
    }

    /// Standard normal sample (Box-Muller).
    public mutating func normal() -> Float {
        var u1 = nextUnitFloat()
        if u1 < 1e-7 { u1 = 1e-7 }
        let u2 = nextUnitFloat()
        return (-2 * _log(u1)).squareRoot() * _cos(2 * Float.pi * u2)
    }

    /// A seeded Fisher-Yates permutation of 0..<n.
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        if n > 1 {
            for i in stride(from: n - 1, to: 0, by: -1) {
                let j = Int(next() % UInt64(i + 1))
                p.swapAt(i, j)
            }
        }
        return p
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) private func _log(_ x: Float) -> Float { logf(x) }
@inline(__always) private func _cos(_ x: Float) -> Float { cosf(x) }
#else
import Foundation
@inline(__always) private func _log(_ x: Float) -> Float { Float(Foundation.log(Double(x))) }
@inline(__always) private func _cos(_ x: Float) -> Float { Float(Foundation.cos(Double(x))) }
#endif
