import Foundation

/// Summary statistics of one tensor's values, from a single streaming pass.
///
/// Non-finite values (NaN, ±inf) are counted in `nonFiniteCount` and left out
/// of min, max, mean, std and the histograms. `std` is the population standard
/// deviation. For an empty tensor every figure is 0.
public struct TensorStatistics: Sendable, Equatable {
    /// Number of elements.
    public var count: Int
    /// Smallest and largest finite value.
    public var min: Float
    public var max: Float
    /// Mean and population standard deviation of the finite values.
    public var mean: Double
    public var std: Double
    /// Elements exactly equal to 0 (+0 or -0).
    public var zeroCount: Int
    /// NaN and infinite elements.
    public var nonFiniteCount: Int
    /// Fixed-bin histogram of the values over [min, max].
    public var histogram: Histogram
    /// Fixed-bin histogram of |value| over [0, max |value|].
    public var magnitudeHistogram: Histogram
    /// The value distribution at bfloat16 resolution, for other histograms
    /// and quantiles without another pass.
    public var distribution: ValueDistribution

    /// zeroCount / count (0 for an empty tensor): the tensor's sparsity.
    public var zeroFraction: Double { count == 0 ? 0 : Double(zeroCount) / Double(count) }
    /// Largest finite |value|.
    public var maxMagnitude: Float { Swift.max(abs(min), abs(max)) }
}

/// Counts of values in equal-width bins over [lower, upper]; the last bin
/// includes `upper`.
public struct Histogram: Sendable, Equatable {
    public var lower: Float
    public var upper: Float
    public var counts: [Int]

    public init(lower: Float, upper: Float, counts: [Int]) {
        self.lower = lower
        self.upper = upper
        self.counts = counts
    }

    /// Width of one bin.
    public var binWidth: Float { counts.isEmpty ? 0 : (upper - lower) / Float(counts.count) }
    /// Total of all bins.
    public var total: Int { counts.reduce(0, +) }
}

/// How many values fall at each bfloat16 value: the top 16 bits of each
/// Float32. Sparse (only occupied keys), sorted by key.
///
/// Each key stands for the interval of Float32 values sharing its top 16
/// bits (relative width 2^-7), so histograms and quantiles derived from it
/// are exact up to that resolution.
public struct ValueDistribution: Sendable, Equatable {
    /// Occupied keys (bfloat16 bit patterns) and their counts, ascending by key.
    public var keys: [UInt16]
    public var counts: [Int]

    /// The value a key stands for: the bfloat16 value itself (values that
    /// are exact in bfloat16, such as small integers, land exactly).
    @inlinable public static func representative(_ key: UInt16) -> Float {
        Float(bitPattern: UInt32(key) << 16)
    }

    @inlinable static func isFinite(_ key: UInt16) -> Bool { key & 0x7F80 != 0x7F80 }

    /// A histogram with `bins` equal bins over [lower, upper] of the finite
    /// values (or of |value| when `magnitude`). Values outside go to the end bins.
    public func histogram(bins: Int, lower: Float, upper: Float, magnitude: Bool = false) -> Histogram {
        var result = [Int](repeating: 0, count: Swift.max(bins, 1))
        let span = upper - lower
        for (key, n) in zip(keys, counts) where ValueDistribution.isFinite(key) {
            var v = ValueDistribution.representative(key)
            if magnitude { v = abs(v) }
            var bin = span > 0 ? Int(((v - lower) / span * Float(result.count)).rounded(.down)) : 0
            bin = Swift.min(Swift.max(bin, 0), result.count - 1)
            result[bin] += n
        }
        return Histogram(lower: lower, upper: upper, counts: result)
    }

    /// A histogram of log10 |value| over the non-zero finite values, from the
    /// smallest to the largest magnitude present: `lower` and `upper` are
    /// log10 magnitudes. Exact zeros are left out (see `zeroCount`).
    public func logMagnitudeHistogram(bins: Int) -> Histogram {
        var logs: [(Float, Int)] = []
        for (key, n) in zip(keys, counts) where ValueDistribution.isFinite(key) && key & 0x7FFF != 0 {
            logs.append((log10(abs(ValueDistribution.representative(key))), n))
        }
        var result = [Int](repeating: 0, count: Swift.max(bins, 1))
        guard let lo = logs.map(\.0).min(), let hi = logs.map(\.0).max() else {
            return Histogram(lower: 0, upper: 0, counts: result)
        }
        let span = hi - lo
        for (v, n) in logs {
            let bin = span > 0 ? Swift.min(result.count - 1, Int(((v - lo) / span * Float(result.count)).rounded(.down))) : 0
            result[bin] += n
        }
        return Histogram(lower: lo, upper: hi, counts: result)
    }

    /// The value below which about `fraction` of the finite values lie (at
    /// bfloat16 resolution), of |value| when `magnitude`.
    public func quantile(_ fraction: Double, magnitude: Bool = false) -> Float {
        var pairs: [(Float, Int)] = zip(keys, counts).filter { ValueDistribution.isFinite($0.0) }
            .map { (magnitude ? abs(ValueDistribution.representative($0.0)) : ValueDistribution.representative($0.0), $0.1) }
        pairs.sort { $0.0 < $1.0 }
        let total = pairs.reduce(0) { $0 + $1.1 }
        guard total > 0 else { return 0 }
        let target = fraction * Double(total)
        var seen = 0
        for (v, n) in pairs {
            seen += n
            if Double(seen) >= target { return v }
        }
        return pairs.last?.0 ?? 0
    }
}

/// Accumulates `TensorStatistics` over chunks of Float32 values.
///
/// Feed every element once with `add(_:)` (or `add(dtype:bytes:)` for stored
/// bytes), then call `finish(bins:)`. Memory: the bfloat16 key of each element
/// while there are at most `fewKeysLimit` of them (sorted and counted at the
/// end), then one 65,536-entry count table. A checkpoint of a million tiny
/// tensors thus costs work in proportion to its elements, not 65,536 per tensor.
public struct TensorStatisticsAccumulator: Sendable {
    /// Up to this many elements, keys are kept in a list instead of the table.
    public static let fewKeysLimit = 4096
    /// The count table, indexed by bfloat16 key; empty while `few` holds the keys.
    @usableFromInline var fine: [UInt32] = []
    /// The bfloat16 key of each element so far, while there are few.
    @usableFromInline var few: [UInt16] = []
    @usableFromInline var count = 0
    @usableFromInline var zeros = 0
    @usableFromInline var minimum = Float.infinity
    @usableFromInline var maximum = -Float.infinity
    /// Elements in the moments below, their mean and sum of squared deviations.
    @usableFromInline var momentCount = 0
    @usableFromInline var mean: Double = 0
    @usableFromInline var m2: Double = 0
    /// Set when a chunk held a non-finite value (or Float block sums overflowed).
    @usableFromInline var sawNonFinite = false
    /// Skip non-finite values in min, max and the moments (slower, exact).
    @usableFromInline let finiteOnly: Bool

    /// - Parameter finiteOnly: leave NaN and ±inf out of min, max, mean and
    ///   std exactly (per-element checks, Double arithmetic). The fast path
    ///   (false) flags non-finite input in `sawNonFinite` instead.
    public init(finiteOnly: Bool = false) {
        self.finiteOnly = finiteOnly
    }

    /// True when non-finite values were seen on the fast path, so a second
    /// pass with `finiteOnly` gives exact figures.
    public var needsFiniteOnlyPass: Bool { sawNonFinite && !finiteOnly }

    /// Folds in `n` elements with mean `blockMean` and squared-deviation sum
    /// `blockM2` (Chan et al.'s parallel update: stable for any offset).
    @inlinable mutating func combine(_ n: Int, _ blockMean: Double, _ blockM2: Double) {
        guard n > 0 else { return }
        if momentCount == 0 {
            momentCount = n; mean = blockMean; m2 = blockM2
            return
        }
        let total = momentCount + n
        let delta = blockMean - mean
        mean += delta * Double(n) / Double(total)
        m2 += blockM2 + delta * delta * (Double(momentCount) * Double(n) / Double(total))
        momentCount = total
    }

    /// Moves the keys from `few` into the count table (once there are many).
    @usableFromInline mutating func useTable() {
        guard fine.isEmpty else { return }
        fine = [UInt32](repeating: 0, count: 65_536)
        fine.withUnsafeMutableBufferPointer { table in
            for key in few { table[Int(key)] &+= 1 }
        }
        few = []
    }

    /// Counts the bfloat16 key of each value.
    @inlinable mutating func countKeys(_ values: UnsafeBufferPointer<Float>) {
        if fine.isEmpty, few.count + values.count <= Self.fewKeysLimit {
            for v in values { few.append(UInt16(truncatingIfNeeded: v.bitPattern >> 16)) }
            return
        }
        useTable()
        fine.withUnsafeMutableBufferPointer { table in
            for v in values { table[Int(v.bitPattern >> 16)] &+= 1 }
        }
    }

    /// Adds a chunk of values (at most 2^32 - 1 per call).
    @inlinable
    public mutating func add(_ values: UnsafeBufferPointer<Float>) {
        let n = values.count
        guard n > 0 else { return }
        countKeys(values)
        if finiteOnly {
            for v in values where v.isFinite {
                minimum = Swift.min(minimum, v)
                maximum = Swift.max(maximum, v)
                zeros &+= v == 0 ? 1 : 0
                combine(1, Double(v), 0)
            }
            count += n
            return
        }
        var mn = minimum, mx = maximum
        var z = 0
        var blocksFinite = true
        var i = 0
        // Blocks of at most 4096: Float sums of (v - K), K the block's first
        // value, so the sums stay small and vectorisable; each block's mean
        // and M2 then join the running moments in Double.
        while i < n {
            let end = Swift.min(i + 4096, n)
            let shift = values[i]
            var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
            var q0: Float = 0, q1: Float = 0, q2: Float = 0, q3: Float = 0
            var j = i
            while j + 4 <= end {
                let a = values[j] - shift, b = values[j + 1] - shift, c = values[j + 2] - shift, d = values[j + 3] - shift
                s0 += a; s1 += b; s2 += c; s3 += d
                q0 += a * a; q1 += b * b; q2 += c * c; q3 += d * d
                j += 4
            }
            while j < end {
                let a = values[j] - shift
                s0 += a; q0 += a * a
                j += 1
            }
            for k in i..<end {
                let v = values[k]
                mn = Swift.min(mn, v)
                mx = Swift.max(mx, v)
                z &+= v == 0 ? 1 : 0
            }
            let blockCount = Double(end - i)
            let s = Double(s0) + Double(s1) + Double(s2) + Double(s3)
            let q = Double(q0) + Double(q1) + Double(q2) + Double(q3)
            if s.isFinite && q.isFinite {
                combine(end - i, Double(shift) + s / blockCount, Swift.max(0, q - s * s / blockCount))
            } else {
                blocksFinite = false
            }
            i = end
        }
        if !blocksFinite || !mn.isFinite || !mx.isFinite { sawNonFinite = true }
        minimum = mn
        maximum = mx
        zeros += z
        count += n
    }

    /// Adds the counts and moments of `other` (fed with other elements of the
    /// same tensor). Merging parts in a fixed order gives identical results.
    public mutating func merge(_ other: TensorStatisticsAccumulator) {
        if fine.isEmpty, other.fine.isEmpty, few.count + other.few.count <= Self.fewKeysLimit {
            few += other.few
        } else {
            useTable()
            fine.withUnsafeMutableBufferPointer { mine in
                if other.fine.isEmpty {
                    for key in other.few { mine[Int(key)] &+= 1 }
                } else {
                    other.fine.withUnsafeBufferPointer { theirs in
                        for k in 0..<mine.count { mine[k] &+= theirs[k] }
                    }
                }
            }
        }
        count += other.count
        zeros += other.zeros
        minimum = Swift.min(minimum, other.minimum)
        maximum = Swift.max(maximum, other.maximum)
        combine(other.momentCount, other.mean, other.m2)
        sawNonFinite = sawNonFinite || other.sawNonFinite
    }

    /// Adds every element of stored little-endian `bytes` of `dtype`,
    /// converting in small chunks.
    @inlinable
    public mutating func add(dtype: DType, bytes: UnsafeRawBufferPointer) {
        ElementStream.forEachChunk(dtype, bytes) { add($0) }
    }

    /// The statistics, with histograms of `bins` bins.
    ///
    /// When non-finite values were seen (or Float32 partial sums overflowed),
    /// mean and std, and min and max if needed, come from the distribution of
    /// finite values, at bfloat16 resolution.
    public func finish(bins: Int = 64) -> TensorStatistics {
        var keys: [UInt16] = []
        var counts: [Int] = []
        var nonFinite = 0
        if fine.isEmpty {
            // Few keys: sort them and count the runs.
            for key in few.sorted() {
                if key == keys.last {
                    counts[counts.count - 1] += 1
                } else {
                    keys.append(key)
                    counts.append(1)
                }
                if !ValueDistribution.isFinite(key) { nonFinite += 1 }
            }
        } else {
            for (k, n) in fine.enumerated() where n > 0 {
                keys.append(UInt16(k))
                counts.append(Int(n))
                if !ValueDistribution.isFinite(UInt16(k)) { nonFinite += Int(n) }
            }
        }
        let distribution = ValueDistribution(keys: keys, counts: counts)
        let finiteCount = count - nonFinite
        guard finiteCount > 0 else {
            let empty = Histogram(lower: 0, upper: 0, counts: [Int](repeating: 0, count: Swift.max(bins, 1)))
            return TensorStatistics(
                count: count, min: 0, max: 0, mean: 0, std: 0, zeroCount: zeros,
                nonFiniteCount: nonFinite, histogram: empty, magnitudeHistogram: empty,
                distribution: distribution)
        }
        var mn = minimum, mx = maximum
        var result = self
        if sawNonFinite && !finiteOnly {
            // min/max may be ±inf and the sums NaN: derive them from the
            // finite part of the distribution (bfloat16 resolution).
            let exactRange = nonFinite == 0
            if !exactRange { mn = .infinity; mx = -.infinity }
            result.momentCount = 0; result.mean = 0; result.m2 = 0
            for (k, n) in zip(keys, counts) where ValueDistribution.isFinite(k) {
                let v = ValueDistribution.representative(k)
                if !exactRange {
                    let lo = Float(bitPattern: UInt32(k) << 16), hi = Float(bitPattern: UInt32(k) << 16 | 0xFFFF)
                    mn = Swift.min(mn, Swift.min(lo, hi)); mx = Swift.max(mx, Swift.max(lo, hi))
                }
                result.combine(n, Double(v), 0)
            }
        }
        let mean = result.mean
        let variance = result.momentCount == 0 ? 0 : Swift.max(0, result.m2 / Double(result.momentCount))
        let maxAbs = Swift.max(abs(mn), abs(mx))
        return TensorStatistics(
            count: count, min: mn, max: mx, mean: mean, std: variance.squareRoot(),
            zeroCount: zeros, nonFiniteCount: nonFinite,
            histogram: distribution.histogram(bins: bins, lower: mn, upper: mx),
            magnitudeHistogram: distribution.histogram(bins: bins, lower: 0, upper: maxAbs, magnitude: true),
            distribution: distribution)
    }
}

extension TensorStatistics {
    /// Statistics of a Float32 tensor.
    public static func of(_ tensor: Tensor, bins: Int = 64) -> TensorStatistics {
        tensor.data.withUnsafeBytes { of(dtype: .F32, bytes: $0, bins: bins) }
    }

    /// Statistics of stored little-endian bytes of `dtype`, streamed in one
    /// pass (a second, exact pass only if NaN or infinity turned up).
    public static func of(dtype: DType, bytes: UnsafeRawBufferPointer, bins: Int = 64) -> TensorStatistics {
        var acc = TensorStatisticsAccumulator()
        acc.add(dtype: dtype, bytes: bytes)
        if acc.needsFiniteOnlyPass {
            acc = TensorStatisticsAccumulator(finiteOnly: true)
            acc.add(dtype: dtype, bytes: bytes)
        }
        return acc.finish(bins: bins)
    }
}
