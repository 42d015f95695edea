/// A dense, contiguous, row-major array of `Float` with a shape.
///
/// The engine's one numeric container. Element `[i0, i1, ..., ik]` lives at
/// `sum(i_j * stride_j)` with row-major strides. A value type: copies are
/// cheap until mutated (copy-on-write through `Array`).
public struct Tensor: Sendable, Equatable {
    /// Extent of each dimension, outermost first. `[]` is a scalar.
    public private(set) var shape: [Int]
    /// The elements in row-major order; `count == shape.product`.
    public var data: [Float]

    /// Wraps `data` with `shape`. Precondition: the element counts agree.
    public init(shape: [Int], data: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        precondition(
            Tensor.elementCount(shape) == data.count,
            "shape \(shape) needs \(Tensor.elementCount(shape)) elements, got \(data.count)")
        self.shape = shape
        self.data = data
    }

    /// A tensor of `shape` filled with `value`.
    public init(shape: [Int], repeating value: Float = 0) {
        self.init(shape: shape, data: [Float](repeating: value, count: Tensor.elementCount(shape)))
    }

    /// A tensor of zeros with `shape`.
    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(shape: shape, repeating: 0) }

    /// Number of elements (product of the shape; 1 for a scalar).
    @inlinable public var count: Int { data.count }
    /// Number of dimensions.
    @inlinable public var rank: Int { shape.count }

    /// Product of `shape`, 1 for the empty shape.
    public static func elementCount(_ shape: [Int]) -> Int { shape.reduce(1, *) }

    /// The same elements under a new shape with the same element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, data: data)
    }

    /// Changes the shape in place; the element count must not change.
    public mutating func reshape(_ newShape: [Int]) {
        precondition(Tensor.elementCount(newShape) == data.count, "cannot reshape \(shape) to \(newShape)")
        shape = newShape
    }

    /// Element at a multi-dimensional index (slow path, for tests and small tensors).
    public subscript(index: Int...) -> Float {
        get { data[flatIndex(index)] }
        set { data[flatIndex(index)] = newValue }
    }

    private func flatIndex(_ index: [Int]) -> Int {
        precondition(index.count == shape.count, "index rank \(index.count) for shape \(shape)")
        var flat = 0
        for (i, extent) in zip(index, shape) {
            precondition(i >= 0 && i < extent, "index \(index) out of range for shape \(shape)")
            flat = flat * extent + i
        }
        return flat
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        "Tensor(shape: \(shape), count: \(count))"
    }
}
