/// Bit-exact conversions between Float32 and the narrow float formats stored
/// in checkpoints (IEEE half, bfloat16, the two 8-bit OCP formats).
///
/// Written by hand rather than with `Float16` so they behave the same on every
/// platform. Narrowing rounds to nearest, ties to even, as PyTorch and numpy do.
public enum FloatConversion {
    /// Every F16 bit pattern widened to Float32 (256 KB, built once).
    @usableFromInline static let halfTable: [Float] = (0...0xFFFF).map { halfToFloatSlow(UInt16($0)) }

    /// IEEE 754 binary16 bits to Float32 (exact).
    @inlinable public static func halfToFloat(_ h: UInt16) -> Float {
        halfTable[Int(h)]
    }

    /// IEEE 754 binary16 bits to Float32, computed without the table.
    @inlinable public static func halfToFloatSlow(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exp = UInt32(h >> 10) & 0x1F
        let mant = UInt32(h) & 0x3FF
        if exp == 0 {
            // Zero or subnormal: mant x 2^-24, exact in Float32.
            let magnitude = Float(mant) * 0x1p-24
            return sign != 0 ? -magnitude : magnitude
        }
        if exp == 0x1F {
            return Float(bitPattern: sign | 0x7F80_0000 | (mant << 13))
        }
        return Float(bitPattern: sign | ((exp + 112) << 23) | (mant << 13))
    }

    /// Float32 to IEEE 754 binary16 bits, round to nearest even; overflow gives
    /// infinity, NaN stays NaN (quiet).
    @inlinable public static func floatToHalf(_ f: Float) -> UInt16 {
        let bits = f.bitPattern
        let sign = UInt16((bits >> 16) & 0x8000)
        let exp = Int((bits >> 23) & 0xFF)
        let mant = bits & 0x7F_FFFF
        if exp == 0xFF {
            if mant == 0 { return sign | 0x7C00 }
            return sign | 0x7E00 | UInt16(truncatingIfNeeded: mant >> 13)
        }
        let unbiased = exp - 127
        if unbiased > 15 { return sign | 0x7C00 }
        if unbiased >= -14 {
            // Normal half: keep 10 mantissa bits, round the 13 dropped ones.
            var half = UInt32(unbiased + 15) << 10 | (mant >> 13)
            let rest = mant & 0x1FFF
            if rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1) { half += 1 }
            // A carry into the exponent is right, also up to infinity.
            return sign | UInt16(truncatingIfNeeded: half)
        }
        if unbiased < -25 { return sign }
        // Subnormal half: value = full x 2^(unbiased - 23), unit 2^-24.
        let full = mant | 0x80_0000
        let shift = UInt32(-unbiased - 14 + 13)  // 14...24
        var half = full >> shift
        let rest = full & ((1 << shift) - 1)
        let halfway = UInt32(1) << (shift - 1)
        if rest > halfway || (rest == halfway && (half & 1) == 1) { half += 1 }
        return sign | UInt16(truncatingIfNeeded: half)
    }

    /// bfloat16 bits to Float32 (exact).
    @inlinable public static func bfloat16ToFloat(_ b: UInt16) -> Float {
        Float(bitPattern: UInt32(b) << 16)
    }

    /// Float32 to bfloat16 bits, round to nearest even; NaN stays NaN.
    @inlinable public static func floatToBFloat16(_ f: Float) -> UInt16 {
        let bits = f.bitPattern
        if f.isNaN { return UInt16(truncatingIfNeeded: bits >> 16) | 0x0040 }
        let rounding = UInt32(0x7FFF) + ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: (bits &+ rounding) >> 16)
    }

    /// OCP FP8 E5M2 bits to Float32: the top byte of an IEEE half.
    @inlinable public static func e5m2ToFloat(_ b: UInt8) -> Float {
        halfToFloatSlow(UInt16(b) << 8)
    }

    /// OCP FP8 E4M3 ("fn": no infinities, S.1111.111 is NaN) bits to Float32.
    @inlinable public static func e4m3ToFloat(_ b: UInt8) -> Float {
        let negative = b & 0x80 != 0
        let exp = Int((b >> 3) & 0x0F)
        let mant = Int(b & 0x07)
        let magnitude: Float
        if exp == 0x0F && mant == 0x07 {
            return .nan
        } else if exp == 0 {
            magnitude = Float(mant) * 0x1p-9
        } else {
            magnitude = Float(8 + mant) * Float(sign: .plus, exponent: exp - 10, significand: 1)
        }
        return negative ? -magnitude : magnitude
    }
}
