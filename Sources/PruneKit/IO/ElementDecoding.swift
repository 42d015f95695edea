/// Widening of stored little-endian elements of any `DType` to Float32.
public enum ElementDecoding {
    /// Converts `count` elements of `dtype` read from `source` into `target`.
    ///
    /// Integers convert to the nearest Float32; BOOL gives 0 or 1; the narrow
    /// float formats widen exactly. `source` need not be aligned.
    /// Precondition: `source` has `count x dtype.byteSize` bytes and
    /// `target` has room for `count` floats.
    public static func decode(
        _ dtype: DType, from source: UnsafeRawBufferPointer,
        into target: UnsafeMutableBufferPointer<Float>, count: Int
    ) {
        precondition(source.count >= count * dtype.byteSize && target.count >= count)
        guard count > 0, let src = source.baseAddress, let dst = target.baseAddress else { return }
        switch dtype {
        case .F32:
            UnsafeMutableRawPointer(dst).copyMemory(from: src, byteCount: count * 4)
        case .F16:
            FloatConversion.halfTable.withUnsafeBufferPointer { table in
                for i in 0..<count {
                    dst[i] = table[Int(UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))]
                }
            }
        case .BF16:
            for i in 0..<count {
                let b = UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                dst[i] = Float(bitPattern: UInt32(b) << 16)
            }
        case .F64:
            for i in 0..<count {
                dst[i] = Float(Double(bitPattern: UInt64(littleEndian: src.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))))
            }
        case .F8_E4M3:
            for i in 0..<count { dst[i] = FloatConversion.e4m3ToFloat(src.load(fromByteOffset: i, as: UInt8.self)) }
        case .F8_E5M2:
            for i in 0..<count { dst[i] = FloatConversion.e5m2ToFloat(src.load(fromByteOffset: i, as: UInt8.self)) }
        case .BOOL:
            for i in 0..<count { dst[i] = src.load(fromByteOffset: i, as: UInt8.self) != 0 ? 1 : 0 }
        case .U8:
            for i in 0..<count { dst[i] = Float(src.load(fromByteOffset: i, as: UInt8.self)) }
        case .I8:
            for i in 0..<count { dst[i] = Float(src.load(fromByteOffset: i, as: Int8.self)) }
        case .I16:
            for i in 0..<count { dst[i] = Float(Int16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self))) }
        case .U16:
            for i in 0..<count { dst[i] = Float(UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
        case .I32:
            for i in 0..<count { dst[i] = Float(Int32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))) }
        case .U32:
            for i in 0..<count { dst[i] = Float(UInt32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
        case .I64:
            for i in 0..<count { dst[i] = Float(Int64(littleEndian: src.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self))) }
        case .U64:
            for i in 0..<count { dst[i] = Float(UInt64(littleEndian: src.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))) }
        }
    }

    /// The whole buffer of `dtype` elements as a Float32 tensor of `shape`.
    public static func tensor(_ dtype: DType, shape: [Int], from source: UnsafeRawBufferPointer) -> Tensor {
        let count = shape.reduce(1, *)
        let data = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            decode(dtype, from: source, into: buffer, count: count)
            initialized = count
        }
        return Tensor(shape: shape, data: data)
    }
}
