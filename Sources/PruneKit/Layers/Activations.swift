#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif

/// Rectified linear unit, `max(0, x)` element-wise; any input shape.
public final class ReLU: Layer {
    public let name: String
    public var kind: LayerKind { .relu }
    private var lastOutput: Tensor?

    /// A parameter-free activation layer.
    public init(name: String) { self.name = name }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        let out = Tensor(shape: input.shape, data: input.data.mapContiguous { $0 < 0 ? 0 : $0 })  // NaN passes through, as in PyTorch
        lastOutput = out
        return out
    }

    /// Passes the gradient where the output was positive (0 at x == 0, as PyTorch).
    public func backward(_ gradOutput: Tensor) -> Tensor {
        guard let output = lastOutput else { preconditionFailure("ReLU '\(name)': backward before forward") }
        precondition(output.count == gradOutput.count, "ReLU '\(name)': gradient \(gradOutput.shape) vs output \(output.shape)")
        let data = gradOutput.data.zipContiguous(output.data) { g, y in y > 0 ? g : 0 }
        return Tensor(shape: gradOutput.shape, data: data)
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }
    public func copy() -> any Layer { ReLU(name: name) }
}

/// Hyperbolic tangent element-wise; any input shape.
public final class Tanh: Layer {
    public let name: String
    public var kind: LayerKind { .tanh }
    private var lastOutput: Tensor?

    /// A parameter-free activation layer.
    public init(name: String) { self.name = name }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        let out = Tensor(shape: input.shape, data: input.data.mapContiguous { tanhf($0) })
        lastOutput = out
        return out
    }

    /// dL/dx = dL/dy * (1 - y^2).
    public func backward(_ gradOutput: Tensor) -> Tensor {
        guard let output = lastOutput else { preconditionFailure("Tanh '\(name)': backward before forward") }
        precondition(output.count == gradOutput.count, "Tanh '\(name)': gradient \(gradOutput.shape) vs output \(output.shape)")
        let data = gradOutput.data.zipContiguous(output.data) { g, y in g * (1 - y * y) }
        return Tensor(shape: gradOutput.shape, data: data)
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }
    public func copy() -> any Layer { Tanh(name: name) }
}

extension Array where Element == Float {
    /// `map` into a freshly allocated array without zero-filling it first.
    @inline(__always)
    func mapContiguous(_ transform: (Float) -> Float) -> [Float] {
        withUnsafeBufferPointer { src in
            [Float](unsafeUninitializedCapacity: src.count) { dst, initialized in
                for i in 0..<src.count { dst[i] = transform(src[i]) }
                initialized = src.count
            }
        }
    }

    /// Element-wise combination of two arrays of equal length into a new array.
    @inline(__always)
    func zipContiguous(_ other: [Float], _ combine: (Float, Float) -> Float) -> [Float] {
        precondition(count == other.count, "element-wise arrays differ in length: \(count) vs \(other.count)")
        return withUnsafeBufferPointer { a in
            other.withUnsafeBufferPointer { b in
                [Float](unsafeUninitializedCapacity: a.count) { dst, initialized in
                    for i in 0..<a.count { dst[i] = combine(a[i], b[i]) }
                    initialized = a.count
                }
            }
        }
    }
}
