/// Streams the elements of stored bytes as Float32 in small chunks, without
/// materialising a converted copy of the whole tensor.
public enum ElementStream {
    /// Elements per chunk: small enough to stay in L1/L2 cache.
    public static let chunkSize = 4096

    /// Calls `body` with consecutive chunks of the elements of `bytes` (stored
    /// `dtype`, little-endian) converted to Float32. F32 data that is 4-byte
    /// aligned is passed in place.
    @inlinable
    public static func forEachChunk(
        _ dtype: DType, _ bytes: UnsafeRawBufferPointer,
        _ body: (UnsafeBufferPointer<Float>) throws -> Void
    ) rethrows {
        let count = bytes.count / dtype.byteSize
        guard count > 0, let base = bytes.baseAddress else { return }
        if dtype == .F32, Int(bitPattern: base) % MemoryLayout<Float>.alignment == 0 {
            let floats = base.assumingMemoryBound(to: Float.self)
            var start = 0
            while start < count {
                let n = min(chunkSize * 16, count - start)
                try body(UnsafeBufferPointer(start: floats + start, count: n))
                start += n
            }
            return
        }
        try withUnsafeTemporaryAllocation(of: Float.self, capacity: chunkSize) { scratch in
            var start = 0
            while start < count {
                let n = min(chunkSize, count - start)
                let size = dtype.byteSize
                let source = UnsafeRawBufferPointer(start: base + start * size, count: n * size)
                ElementDecoding.decode(dtype, from: source, into: scratch, count: n)
                try body(UnsafeBufferPointer(rebasing: scratch[0..<n]))
                start += n
            }
        }
    }
}
