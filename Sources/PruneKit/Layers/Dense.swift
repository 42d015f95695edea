/// A fully connected layer, `y = x W^T + b`, laid out as PyTorch's `nn.Linear`.
///
/// `weight` has shape `[outFeatures, inFeatures]` and `bias` `[outFeatures]`.
/// Input `[batch, inFeatures]`, output `[batch, outFeatures]`. Forward and
/// backward run through `BLAS.gemm`.
public final class Dense: Layer {
    public let name: String
    public var kind: LayerKind { .dense }
    /// Width of one input sample.
    public let inFeatures: Int
    /// Width of one output sample.
    public let outFeatures: Int
    private let weightParameter: Parameter
    private let biasParameter: Parameter?
    private var lastInput: Tensor?

    /// A layer with PyTorch's default initialisation: weight and bias drawn
    /// uniformly from `[-1/sqrt(inFeatures), 1/sqrt(inFeatures))`.
    ///
    /// - Parameters:
    ///   - weightName, biasName: tensor names in the weights file
    ///     (e.g. `fc1.weight`); `biasName == nil` builds a layer without bias.
    public init(
        name: String, inFeatures: Int, outFeatures: Int,
        weightName: String, biasName: String?, rng: inout SeededRandom
    ) {
        precondition(inFeatures > 0 && outFeatures > 0, "Dense '\(name)' needs positive sizes")
        self.name = name
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        let bound = 1 / Float(inFeatures).squareRoot()
        var w = [Float](repeating: 0, count: outFeatures * inFeatures)
        for i in w.indices { w[i] = rng.uniform(-bound, bound) }
        weightParameter = Parameter(
            name: weightName, role: .weight,
            value: Tensor(shape: [outFeatures, inFeatures], data: w))
        if let biasName {
            var b = [Float](repeating: 0, count: outFeatures)
            for i in b.indices { b[i] = rng.uniform(-bound, bound) }
            biasParameter = Parameter(name: biasName, role: .bias, value: Tensor(shape: [outFeatures], data: b))
        } else {
            biasParameter = nil
        }
    }

    /// A layer around existing parameters (e.g. loaded from a weights file).
    /// Throws `LayerError.parameterShape` unless the weight is `[out, in]` and
    /// the bias `[out]`.
    public convenience init(name: String, weight: Parameter, bias: Parameter?) throws {
        guard weight.value.rank == 2, weight.value.shape.allSatisfy({ $0 > 0 }) else {
            throw LayerError.parameterShape(
                layer: name, parameter: weight.name,
                expected: [-1, -1], got: weight.value.shape)
        }
        let out = weight.value.shape[0]
        if let bias, bias.value.shape != [out] {
            throw LayerError.parameterShape(layer: name, parameter: bias.name, expected: [out], got: bias.value.shape)
        }
        self.init(name: name, weightParameter: weight, biasParameter: bias)
    }

    private init(name: String, weightParameter: Parameter, biasParameter: Parameter?) {
        self.name = name
        self.outFeatures = weightParameter.value.shape[0]
        self.inFeatures = weightParameter.value.shape[1]
        self.weightParameter = weightParameter
        self.biasParameter = biasParameter
    }

    public var parameters: [Parameter] {
        if let biasParameter { return [weightParameter, biasParameter] }
        return [weightParameter]
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        let batch = input.count / inFeatures
        precondition(
            input.rank >= 1 && batch * inFeatures == input.count && input.shape[0] == batch,
            "Dense '\(name)' expects [batch, \(inFeatures)], got \(input.shape)")
        lastInput = input
        let out = [Float](unsafeUninitializedCapacity: batch * outFeatures) { y, initialized in
            initialized = y.count
            guard let yBase = y.baseAddress else { return }
            var beta: Float = 0
            if let biasParameter {
                biasParameter.value.data.withUnsafeBufferPointer { b in
                    guard let bBase = b.baseAddress else { return }
                    for row in 0..<batch { (yBase + row * outFeatures).update(from: bBase, count: outFeatures) }
                }
                beta = 1
            }
            input.data.withUnsafeBufferPointer { x in
                weightParameter.value.data.withUnsafeBufferPointer { w in
                    guard let xBase = x.baseAddress, let wBase = w.baseAddress else { return }
                    BLAS.gemm(
                        m: batch, n: outFeatures, k: inFeatures,
                        a: xBase, b: wBase, transB: true, c: yBase, beta: beta)
                }
            }
        }
        return Tensor(shape: [batch, outFeatures], data: out)
    }

    public func backward(_ gradOutput: Tensor) -> Tensor {
        accumulateParameterGradients(gradOutput)
        let batch = gradOutput.count / outFeatures
        let gradIn = [Float](unsafeUninitializedCapacity: batch * inFeatures) { gi, initialized in
            initialized = gi.count
            gradOutput.data.withUnsafeBufferPointer { g in
                weightParameter.value.data.withUnsafeBufferPointer { w in
                    guard let gBase = g.baseAddress, let wBase = w.baseAddress, let giBase = gi.baseAddress else { return }
                    // beta 0: BLAS writes every element of C without reading it.
                    BLAS.gemm(m: batch, n: inFeatures, k: outFeatures, a: gBase, b: wBase, c: giBase)
                }
            }
        }
        return Tensor(shape: lastInput?.shape ?? [batch, inFeatures], data: gradIn)
    }

    public func backwardParametersOnly(_ gradOutput: Tensor) {
        accumulateParameterGradients(gradOutput)
    }

    /// dL/dW += gradOutput^T x input; dL/db += column sums of gradOutput.
    private func accumulateParameterGradients(_ gradOutput: Tensor) {
        guard let input = lastInput else {
            preconditionFailure("Dense '\(name)': backward before forward")
        }
        let batch = gradOutput.count / outFeatures
        precondition(
            batch * outFeatures == gradOutput.count && batch * inFeatures == input.count,
            "Dense '\(name)': gradient \(gradOutput.shape) does not match the last input \(input.shape)")
        gradOutput.data.withUnsafeBufferPointer { g in
            guard let gBase = g.baseAddress else { return }
            input.data.withUnsafeBufferPointer { x in
                weightParameter.grad.data.withUnsafeMutableBufferPointer { gw in
                    guard let xBase = x.baseAddress, let gwBase = gw.baseAddress else { return }
                    BLAS.gemm(
                        m: outFeatures, n: inFeatures, k: batch,
                        a: gBase, transA: true, b: xBase, c: gwBase, beta: 1)
                }
            }
            if let biasParameter {
                biasParameter.grad.data.withUnsafeMutableBufferPointer { gb in
                    for row in 0..<batch {
                        let r = gBase + row * outFeatures
                        for j in 0..<outFeatures { gb[j] += r[j] }
                    }
                }
            }
        }
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape == [inFeatures] else {
            throw LayerError.inputShape(layer: name, kind: kind, expected: [inFeatures].shapeText, got: inputShape)
        }
        return [outFeatures]
    }

    public func denseMACs(for inputShape: [Int]) -> Int { inFeatures * outFeatures }

    public func copy() -> any Layer {
        Dense(name: name, weightParameter: weightParameter.copy(), biasParameter: biasParameter?.copy())
    }
}
