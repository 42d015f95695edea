#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif

/// Rectified linear unit, `max(0, x)` element-wise; any input shape.
public final class ReLU: Layer, @unchecked Sendable {
    public let name: String
    public var kind: String { "relu" }
    private var lastOutput: Tensor?

    public init(name: String) { self.name = name }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        var out = input
        out.data.withUnsafeMutableBufferPointer { y in
            for i in 0..<y.count where !(y[i] > 0) { y[i] = 0 }
        }
        lastOutput = out
        return out
    }

    /// Passes the gradient where the output was positive (0 at x == 0, as PyTorch).
    public func backward(_ gradOutput: Tensor) -> Tensor {
        guard let output = lastOutput else { preconditionFailure("ReLU '\(name)': backward before forward") }
        precondition(output.count == gradOutput.count, "ReLU '\(name)': gradient \(gradOutput.shape) vs output \(output.shape)")
        var g = gradOutput
        g.data.withUnsafeMutableBufferPointer { gp in
            output.data.withUnsafeBufferPointer { y in
                for i in 0..<gp.count where !(y[i] > 0) { gp[i] = 0 }
            }
        }
        return g
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }
    public func copy() -> any Layer { ReLU(name: name) }
}

/// Hyperbolic tangent element-wise; any input shape.
public final class Tanh: Layer, @unchecked Sendable {
    public let name: String
    public var kind: String { "tanh" }
    private var lastOutput: Tensor?

    public init(name: String) { self.name = name }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        var out = input
        out.data.withUnsafeMutableBufferPointer { y in
            for i in 0..<y.count { y[i] = tanhf(y[i]) }
        }
        lastOutput = out
        return out
    }

    /// dL/dx = dL/dy * (1 - y^2).
    public func backward(_ gradOutput: Tensor) -> Tensor {
        guard let output = lastOutput else { preconditionFailure("Tanh '\(name)': backward before forward") }
        precondition(output.count == gradOutput.count, "Tanh '\(name)': gradient \(gradOutput.shape) vs output \(output.shape)")
        var g = gradOutput
        g.data.withUnsafeMutableBufferPointer { gp in
            output.data.withUnsafeBufferPointer { y in
                for i in 0..<gp.count { gp[i] *= 1 - y[i] * y[i] }
            }
        }
        return g
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }
    public func copy() -> any Layer { Tanh(name: name) }
}
