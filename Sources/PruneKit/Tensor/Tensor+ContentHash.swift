extension Tensor {
    /// A 64-bit FNV-1a hash of the shape and of every element's bits
    /// (little-endian Float32), written "fnv1a64:<16 hex digits>".
    ///
    /// Recorded per tensor in a saved session and checked on load, so a
    /// flipped bit or a tensor from another save is caught. Not a
    /// cryptographic hash: it finds accidents, not forgeries. One pass over
    /// the data, about 1 GB/s.
    public var contentHash: String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        func mix(_ word: UInt64, bytes: Int) {
            var w = word
            for _ in 0..<bytes {
                hash = (hash ^ (w & 0xFF)) &* 0x0000_0100_0000_01B3
                w >>= 8
            }
        }
        mix(UInt64(shape.count), bytes: 8)
        for extent in shape { mix(UInt64(extent), bytes: 8) }
        data.withUnsafeBufferPointer { values in
            for v in values { mix(UInt64(v.bitPattern), bytes: 4) }
        }
        let hex = String(hash, radix: 16)
        return "fnv1a64:" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}
