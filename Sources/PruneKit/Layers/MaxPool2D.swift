/// 2-D max pooling over `[batch, channels, height, width]`, as PyTorch's
/// `nn.MaxPool2d(kernelSize, stride)` (no padding, floor mode).
///
/// The gradient flows to the first maximum of each window.
public final class MaxPool2D: Layer {
    public let name: String
    public var kind: LayerKind { .maxpool2d }
    /// Side of the square pooling window.
    public let kernelSize: Int
    /// Step between neighbouring windows.
    public let stride: Int
    private var lastInputShape: [Int]?
    /// Flat input index of each output element's maximum.
    private var argmax: [Int32] = []

    /// A pooling layer; `kernelSize` and `stride` must be positive.
    public init(name: String, kernelSize: Int, stride: Int) {
        precondition(kernelSize > 0 && stride > 0, "MaxPool2D '\(name)': kernel and stride must be positive")
        self.name = name
        self.kernelSize = kernelSize
        self.stride = stride
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        precondition(
            input.rank == 4 && input.shape[2] >= kernelSize && input.shape[3] >= kernelSize,
            "MaxPool2D '\(name)' expects [batch, C, H >= \(kernelSize), W >= \(kernelSize)], got \(input.shape)")
        precondition(input.count <= Int(Int32.max), "MaxPool2D '\(name)': input too large")
        let n = input.shape[0], c = input.shape[1], h = input.shape[2], w = input.shape[3]
        let oh = (h - kernelSize) / stride + 1, ow = (w - kernelSize) / stride + 1
        let planes = n * c
        lastInputShape = input.shape
        var out = [Float](repeating: 0, count: planes * oh * ow)
        if argmax.count != out.count { argmax = [Int32](repeating: 0, count: out.count) }
        let k = kernelSize, s = stride
        input.data.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { y in
                argmax.withUnsafeMutableBufferPointer { am in
                    for plane in 0..<planes {
                        let base = plane * h * w
                        for i in 0..<oh {
                            for j in 0..<ow {
                                var best = base + (i * s) * w + j * s
                                var bestValue = x[best]
                                for di in 0..<k {
                                    let row = base + (i * s + di) * w + j * s
                                    for dj in 0..<k where x[row + dj] > bestValue {
                                        bestValue = x[row + dj]
                                        best = row + dj
                                    }
                                }
                                let o = (plane * oh + i) * ow + j
                                y[o] = bestValue
                                am[o] = Int32(best)
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: [n, c, oh, ow], data: out)
    }

    public func backward(_ gradOutput: Tensor) -> Tensor {
        guard let shape = lastInputShape else { preconditionFailure("MaxPool2D '\(name)': backward before forward") }
        precondition(gradOutput.count == argmax.count, "MaxPool2D '\(name)': gradient \(gradOutput.shape) does not match the last output")
        var gradIn = [Float](repeating: 0, count: Tensor.elementCount(shape))
        gradOutput.data.withUnsafeBufferPointer { g in
            argmax.withUnsafeBufferPointer { am in
                gradIn.withUnsafeMutableBufferPointer { gi in
                    for o in 0..<g.count { gi[Int(am[o])] += g[o] }
                }
            }
        }
        return Tensor(shape: shape, data: gradIn)
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape.count == 3 else {
            throw LayerError.inputShape(layer: name, kind: kind, expected: "[channels, height, width]", got: inputShape)
        }
        guard inputShape[1] >= kernelSize, inputShape[2] >= kernelSize else {
            throw LayerError.kernelTooLarge(layer: name, kernel: kernelSize, height: inputShape[1], width: inputShape[2])
        }
        return [inputShape[0], (inputShape[1] - kernelSize) / stride + 1, (inputShape[2] - kernelSize) / stride + 1]
    }

    public func copy() -> any Layer { MaxPool2D(name: name, kernelSize: kernelSize, stride: stride) }
}
