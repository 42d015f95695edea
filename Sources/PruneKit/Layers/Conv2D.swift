/// A 2-D convolution over `[batch, channels, height, width]` inputs, laid out
/// as PyTorch's `nn.Conv2d` (square kernel, zero padding, no dilation or groups).
///
/// `weight` is `[outChannels, inChannels, kernelSize, kernelSize]`, `bias`
/// `[outChannels]`. Forward and backward use im2col and one `BLAS.gemm` per
/// chunk of samples; chunks keep the column buffer to about 16 MB.
public final class Conv2D: Layer {
    public let name: String
    public var kind: LayerKind { .conv2d }
    /// Channels of the input (`C` of `[batch, C, H, W]`).
    public let inChannels: Int
    /// Channels of the output, one filter each.
    public let outChannels: Int
    /// Side of the square kernel.
    public let kernelSize: Int
    /// Step between neighbouring kernel positions, in both directions.
    public let stride: Int
    /// Zeros added on every side of the input.
    public let padding: Int
    private let weightParameter: Parameter
    private let biasParameter: Parameter?

    private var lastInput: Tensor?
    /// im2col buffer; holds the whole last batch's columns when `colsCoverBatch`.
    private var cols: [Float] = []
    private var colsCoverBatch = false
    private var scratch: [Float] = []
    private var gradCols: [Float] = []

    /// Column-buffer budget in floats (16 MB); batches whose columns exceed
    /// it are processed in chunks of samples. Tests lower it to force chunking.
    var columnBudget = 4 * 1_024 * 1_024

    /// A layer with PyTorch's default initialisation: weight and bias uniform in
    /// `[-1/sqrt(fanIn), 1/sqrt(fanIn))`, `fanIn = inChannels * kernelSize^2`.
    public init(
        name: String, inChannels: Int, outChannels: Int, kernelSize: Int,
        stride: Int = 1, padding: Int = 0,
        weightName: String, biasName: String?, rng: inout SeededRandom
    ) {
        precondition(
            inChannels > 0 && outChannels > 0 && kernelSize > 0 && stride > 0 && padding >= 0,
            "Conv2D '\(name)': sizes must be positive and padding non-negative")
        self.name = name
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        let fanIn = inChannels * kernelSize * kernelSize
        let bound = 1 / Float(fanIn).squareRoot()
        var w = [Float](repeating: 0, count: outChannels * fanIn)
        for i in w.indices { w[i] = rng.uniform(-bound, bound) }
        weightParameter = Parameter(
            name: weightName, role: .weight,
            value: Tensor(shape: [outChannels, inChannels, kernelSize, kernelSize], data: w))
        if let biasName {
            var b = [Float](repeating: 0, count: outChannels)
            for i in b.indices { b[i] = rng.uniform(-bound, bound) }
            biasParameter = Parameter(name: biasName, role: .bias, value: Tensor(shape: [outChannels], data: b))
        } else {
            biasParameter = nil
        }
    }

    /// A layer around existing parameters (e.g. loaded from a weights file).
    /// Throws unless the weight is `[out, in, k, k]` and the bias `[out]`.
    public convenience init(
        name: String, weight: Parameter, bias: Parameter?,
        stride: Int = 1, padding: Int = 0
    ) throws {
        let s = weight.value.shape
        guard s.count == 4, s[2] == s[3], s.allSatisfy({ $0 > 0 }) else {
            throw LayerError.parameterShape(layer: name, parameter: weight.name, expected: [-1, -1, -1, -1], got: s)
        }
        if let bias, bias.value.shape != [s[0]] {
            throw LayerError.parameterShape(layer: name, parameter: bias.name, expected: [s[0]], got: bias.value.shape)
        }
        guard stride > 0, padding >= 0 else {
            throw LayerError.invalidArgument(
                layer: name, problem: "stride \(stride) and padding \(padding) must be positive and non-negative")
        }
        self.init(name: name, weightParameter: weight, biasParameter: bias, stride: stride, padding: padding)
    }

    private init(name: String, weightParameter: Parameter, biasParameter: Parameter?, stride: Int, padding: Int) {
        self.name = name
        let s = weightParameter.value.shape
        self.outChannels = s[0]
        self.inChannels = s[1]
        self.kernelSize = s[2]
        self.stride = stride
        self.padding = padding
        self.weightParameter = weightParameter
        self.biasParameter = biasParameter
    }

    public var parameters: [Parameter] {
        if let biasParameter { return [weightParameter, biasParameter] }
        return [weightParameter]
    }

    /// Geometry of one batch.
    private struct Geometry {
        var batch, height, width, outHeight, outWidth: Int
        var positions: Int { outHeight * outWidth }
    }

    private func geometry(_ input: Tensor) -> Geometry {
        precondition(
            input.rank == 4 && input.shape[1] == inChannels,
            "Conv2D '\(name)' expects [batch, \(inChannels), H, W], got \(input.shape)")
        let h = input.shape[2], w = input.shape[3]
        let oh = (h + 2 * padding - kernelSize) / stride + 1
        let ow = (w + 2 * padding - kernelSize) / stride + 1
        precondition(
            h + 2 * padding >= kernelSize && w + 2 * padding >= kernelSize,
            "Conv2D '\(name)': kernel \(kernelSize) larger than padded input \(h)x\(w)")
        return Geometry(batch: input.shape[0], height: h, width: w, outHeight: oh, outWidth: ow)
    }

    private var rowsPerColumn: Int { inChannels * kernelSize * kernelSize }

    private func chunkSize(_ g: Geometry) -> Int {
        max(1, min(g.batch, columnBudget / max(1, rowsPerColumn * g.positions)))
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        let g = geometry(input)
        lastInput = input
        let p = g.positions, ckk = rowsPerColumn, oc = outChannels
        var out = [Float](repeating: 0, count: g.batch * oc * p)
        let chunk = chunkSize(g)
        colsCoverBatch = chunk >= g.batch
        ensure(&cols, ckk * chunk * p)
        ensure(&scratch, oc * chunk * p)
        input.data.withUnsafeBufferPointer { x in
            weightParameter.value.data.withUnsafeBufferPointer { w in
                cols.withUnsafeMutableBufferPointer { c in
                    scratch.withUnsafeMutableBufferPointer { t in
                        out.withUnsafeMutableBufferPointer { y in
                            guard let xB = x.baseAddress, let wB = w.baseAddress, let cB = c.baseAddress,
                                let tB = t.baseAddress, let yB = y.baseAddress
                            else { return }
                            var n0 = 0
                            while n0 < g.batch {
                                let nb = min(chunk, g.batch - n0)
                                im2col(xB + n0 * inChannels * g.height * g.width, nb, g, cB)
                                BLAS.gemm(m: oc, n: nb * p, k: ckk, a: wB, b: cB, c: tB)
                                // [oc, nb * p] -> [nb, oc, p], adding the bias.
                                for n in 0..<nb {
                                    for o in 0..<oc {
                                        let dst = yB + ((n0 + n) * oc + o) * p
                                        dst.update(from: tB + o * nb * p + n * p, count: p)
                                    }
                                }
                                n0 += nb
                            }
                        }
                    }
                }
            }
        }
        if let biasParameter {
            biasParameter.value.data.withUnsafeBufferPointer { b in
                out.withUnsafeMutableBufferPointer { y in
                    for n in 0..<g.batch {
                        for o in 0..<oc {
                            let base = (n * oc + o) * p
                            let bo = b[o]
                            for i in 0..<p { y[base + i] += bo }
                        }
                    }
                }
            }
        }
        return Tensor(shape: [g.batch, oc, g.outHeight, g.outWidth], data: out)
    }

    public func backward(_ gradOutput: Tensor) -> Tensor {
        backwardImplementation(gradOutput, wantInputGradient: true) ?? gradOutput
    }

    public func backwardParametersOnly(_ gradOutput: Tensor) {
        _ = backwardImplementation(gradOutput, wantInputGradient: false)
    }

    private func backwardImplementation(_ gradOutput: Tensor, wantInputGradient: Bool) -> Tensor? {
        guard let input = lastInput else { preconditionFailure("Conv2D '\(name)': backward before forward") }
        let g = geometry(input)
        let p = g.positions, ckk = rowsPerColumn, oc = outChannels
        precondition(
            gradOutput.count == g.batch * oc * p,
            "Conv2D '\(name)': gradient \(gradOutput.shape) does not match output [\(g.batch), \(oc), \(g.outHeight), \(g.outWidth)]")
        let chunk = chunkSize(g)
        let reuseCols = colsCoverBatch && chunk >= g.batch
        ensure(&cols, ckk * chunk * p)
        ensure(&scratch, oc * chunk * p)
        if wantInputGradient { ensure(&gradCols, ckk * chunk * p) }
        var gradIn = [Float](repeating: 0, count: wantInputGradient ? input.count : 0)
        let hasBias = biasParameter != nil
        var biasGrad = [Float](repeating: 0, count: oc)

        input.data.withUnsafeBufferPointer { x in
            gradOutput.data.withUnsafeBufferPointer { go in
                weightParameter.value.data.withUnsafeBufferPointer { w in
                    weightParameter.grad.data.withUnsafeMutableBufferPointer { gw in
                        cols.withUnsafeMutableBufferPointer { c in
                            scratch.withUnsafeMutableBufferPointer { t in
                                gradCols.withUnsafeMutableBufferPointer { gc in
                                    gradIn.withUnsafeMutableBufferPointer { gi in
                                        guard let xB = x.baseAddress, let goB = go.baseAddress, let wB = w.baseAddress,
                                            let gwB = gw.baseAddress, let cB = c.baseAddress, let tB = t.baseAddress
                                        else { return }
                                        var n0 = 0
                                        while n0 < g.batch {
                                            let nb = min(chunk, g.batch - n0)
                                            let columns = nb * p
                                            // [nb, oc, p] -> [oc, nb * p]
                                            for n in 0..<nb {
                                                for o in 0..<oc {
                                                    (tB + o * columns + n * p).update(from: goB + ((n0 + n) * oc + o) * p, count: p)
                                                }
                                            }
                                            if hasBias {
                                                for o in 0..<oc {
                                                    var s: Float = 0
                                                    let row = tB + o * columns
                                                    for i in 0..<columns { s += row[i] }
                                                    biasGrad[o] += s
                                                }
                                            }
                                            if !reuseCols {
                                                im2col(xB + n0 * inChannels * g.height * g.width, nb, g, cB)
                                            }
                                            BLAS.gemm(m: oc, n: ckk, k: columns, a: tB, b: cB, transB: true, c: gwB, beta: 1)
                                            if wantInputGradient, let gcB = gc.baseAddress, let giB = gi.baseAddress {
                                                BLAS.gemm(m: ckk, n: columns, k: oc, a: wB, transA: true, b: tB, c: gcB)
                                                col2im(gcB, nb, g, giB + n0 * inChannels * g.height * g.width)
                                            }
                                            n0 += nb
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if let biasParameter {
            biasParameter.grad.data.withUnsafeMutableBufferPointer { gb in
                for o in 0..<oc { gb[o] += biasGrad[o] }
            }
        }
        return wantInputGradient ? Tensor(shape: input.shape, data: gradIn) : nil
    }

    /// Output columns `ow` whose input column `ow * stride - padding + kj` lies in `0..<width`.
    @inline(__always)
    private func validRange(_ kj: Int, _ extent: Int, _ outExtent: Int) -> Range<Int> {
        // smallest o with o*s >= padding - kj; largest o with o*s <= extent - 1 + padding - kj
        let lowNumerator = padding - kj
        let low = lowNumerator <= 0 ? 0 : (lowNumerator + stride - 1) / stride
        let highNumerator = extent - 1 + padding - kj
        let high = highNumerator < 0 ? 0 : min(outExtent, highNumerator / stride + 1)
        return low < high ? low..<high : 0..<0
    }

    /// Unfolds `nb` samples into columns: row `(c, ki, kj)`, column `n * P + oh * OW + ow`.
    private func im2col(_ x: UnsafePointer<Float>, _ nb: Int, _ g: Geometry, _ cols: UnsafeMutablePointer<Float>) {
        let p = g.positions, k = kernelSize, s = stride
        let ld = nb * p
        let plane = g.height * g.width
        for c in 0..<inChannels {
            for ki in 0..<k {
                let rows = validRange(ki, g.height, g.outHeight)
                for kj in 0..<k {
                    let cs = validRange(kj, g.width, g.outWidth)
                    let dstRow = cols + ((c * k + ki) * k + kj) * ld
                    for n in 0..<nb {
                        let dst = dstRow + n * p
                        let src = x + (n * inChannels + c) * plane
                        for oh in 0..<g.outHeight {
                            let d = dst + oh * g.outWidth
                            guard rows.contains(oh) else {
                                d.update(repeating: 0, count: g.outWidth)
                                continue
                            }
                            let srcRow = src + (oh * s - padding + ki) * g.width - padding + kj
                            for ow in 0..<cs.lowerBound { d[ow] = 0 }
                            if s == 1 {
                                (d + cs.lowerBound).update(from: srcRow + cs.lowerBound, count: cs.count)
                            } else {
                                for ow in cs { d[ow] = srcRow[ow * s] }
                            }
                            for ow in cs.upperBound..<g.outWidth { d[ow] = 0 }
                        }
                    }
                }
            }
        }
    }

    /// Adds columns back onto the image they came from (the adjoint of `im2col`).
    private func col2im(_ cols: UnsafePointer<Float>, _ nb: Int, _ g: Geometry, _ x: UnsafeMutablePointer<Float>) {
        let p = g.positions, k = kernelSize, s = stride
        let ld = nb * p
        let plane = g.height * g.width
        for c in 0..<inChannels {
            for ki in 0..<k {
                let rows = validRange(ki, g.height, g.outHeight)
                for kj in 0..<k {
                    let cs = validRange(kj, g.width, g.outWidth)
                    let srcRow = cols + ((c * k + ki) * k + kj) * ld
                    for n in 0..<nb {
                        let src = srcRow + n * p
                        let dst = x + (n * inChannels + c) * plane
                        for oh in rows {
                            let d = dst + (oh * s - padding + ki) * g.width - padding + kj
                            let sr = src + oh * g.outWidth
                            for ow in cs { d[ow * s] += sr[ow] }
                        }
                    }
                }
            }
        }
    }

    private func ensure(_ buffer: inout [Float], _ count: Int) {
        if buffer.count < count { buffer = [Float](repeating: 0, count: count) }
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape.count == 3, inputShape[0] == inChannels else {
            throw LayerError.inputShape(
                layer: name, kind: kind,
                expected: "[\(inChannels), height, width]", got: inputShape)
        }
        let h = inputShape[1] + 2 * padding, w = inputShape[2] + 2 * padding
        guard h >= kernelSize, w >= kernelSize else {
            throw LayerError.kernelTooLarge(layer: name, kernel: kernelSize, height: h, width: w)
        }
        return [outChannels, (h - kernelSize) / stride + 1, (w - kernelSize) / stride + 1]
    }

    public func denseMACs(for inputShape: [Int]) -> Int {
        guard let out = try? outputShape(for: inputShape) else { return 0 }
        return outChannels * rowsPerColumn * out[1] * out[2]
    }

    public func copy() -> any Layer {
        Conv2D(
            name: name, weightParameter: weightParameter.copy(), biasParameter: biasParameter?.copy(),
            stride: stride, padding: padding)
    }
}
