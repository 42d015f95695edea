/// Masks are plain `Tensor`s of 1 (keep) and 0 (pruned) with the shape of the
/// tensor they mask, exactly as `Parameter.mask` and PyTorch's `weight_mask`.
/// These helpers keep mask arithmetic in one place.
public enum Mask {
    /// An all-ones mask (nothing pruned) of `shape`.
    public static func ones(_ shape: [Int]) -> Tensor { Tensor(shape: shape, repeating: 1) }

    /// Number of pruned (0) entries in `mask`; 0 for `nil`.
    public static func prunedCount(_ mask: Tensor?) -> Int {
        guard let mask else { return 0 }
        return mask.data.withUnsafeBufferPointer { m in
            var n = 0
            for v in m { n &+= v == 0 ? 1 : 0 }
            return n
        }
    }

    /// Element-wise AND of two masks of the same shape (`nil` = all ones).
    public static func intersect(_ a: Tensor?, _ b: Tensor?) -> Tensor? {
        guard let a else { return b }
        guard let b else { return a }
        var out = a
        out.data.withUnsafeMutableBufferPointer { o in
            b.data.withUnsafeBufferPointer { q in
                for i in 0..<o.count where q[i] == 0 { o[i] = 0 }
            }
        }
        return out
    }

    /// Number of exactly-zero entries in `values`.
    public static func zeroCount(_ values: Tensor) -> Int {
        values.data.withUnsafeBufferPointer { v in
            var n = 0
            for x in v { n &+= x == 0 ? 1 : 0 }
            return n
        }
    }

    /// `values` multiplied by `mask` (pruned entries set to exactly 0).
    public static func apply(_ mask: Tensor?, to values: Tensor) -> Tensor {
        guard let mask else { return values }
        var out = values
        out.data.withUnsafeMutableBufferPointer { v in
            mask.data.withUnsafeBufferPointer { m in
                for i in 0..<v.count where m[i] == 0 { v[i] = 0 }
            }
        }
        return out
    }
}
