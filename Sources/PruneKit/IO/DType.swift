/// Element types of the safetensors format, spelled as in its header.
public enum DType: String, Codable, Sendable, CaseIterable {
    case BOOL, U8, I8, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64, F8_E4M3, F8_E5M2

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .BOOL, .U8, .I8, .F8_E4M3, .F8_E5M2: return 1
        case .I16, .U16, .F16, .BF16: return 2
        case .I32, .U32, .F32: return 4
        case .F64, .I64, .U64: return 8
        }
    }

    /// True for the floating-point types (F8, F16, BF16, F32, F64).
    public var isFloatingPoint: Bool {
        switch self {
        case .F16, .BF16, .F32, .F64, .F8_E4M3, .F8_E5M2: return true
        default: return false
        }
    }
}
