/// One tensor as described by a file's header: name, element type, shape and
/// where its bytes are.
public struct TensorInfo: Sendable, Equatable {
    /// The tensor's name in the file (e.g. `encoder.layer.0.attention.self.query.weight`).
    public let name: String
    /// The stored element type.
    public let dtype: DType
    /// Extent of each dimension, outermost first; `[]` is a scalar.
    public let shape: [Int]
    /// Byte range of the data, relative to the start of the file's data section
    /// (for safetensors: after the header; for .npy: after its header).
    public let dataOffsets: Range<Int>

    public init(name: String, dtype: DType, shape: [Int], dataOffsets: Range<Int>) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.dataOffsets = dataOffsets
    }

    /// Number of elements: the product of the shape (1 for a scalar, 0 if any extent is 0).
    public var elementCount: Int { shape.reduce(1, *) }

    /// Number of data bytes.
    public var byteCount: Int { dataOffsets.count }
}
